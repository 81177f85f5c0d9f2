"""Train a rasa project in a process of its own, reporting progress on stdout.

`python -m bot.designer.train_worker '<json>'` with the project's files and the
model folder. The web server starts it (see `bot.designer.training`) so a training
run never slows the server's event loop or shares its memory, and a crash in rasa
ends only this process. Lines for the parent: `PHASE <text>` and, at the end,
`MODEL <path>`; the run's one progress bar (`training X: 40%|...`) and rasa's
warnings go through as they are.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", category=DeprecationWarning)  # not the designer's concern


def main(argv: Sequence[str] | None = None) -> int:
    """Train from the JSON description in argv[0]; the exit code says how it went."""
    from bot.engine.project import RasaProject, train
    from bot.errors import BotError

    spec = json.loads((argv if argv is not None else sys.argv[1:])[0])
    project = RasaProject(
        config=Path(spec["config"]),
        domain=Path(spec["domain"]),
        data=tuple(Path(p) for p in spec["data"]),
        actions=spec.get("actions", ""),
        not_training_data=tuple(Path(p) for p in spec.get("not_training_data", [])),
    )
    from rasa.utils.log_utils import configure_structlog

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    configure_structlog(logging.WARNING)  # rasa's structured debug lines, unconfigured, flood
    logging.getLogger("rasa.engine.training.hooks").setLevel(logging.INFO)
    print("PHASE preparing", flush=True)
    try:
        path = train(project, Path(spec["model_dir"]))
    except BotError as error:
        print(f"ERROR {error.message}", flush=True)
        return 1
    print(f"MODEL {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
