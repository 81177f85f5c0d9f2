"""rasa 3.6 loaded in-process, on an event loop and thread of its own.

rasa's model inference and its tracker-store calls block the loop they run on. The
engine gives rasa a private loop on a dedicated thread, so the web server's loop
keeps accepting and answering requests while the model works; conversations are
serialised per sender by rasa's own lock store, exactly as under `rasa run`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.engine.actions import (
    InProcessActionEndpoint,
    validate_action_results_with_a_compiled_schema,
)
from bot.errors import ConfigError, EngineUnavailable, ModelMissing
from bot.messages import Outbound

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.core.utils import AvailableEndpoints

logger = logging.getLogger(__name__)

T = TypeVar("T")

_RICH_KEYS = ("buttons", "image", "attachment", "custom", "elements", "quick_replies")


@dataclass(frozen=True)
class Parse:
    """What rasa's NLU made of a message; `data` goes back to rasa unchanged."""

    intent: str | None
    confidence: float | None
    data: dict[str, Any]


class RasaEngine:
    """Answers customer messages with a trained rasa model.

    Args:
        model_path: The trained model (`.tar.gz`).
        endpoints_file: rasa's `endpoints.yml` (tracker store, lock store, action
            endpoint); None for rasa's in-memory defaults.
        actions_package: The custom actions' package, run in-process unless the
            endpoints file names an action server.
        timeout: Seconds to wait for an answer before giving up on it.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        endpoints_file: Path | None = None,
        actions_package: str | None = "actions",
        timeout: float = 30.0,
    ) -> None:
        self.model_path = model_path
        self.endpoints_file = endpoints_file
        self.actions_package = actions_package
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="rasa-engine", daemon=True
        )
        self._agent: Agent | None = None

    @property
    def model_name(self) -> str:
        """The loaded model's file name."""
        return self.model_path.name

    async def start(self) -> None:
        """Start the engine's thread and load the model on it."""
        if not self.model_path.is_file():
            raise ModelMissing(f"no trained model at {self.model_path}; run `python -m bot train`")
        endpoints = self._read_endpoints()
        self._thread.start()
        self._agent = await self._run(self._load(endpoints))
        logger.info("Engine ready with %s.", self.model_name)

    async def parse(self, text: str) -> Parse:
        """Run only rasa's NLU on `text` (no conversation state changes)."""
        data = await self._call(lambda agent: agent.parse_message(text), "parsing a message")
        intent = data.get("intent") or {}
        return Parse(intent.get("name"), intent.get("confidence"), data)

    async def respond(
        self,
        conversation_id: str,
        text: str,
        *,
        channel: str,
        message_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        parse: Parse | None = None,
    ) -> list[Outbound]:
        """What the bot says to `text` in conversation `conversation_id`.

        A `parse` from `parse()` is reused, so the NLU does not run twice.
        """
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        message = UserMessage(
            text,
            CollectingOutputChannel(),
            conversation_id,
            parse_data=parse.data if parse is not None else None,
            input_channel=channel,
            message_id=message_id,
            metadata=metadata,
        )
        answers = await self._call(
            lambda agent: agent.handle_message(message), f"a message of {conversation_id}"
        )
        return [_outbound(answer) for answer in answers or []]

    async def _call(self, work: Callable[[Agent], Coroutine[Any, Any, T]], what: str) -> T:
        """Run rasa work on the engine's loop, with the timeout and errors mapped."""
        agent = self._agent
        if agent is None:
            raise EngineUnavailable("the engine is not running")
        try:
            return await asyncio.wait_for(self._run(work(agent)), timeout=self.timeout)
        except asyncio.TimeoutError:
            raise EngineUnavailable(f"no answer within {self.timeout:g} s") from None
        except Exception as error:
            logger.exception("The engine failed on %s.", what)
            raise EngineUnavailable(f"the engine failed: {error}") from error

    async def stop(self) -> None:
        """Stop the engine's loop and thread."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 10)
        self._agent = None

    async def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the engine's loop and wait for it from the caller's."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    async def _load(self, endpoints: AvailableEndpoints) -> Agent:
        from rasa.core.agent import load_agent

        validate_action_results_with_a_compiled_schema()
        agent = await load_agent(model_path=str(self.model_path), endpoints=endpoints)
        if not agent.is_ready():
            raise ModelMissing(f"rasa could not load the model at {self.model_path}")
        return agent

    def _read_endpoints(self) -> AvailableEndpoints:
        from rasa.core.utils import AvailableEndpoints

        endpoints = AvailableEndpoints()
        if self.endpoints_file is not None:
            if not self.endpoints_file.is_file():
                raise ConfigError(str(self.endpoints_file), "", "no such file (engine.endpoints)")
            try:
                endpoints = AvailableEndpoints.read_endpoints(str(self.endpoints_file))
            except Exception as error:
                raise ConfigError(str(self.endpoints_file), "", str(error)) from error
        if endpoints.action is None and self.actions_package:
            endpoints.action = InProcessActionEndpoint(self.actions_package)
        return endpoints


def _outbound(answer: dict[str, Any]) -> Outbound:
    extras = {key: answer[key] for key in _RICH_KEYS if answer.get(key)}
    return Outbound(text=answer.get("text") or "", extras=extras)
