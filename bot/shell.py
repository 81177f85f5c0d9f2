"""Chat with the bot in the terminal, through the same runtime as every channel."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

from bot.config import Settings
from bot.engine import RasaProject, ensure_model
from bot.runtime import build_channels, start_services
from core.errors import BotError
from core.messages import Inbound


async def chat(settings: Settings) -> int:
    """Read lines from the terminal and print the answers until /quit or end of input."""
    project = RasaProject.from_settings(settings.project, settings.source)
    model = ensure_model(project, Path(settings.engine.model_dir))
    runtime = await start_services(settings, model, build_channels(settings))
    user = getpass.getuser()
    print(f"Chatting with {settings.brand.name}'s bot. Type /quit to stop.", flush=True)
    try:
        while True:
            try:
                text = await asyncio.to_thread(input, "you> ")
            except EOFError:
                break
            if text.strip() == "/quit":
                break
            try:
                replies = await runtime.pipeline.handle(
                    Inbound("shell", user, user, text), delivered_in_response=True
                )
            except BotError as error:
                print(f"  ! {error.message}", flush=True)
                continue
            for reply in replies:
                name = (reply.payload or {}).get("agent_name", "bot")
                print(f"{name}> {reply.text}", flush=True)
    finally:
        await runtime.stop()
    return 0
