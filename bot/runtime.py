"""What runs while the bot serves: store, engine, handoff, pipeline, channels.

The web app and the terminal shell start the same runtime, so a message takes the
same path whichever way it comes in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.channels import CHANNELS, ChannelAdapter
from bot.config import Settings
from bot.designer.training import TrainingJob
from bot.engine import RasaEngine, RasaProject
from bot.errors import CannotPush, ConfigError, EngineUnavailable
from bot.messages import StoredMessage, Thread
from bot.pipeline import MessagePipeline
from bot.store import Store
from bot.store.migrate import upgrade_async
from handoff.api import AgentsApi
from handoff.detection import Detector
from handoff.events import EventBus, RedisEventBus
from handoff.gate import HandoffGate
from handoff.service import HandoffService
from handoff.settings import load_handoff_settings
from handoff.store import HandoffStore
from handoff.templates import Templates

logger = logging.getLogger(__name__)


def build_channels(settings: Settings) -> list[ChannelAdapter]:
    """Create the adapters enabled under `channels:`, refusing unknown names."""
    adapters = []
    for name, options in settings.channels.items():
        if name not in CHANNELS:
            known = ", ".join(sorted(CHANNELS))
            raise ConfigError(
                settings.source, f"channels.{name}", f"unknown channel; known: {known}"
            )
        if (options or {}).get("enabled", True):
            adapters.append(CHANNELS[name].from_settings(options or {}, settings))
    return adapters


@dataclass
class Runtime:
    """The running pieces; built by `start`, released by `stop`."""

    settings: Settings
    model_path: Path
    channels: list[ChannelAdapter] = field(default_factory=list)
    agents_api: AgentsApi = field(default_factory=AgentsApi)
    store: Store | None = None
    engine: RasaEngine | None = None
    pipeline: MessagePipeline | None = None
    handoff: HandoffService | None = None
    gate: HandoffGate | None = None
    training: TrainingJob | None = None
    _timers: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Migrate and open the store, load the engine and the handoff, attach channels."""
        settings = self.settings
        project = RasaProject.from_settings(settings.project, settings.source)
        handoff_settings = load_handoff_settings(settings.project.handoff)
        templates = Templates.from_domain(project.domain, settings.brand.languages[0])
        detector = self._detector(project)
        await upgrade_async(settings.database.url)
        self.store = store = Store.connect(settings.database.url)
        events = EventBus()
        if settings.events.redis_url:
            events = RedisEventBus(settings.events.redis_url)
            await events.start()
        handoff_store = HandoffStore(store.engine)
        self.handoff = HandoffService(
            handoff_settings,
            store,
            handoff_store,
            templates,
            events,
            self.deliver,
            max_text_chars=settings.limits.max_message_chars,
        )
        await self.handoff.start()
        self.agents_api.service_or_none = self.handoff
        endpoints = settings.engine.endpoints
        self.engine = RasaEngine(
            self.model_path,
            endpoints_file=Path(endpoints) if endpoints else None,
            actions_package=project.actions,
            timeout=settings.engine.reply_timeout_seconds,
            default_language=settings.brand.languages[0],
        )
        await self.engine.start()
        self.gate = gate = HandoffGate(self.engine, detector, self.handoff, handoff_store)
        self.pipeline = MessagePipeline(store, gate, settings.limits)
        self.training = TrainingJob(project, Path(settings.engine.model_dir), self.reload_model)
        for adapter in self.channels:
            await adapter.start(self.pipeline, self.handoff)
        interval = handoff_settings.sla.check_interval_seconds
        self._timers.append(asyncio.create_task(self._every(interval, self.handoff.check_sla)))

    async def stop(self) -> None:
        """Stop timers, channels, the engine and the store, in that order."""
        for timer in self._timers:
            timer.cancel()
        if self.training is not None:
            await self.training.cancel()
        for adapter in self.channels:
            await adapter.stop()
        if self.engine is not None:
            await self.engine.stop()
        if self.handoff is not None:
            await self.handoff.events.close()
        if self.store is not None:
            await self.store.close()

    async def reload_model(self, model_path: Path) -> None:
        """Serve a newly trained model without a restart (see `RasaEngine.reload`).

        The handoff's templates and the frustration classifier (which learns from the
        NLU data too) are read again from the files, as they were at start-up.
        """
        if self.engine is None or self.handoff is None or self.gate is None:
            raise EngineUnavailable("the bot is not running")
        project = RasaProject.from_settings(self.settings.project, self.settings.source)
        language = self.settings.brand.languages[0]
        templates = await asyncio.to_thread(Templates.from_domain, project.domain, language)
        detector = await asyncio.to_thread(self._detector, project)
        await self.engine.reload(model_path)
        self.model_path = model_path
        self.handoff.templates = templates
        self.gate.detector = detector

    def _detector(self, project: RasaProject) -> Detector:
        detection = load_handoff_settings(self.settings.project.handoff).detection
        examples = Path(self.settings.project.handoff_examples)
        return Detector.from_settings(detection, examples, project.files())

    async def deliver(self, thread: Thread, message: StoredMessage) -> None:
        """Push a message through its thread's channel; kept unsent if it cannot go now."""
        adapter = next((a for a in self.channels if a.name == thread.channel), None)
        if adapter is None or self.store is None:
            return
        try:
            channel_message_id = await adapter.push(thread, message)
        except CannotPush as reason:
            logger.debug("Message %s waits: %s", message.id, reason)
            return
        await self.store.mark_sent(message.id, channel_message_id)

    @staticmethod
    async def _every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:
                logger.exception("A timed job failed; it runs again in %s s.", seconds)
