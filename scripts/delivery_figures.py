"""Print the delivery figures: message copies at two processes, and kills under load.

Usage: python scripts/delivery_figures.py [--conversations 20] [--turns 3] [--kills 3]

Starts two `python -m bot run` processes on fresh PostgreSQL databases (the store and
rasa's tracker store) and a Redis lock store, as `tests/test_exactly_once.py` does,
then prints what was sent, acknowledged, stored, answered, lost and duplicated.
Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.delivery_load import count, duplicated_conversations, kill_under_load
from tests.delivery_servers import bot_processes, shared_stores
from tests.test_exactly_once import SHORT_LEASES


def main() -> None:
    """Run both parts and print a line of figures for each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--kills", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="delivery-figures-") as folder:
        work = Path(folder)
        with (
            shared_stores(work / "copies") as stores,
            bot_processes(stores, work / "copies", 2, SHORT_LEASES) as bots,
        ):
            urls = [bot.url for bot in bots]
            copies = asyncio.run(
                duplicated_conversations(urls, options.conversations, options.turns)
            )
            print(f"copies at two processes: {count(stores, copies).line()}", flush=True)
        with (
            shared_stores(work / "kills") as stores,
            bot_processes(stores, work / "kills", 2, SHORT_LEASES) as bots,
        ):
            messages, kills = asyncio.run(kill_under_load(bots, options.kills))
            print(f"{kills} kills under load: {count(stores, messages).line()}", flush=True)


if __name__ == "__main__":
    main()
