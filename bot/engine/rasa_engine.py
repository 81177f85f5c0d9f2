"""rasa 3.6 loaded in-process, on an event loop and thread of its own.

rasa's model inference and its tracker-store calls block the loop they run on. The
engine gives rasa a private loop on a dedicated thread, so the web server's loop
keeps accepting and answering requests while the model works; conversations are
serialised per sender by rasa's own lock store, exactly as under `rasa run`. Custom
actions never hold that loop: synchronous ones run on threads of their own, and
each has a time limit (`bot.engine.actions`).

A newly trained model replaces the running one without a restart (`reload`): the
new rasa agent is built beside the old one, sharing its tracker store and lock
store, then swapped in at once. Messages already being answered finish on the old
agent; the next ones go to the new; conversations continue, since they live in the
shared tracker store.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.engine.actions import (
    InProcessActionEndpoint,
    validate_action_results_with_a_compiled_schema,
)
from bot.engine.logs import quiet_rasa
from bot.engine.sessions import BoundedSessions
from bot.engine.tracker_store import TurnTrackerStore
from core import timing
from core.errors import ConfigError, EngineUnavailable, ModelMissing
from core.messages import Outbound
from core.ports import Parse

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

T = TypeVar("T")

_RICH_KEYS = ("buttons", "image", "attachment", "custom", "elements", "quick_replies")


class RasaEngine:
    """Answers customer messages with a trained rasa model.

    Args:
        model_path: The trained model (`.tar.gz`).
        endpoints_file: rasa's `endpoints.yml` (tracker store, lock store, action
            endpoint); None for rasa's in-memory defaults.
        actions_package: The custom actions' package, run in-process unless the
            endpoints file names an action server.
        timeout: Seconds to wait for an answer before giving up on it.
        action_timeout: Seconds a custom action may take (`bot.engine.actions`).
        default_language: The brand's default language: response variants tagged
            with another (`metadata: {language: xx}`) go only to customers writing
            in it (`bot.engine.language_nlg`).
        session_messages: Customer messages after which a rasa session ends at a
            point of rest (`bot.engine.sessions`); 0: only when rasa's time runs out.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        endpoints_file: Path | None = None,
        actions_package: str | None = "actions",
        timeout: float = 30.0,
        action_timeout: float = 5.0,
        default_language: str = "en",
        session_messages: int = 0,
    ) -> None:
        self.model_path = model_path
        self.default_language = default_language
        self.endpoints_file = endpoints_file
        self.actions_package = actions_package
        self.timeout = timeout
        self.action_timeout = action_timeout
        self.session_messages = session_messages
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="rasa-engine", daemon=True
        )
        self._agent: Agent | None = None
        self._endpoints: AvailableEndpoints | None = None
        self._reloading = asyncio.Lock()
        self.loaded_at: datetime | None = None
        self.reloads = 0

    @property
    def model_name(self) -> str:
        """The loaded model's file name."""
        return self.model_path.name

    @property
    def loaded(self) -> bool:
        """Whether a model is loaded and answering (for `/health`)."""
        return self._agent is not None

    async def start(self) -> None:
        """Start the engine's thread and load the model on it."""
        if not self.model_path.is_file():
            raise ModelMissing(f"no trained model at {self.model_path}; run `python -m bot train`")
        endpoints = self._endpoints = self._read_endpoints()
        self._thread.start()
        self._agent = await self._run(self._load(endpoints))
        self.loaded_at = datetime.now(timezone.utc)
        logger.info("Engine ready with %s.", self.model_name)

    async def reload(self, model_path: Path) -> None:
        """Replace the running model with `model_path` without dropping a message.

        The new agent loads in a worker thread (the engine's loop keeps answering
        meanwhile), sharing the running agent's tracker store, lock store and action
        endpoint; then one assignment on the engine's loop swaps it in. Reloads are
        serialised; a model that fails to load leaves the running one in place.
        (Loading on the engine's own thread would stall every conversation for the
        seconds a model takes to load.)

        Raises:
            ModelMissing: There is no model file, or rasa cannot load it.
            EngineUnavailable: The engine is not running.
        """
        if not model_path.is_file():
            raise ModelMissing(f"no trained model at {model_path}")
        async with self._reloading:
            old = self._agent
            if old is None or self._endpoints is None:
                raise EngineUnavailable("the engine is not running")
            started = time.perf_counter()
            new = await asyncio.to_thread(_agent_beside, old, model_path, self._endpoints)
            BoundedSessions.install(new, self.session_messages)
            # One assignment: every call reads `_agent` once, so each message runs
            # wholly on the old agent or wholly on the new one.
            self._agent = new
            self.model_path = model_path
            self.loaded_at = datetime.now(timezone.utc)
            self.reloads += 1
            logger.info(
                "Engine reloaded with %s in %.1f s.", model_path.name, time.perf_counter() - started
            )

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
        repeated: bool = False,
    ) -> list[Outbound]:
        """What the bot says to `text` in conversation `conversation_id`.

        A `parse` from `parse()` is reused, so the NLU does not run twice. A
        `repeated` message whose id rasa's tracker already holds (an attempt that
        died after rasa saved its turn) gets the bot's answers of that turn back.
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
        handle = _handle_once if repeated and message_id is not None else _handle
        answers = await self._call(
            lambda agent: handle(agent, message), f"a message of {conversation_id}"
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

        quiet_rasa()
        validate_action_results_with_a_compiled_schema()
        agent = await load_agent(model_path=str(self.model_path), endpoints=endpoints)
        if not agent.is_ready():
            raise ModelMissing(f"rasa could not load the model at {self.model_path}")
        TurnTrackerStore.install(agent)
        BoundedSessions.install(agent, self.session_messages)
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
        _make_tracker_folder(endpoints)
        if endpoints.action is None and self.actions_package:
            endpoints.action = InProcessActionEndpoint(self.actions_package, self.action_timeout)
        if endpoints.nlg is None:
            from bot.engine.language_nlg import endpoint

            endpoints.nlg = endpoint(self.default_language)
        return endpoints


def _agent_beside(old: Agent, model_path: Path, endpoints: AvailableEndpoints) -> Agent:
    """A new agent for `model_path` that shares `old`'s conversations and locks.

    Built from rasa's parts as `rasa.core.agent.load_agent` does, except that the
    tracker store (unwrapped from rasa's fail-safe wrapper, which the new agent adds
    again) and the lock store are the running agent's.
    """
    from rasa.core.agent import Agent

    store = getattr(old.tracker_store, "_tracker_store", old.tracker_store)
    agent = Agent(
        domain=old.domain,  # until the model's own is loaded, so the store never lacks one
        generator=endpoints.nlg,
        tracker_store=store,
        lock_store=old.lock_store,
        action_endpoint=old.action_endpoint,
        model_server=old.model_server,
        http_interpreter=old.http_interpreter,
    )
    agent.load_model(model_path)
    if not agent.is_ready():
        raise ModelMissing(f"rasa could not load the model at {model_path}")
    return agent


# What `engine.policies` leaves out of a turn: timed on their own.
_TIMED_INSIDE = ("engine.tracker_read", "engine.tracker_write", "engine.actions")


async def _handle(agent: Agent, message: UserMessage) -> Any:
    """`Agent.handle_message`, with the lock's wait and the turn's stages timed."""
    waited = time.perf_counter()
    async with agent.lock_store.lock(message.sender_id):
        timing.record("engine.lock", (time.perf_counter() - waited) * 1000)
        return await _timed_turn(agent, message)


async def _timed_turn(agent: Agent, message: UserMessage) -> Any:
    """The rasa turn; what the tracker store and the actions did not take is `engine.policies`."""
    timings = timing.current()
    if timings is None:
        return await agent.processor.handle_message(message)
    before = sum(timings.ms.get(name, 0.0) for name in _TIMED_INSIDE)
    started = time.perf_counter()
    try:
        return await agent.processor.handle_message(message)
    finally:
        inside = sum(timings.ms.get(name, 0.0) for name in _TIMED_INSIDE) - before
        timings.add("engine.policies", (time.perf_counter() - started) * 1000 - inside)


async def _handle_once(agent: Agent, message: UserMessage) -> Any:
    """Handle a message as `Agent.handle_message` does, unless rasa took it already.

    If the tracker holds this message id (an earlier attempt died after rasa saved
    its turn), the answers rasa gave it then, from the events that followed it.
    """
    async with agent.lock_store.lock(message.sender_id):
        store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
        tracker = await store.retrieve_full_tracker(message.sender_id)
        earlier = _answers_in(tracker, message.message_id) if tracker is not None else None
        if earlier is not None:
            logger.info("Message %s was answered before; not run again.", message.message_id)
            return earlier
        return await _timed_turn(agent, message)


def _answers_in(tracker: DialogueStateTracker, message_id: str) -> list[dict[str, Any]] | None:
    """The bot's utterances after the user event `message_id`; None if there is none."""
    from rasa.shared.core.events import BotUttered, UserUttered

    answers: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if answers is not None:
                break
            if event.message_id == message_id:
                answers = []
        elif answers is not None and isinstance(event, BotUttered):
            answers.append({"text": event.text, **(event.data or {})})
    return answers


def _outbound(answer: dict[str, Any]) -> Outbound:
    extras = {key: answer[key] for key in _RICH_KEYS if answer.get(key)}
    return Outbound(text=answer.get("text") or "", extras=extras)


def _make_tracker_folder(endpoints: AvailableEndpoints) -> None:
    """Create the folder of a SQLite tracker store: rasa creates the file, not its folder."""
    store = endpoints.tracker_store
    if store is None or str(store.type).lower() != "sql":
        return
    dialect = store.kwargs.get("dialect", "sqlite")
    database = store.kwargs.get("db")
    if dialect == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
