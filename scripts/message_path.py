"""Count the project's files a customer message and an agent's reply run through.

Usage: python scripts/message_path.py [SOURCE_DIR]

Starts the services in-process on a fresh SQLite store (the trained model in
`models/`), records every project file whose code runs (all threads, the engine's
too) while one web-chat message is answered, a complaint is escalated, and an agent
claims and replies. The HTTP layer is not run: the channel adapter's and the API's
modules are added by name. SOURCE_DIR runs another checkout of the project (e.g. an
export of an older commit) with the same model and settings.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

SOURCE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).parent.parent
sys.path.insert(0, str(SOURCE))
RECORDING: set[str] | None = None


def _profile(frame: FrameType, event: str, arg: Any) -> None:
    if RECORDING is not None and event == "call":
        name = frame.f_code.co_filename
        if name.startswith(str(SOURCE)) and "/.venv/" not in name and name != __file__:
            RECORDING.add(str(Path(name).relative_to(SOURCE)))


async def record(call: Any) -> list[str]:
    """The project files whose code runs while `call()` is awaited."""
    global RECORDING
    RECORDING = set()
    sys.setprofile(_profile)
    try:
        await call()
    finally:
        sys.setprofile(None)
        found, RECORDING = sorted(RECORDING), None
    return found


async def main() -> int:
    """Print both paths."""
    os.chdir(SOURCE)
    workdir = Path(tempfile.mkdtemp(prefix="message-path-"))
    os.environ["BOT_DATABASE_URL"] = f"sqlite:///{workdir / 'bot.db'}"
    from bot.config import load_settings
    from bot.engine import RasaProject, ensure_model
    from bot.runtime import build_channels

    settings = load_settings()
    project = RasaProject.from_settings(settings.project, settings.source)
    model = ensure_model(project, SOURCE / "models")
    threading.setprofile(_profile)  # the engine's thread, started below
    channels = build_channels(settings)
    runtime: Any = importlib.import_module("bot.runtime")
    if hasattr(runtime, "start_services"):  # this checkout
        services: Any = await runtime.start_services(settings, model, channels)
        handoff, actions = services.handoff, services.handoff.actions
        channel_files = ["bot/channels/webchat.py", "bot/web/requests.py"]
        api_files = ["bot/web/agents_api.py", "bot/web/auth.py", "bot/web/requests.py"]
    else:  # before the redesign
        services = runtime.Runtime(settings, model, channels)
        await services.start()
        handoff = actions = services.handoff
        channel_files = ["bot/channels/webchat.py", "bot/channels/base.py"]
        api_files = ["handoff/api.py", "handoff/auth.py", "bot/channels/base.py"]
    from bot.messages import Inbound

    def say(text: str) -> Any:
        inbound = Inbound("webchat", "path-customer-0001", "path-customer-0001", text)
        return lambda: services.pipeline.handle(inbound, delivered_in_response=True)

    await services.pipeline.handle(  # warm the engine first
        Inbound("webchat", "path-warm-00000001", "path-warm-00000001", "hi"),
        delivered_in_response=True,
    )
    routine = await record(say("when are you open?"))
    escalated = await record(say("this is a disgrace, I want to speak to a person now!"))
    threads = getattr(services.store, "threads", services.store)
    thread = await threads.open_thread("webchat", "path-customer-0001")
    lena = handoff.actor("lena")  # a supervisor: may claim from any team
    await actions.claim(lena, thread.id)
    reply = await record(lambda: actions.reply(lena, thread.id, "Hello, I am on it."))
    await services.stop()
    for title, files, edge in (
        ("customer message (routine)", routine, channel_files),
        ("customer message (escalated)", escalated, channel_files),
        ("agent reply", reply, api_files),
    ):
        every_file = sorted({*files, *edge})
        print(f"{title}: {len(every_file)} files")
        for name in every_file:
            print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
