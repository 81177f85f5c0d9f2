"""Chat with the bot in the terminal, through the same runtime as every channel.

Each run is a new customer (a fresh sender id) unless `--sender ID` continues an
earlier conversation. Under each answer a dim line tells what the bot made of the
message: the intent and its confidence, and the handoff decision (the thread's
state, with the escalation's score and reasons once a person is needed). While a
person owns the thread the bot stays silent, and the shell says so.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.engine import RasaProject, ensure_model
from bot.runtime import build_channels, start_services
from bot.store import Database
from core.errors import BotError
from core.messages import Author, Inbound, StoredMessage, Thread, ThreadState

CHANNEL = "shell"
_DIM, _RESET = "\x1b[2m", "\x1b[0m"


def new_sender() -> str:
    """A sender id no earlier run used: every run is a new customer."""
    return f"shell-{uuid.uuid4().hex[:8]}"


def decision_line(thread: Thread | None, message: StoredMessage | None) -> str:
    """What the bot made of a message: intent, confidence and the handoff decision."""
    parts = []
    if message is not None and message.intent:
        confidence = message.intent_confidence
        parts.append(
            f"intent {message.intent} {confidence:.2f}"
            if confidence is not None
            else f"intent {message.intent}"
        )
    elif message is not None:
        parts.append("not classified (a person has the thread)")
    if thread is None:
        return " · ".join(parts)
    if thread.state.human_owned:
        score = f" {thread.escalation_score:.2f}" if thread.escalation_score is not None else ""
        reason = f": {thread.escalation_reason}" if thread.escalation_reason else ""
        parts.append(f"handoff: escalated{score}{reason} ({thread.state.value})")
    else:
        parts.append(f"handoff: none, the bot answers ({thread.state.value})")
    return " · ".join(parts)


def silence_note(thread: Thread | None) -> str | None:
    """What to print when the bot said nothing because a person has the thread."""
    if thread is None or not thread.state.human_owned:
        return None
    if thread.state is ThreadState.WITH_AGENT:
        return "An agent has this conversation; your messages go to them (the bot stays silent)."
    return (
        "This conversation is waiting for an agent; your messages go to them "
        "(the bot stays silent). Start `shell` again without --sender for a new customer."
    )


async def chat(settings: Settings, sender: str | None = None, *, debug: bool = True) -> int:
    """Read lines from the terminal and print the answers until /quit or end of input.

    Args:
        settings: The loaded settings.
        sender: Continue this customer's conversation; None starts a new customer.
        debug: Print the intent, confidence and handoff decision under each answer.
    """
    project = RasaProject.from_settings(settings.project, settings.source)
    model = ensure_model(project, Path(settings.engine.model_dir))
    runtime = await start_services(settings, model, build_channels(settings))
    store = runtime.store
    sender = sender or new_sender()
    dim = _dimmer()
    print(
        f"Chatting with {settings.brand.name}'s bot as customer {sender} "
        f"(continue later with --sender {sender}). Type /quit to stop.",
        flush=True,
    )
    thread = await store.threads.open_thread(CHANNEL, sender)
    if (note := silence_note(thread)) is not None:
        print(dim(note), flush=True)
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
                    Inbound(CHANNEL, sender, sender, text), delivered_in_response=True
                )
            except BotError as error:
                print(f"  ! {error.message}", flush=True)
                continue
            for reply in replies:
                name = (reply.payload or {}).get("agent_name", "bot")
                print(f"{name}> {reply.text}", flush=True)
            thread = await store.threads.open_thread(CHANNEL, sender)
            if debug:
                message = await _last_customer_message(store, thread)
                print(dim(f"  {decision_line(thread, message)}"), flush=True)
            if not replies and (note := silence_note(thread)) is not None:
                print(dim(note), flush=True)
    finally:
        await runtime.stop()
    return 0


async def _last_customer_message(store: Database, thread: Thread | None) -> StoredMessage | None:
    if thread is None:
        return None
    messages = await store.messages.transcript(thread.id)
    mine = [m for m in messages if m.author is Author.CUSTOMER]
    return mine[-1] if mine else None


def _dimmer() -> Callable[[str], str]:
    """Dim text on a terminal, plain text in a pipe."""
    if sys.stdout.isatty():
        return lambda text: f"{_DIM}{text}{_RESET}"
    return lambda text: text
