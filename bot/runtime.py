"""The composition root: builds every running piece once, from the settings.

`start_services` migrates the store, loads the engine and the handoff, attaches the
channels and starts the timers (each tick leased to one worker, `bot.leases`), all
on one clock (`clock:` in the settings: real time, or a simulation's faster one); the
web app keeps the result on `app.ctx.services` (as rasa-sdk's `create_app` keeps its
objects on `app.ctx`) and the terminal shell
holds it directly, so a message takes the same path whichever way it comes in.
Nothing in it is optional: it exists only once everything has started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.channels import CHANNELS, ChannelAdapter
from bot.config import Settings, build_clock
from bot.designer.training import TrainingJob
from bot.engine import RasaEngine, RasaProject
from bot.leases import Leases, LocalLeases, RedisLeases
from bot.pipeline import MessagePipeline
from bot.store import Database
from bot.store.migrate import upgrade_async
from bot.store.sign_ins import RedisSignInFailures
from bot.web.auth import Authenticator
from core.clock import Clock, ScaledClock, clock_factor, real_seconds, utcnow
from core.errors import CannotPush, ConfigError
from core.messages import StoredMessage, Thread
from core.ports import SignInFailures
from handoff.detection import DetectionSettings, Detector
from handoff.events import EventBus, RedisEventBus
from handoff.services import Handoff
from handoff.settings import load_handoff_settings
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
class Services:
    """Everything that runs while the bot serves; built by `start_services`."""

    settings: Settings
    model_path: Path
    store: Database
    engine: RasaEngine
    handoff: Handoff
    pipeline: MessagePipeline
    auth: Authenticator
    training: TrainingJob
    channels: list[ChannelAdapter]
    leases: Leases  # timers run each tick on one worker: `every(seconds, job, leases)`
    clock: Clock = utcnow  # every timestamp and timer follows it
    timers: list[asyncio.Task[None]] = field(default_factory=list)

    async def deliver(self, thread: Thread, message: StoredMessage) -> None:
        """Push a message through its thread's channel; kept unsent if it cannot go now."""
        await deliver_through(self.channels, self.store, thread, message)

    async def reload_model(self, model_path: Path) -> None:
        """Serve a newly trained model without a restart (see `RasaEngine.reload`).

        The handoff's templates and the frustration classifier (which learns from the
        NLU data too) are read again from the files, as they were at start-up.
        """
        project = RasaProject.from_settings(self.settings.project, self.settings.source)
        language = self.settings.brand.languages[0]
        templates = await asyncio.to_thread(Templates.from_domain, project.domain, language)
        detector = await asyncio.to_thread(build_detector, self.settings, project)
        await self.engine.reload(model_path)
        self.model_path = model_path
        self.handoff.notices.templates = templates
        self.pipeline.detector = detector

    async def stop(self) -> None:
        """Stop timers, channels, the engine and the store, in that order."""
        for timer in self.timers:
            timer.cancel()
        await self.training.cancel()
        for adapter in self.channels:
            await adapter.stop()
        await self.engine.stop()
        await self.handoff.events.close()
        await self.leases.close()
        await self.auth.close()
        await self.store.close()


async def start_services(
    settings: Settings, model_path: Path, channels: list[ChannelAdapter]
) -> Services:
    """Migrate and open the store, load the engine and the handoff, attach channels."""
    project = RasaProject.from_settings(settings.project, settings.source)
    handoff_settings = load_handoff_settings(settings.project.handoff)
    language = settings.brand.languages[0]
    templates = Templates.from_domain(project.domain, language)
    detector = build_detector(settings, project)
    clock = build_clock(settings.clock)
    if clock is not utcnow:
        logger.warning("The clock runs from %s once serving, %g times faster than real time.",
                       clock().isoformat(timespec="seconds"), clock_factor(clock))  # fmt: skip
    await upgrade_async(settings.database.url)
    store = Database.connect(
        settings.database.url,
        connect_timeout=settings.database.connect_timeout_seconds,
        statement_timeout=settings.database.statement_timeout_seconds,
        clock=clock,
    )
    events = EventBus()
    leases: Leases = LocalLeases()
    if settings.events.redis_url:
        events = RedisEventBus(settings.events.redis_url, prefix=settings.events.redis_prefix)
        await events.start()
        leases = RedisLeases(settings.events.redis_url, settings.events.redis_prefix)

    async def deliver(thread: Thread, message: StoredMessage) -> None:
        await deliver_through(channels, store, thread, message)

    handoff = Handoff(
        handoff_settings,
        threads=store.threads,
        messages=store.messages,
        agents=store.agents,
        credentials=store.credentials,
        templates=templates,
        events=events,
        deliver=deliver,
        clock=clock,
        max_text_chars=settings.limits.max_message_chars,
    )
    await handoff.start()
    endpoints = settings.engine.endpoints
    engine = RasaEngine(
        model_path,
        endpoints_file=Path(endpoints) if endpoints else None,
        actions_package=project.actions,
        timeout=settings.engine.reply_timeout_seconds,
        action_timeout=settings.engine.action_timeout_seconds,
        default_language=language,
        session_messages=settings.engine.session_messages,
    )
    await engine.start()
    # A claim on answering a message outlasts the engine's two calls (NLU, then the turn).
    lease = 2 * settings.engine.reply_timeout_seconds + 5
    pipeline = MessagePipeline(
        store,
        engine,
        detector,
        handoff,
        settings.limits,
        answer_lease_seconds=lease,
        order_format=settings.brand.order_number,
    )
    auth = Authenticator(
        handoff.directory,
        store.credentials,
        handoff_settings.console,
        failures=sign_in_failures(settings, store),
        audit=store.audit,
        clock=clock,
    )
    training = TrainingJob(project, Path(settings.engine.model_dir), _no_model_yet, clock)
    services = Services(
        settings=settings,
        model_path=model_path,
        store=store,
        engine=engine,
        handoff=handoff,
        pipeline=pipeline,
        auth=auth,
        training=training,
        channels=channels,
        leases=leases,
        clock=clock,
    )
    training.on_model = services.reload_model  # a trained model is served at once
    for adapter in channels:
        await adapter.start(pipeline, handoff)
    interval = handoff_settings.sla.check_interval_seconds
    services.timers.append(
        asyncio.create_task(every(interval, handoff.sla.check, leases, "sla", clock))
    )
    sweep_interval = handoff_settings.presence.check_interval_seconds
    services.timers.append(
        asyncio.create_task(
            every(sweep_interval, handoff.presence.sweep, leases, "presence", clock)
        )
    )
    if isinstance(clock, ScaledClock):
        clock.begin()  # a simulation's time starts when the server serves
    return services


def sign_in_failures(settings: Settings, store: Database) -> SignInFailures:
    """Where failed sign-ins are counted: Redis when configured, else the database."""
    if settings.events.redis_url:
        return RedisSignInFailures(settings.events.redis_url, settings.events.redis_prefix)
    return store.sign_in_failures


async def _no_model_yet(model_path: Path) -> None:
    del model_path  # replaced by `Services.reload_model` before any training starts


def build_detector(
    settings: Settings, project: RasaProject, detection: DetectionSettings | None = None
) -> Detector:
    """The handoff detector, its classifier loaded from its store or trained and stored.

    It learns from the handoff examples and the project's NLU data.
    """
    detection = detection or load_handoff_settings(settings.project.handoff).detection
    examples = Path(settings.project.handoff_examples)
    return Detector.from_settings(detection, examples, project.files())


async def deliver_through(
    channels: list[ChannelAdapter], store: Database, thread: Thread, message: StoredMessage
) -> None:
    """Push a message through its thread's channel; kept unsent if it cannot go now.

    Delivered once pushed, except on a channel whose client acknowledges what it
    shows (web chat): it marks the message delivered itself.
    """
    adapter = next((a for a in channels if a.name == thread.channel), None)
    if adapter is None:
        return
    try:
        channel_message_id = await adapter.push(thread, message)
    except CannotPush as reason:
        logger.debug("Message %s waits: %s", message.id, reason)
        return
    if not adapter.acknowledges_delivery:
        await store.messages.mark_sent(message.id, channel_message_id)


async def every(
    seconds: float,
    job: Callable[[], Awaitable[object]],
    leases: Leases,
    name: str = "",
    clock: Clock = utcnow,
) -> None:
    """Run `job` every `seconds` of `clock` until cancelled, once per tick across workers.

    Ticks fall on multiples of `seconds` of the clock (so a clock running 60 times
    faster runs the job 60 times as often in real time); a tick runs on the worker
    that claims its lease (`bot.leases`, which lasts real seconds). A failure is
    logged, not fatal.
    """
    name = name or getattr(job, "__qualname__", "job")
    while True:
        now = clock().timestamp()
        tick = int(now // seconds) + 1
        # uvloop's timers may fire up to a millisecond early (libuv counts milliseconds):
        # sleep again until the tick's time, or a scaled clock would run the tick before
        # it, and run it a second time once its time comes.
        while (left := tick * seconds - now) > 0:
            await asyncio.sleep(real_seconds(clock, left))
            now = clock().timestamp()
        try:
            if await leases.claim(name, tick, real_seconds(clock, seconds)):
                logger.debug("Timed job %s runs tick %d here.", name, tick)
                await job()
        except Exception:
            logger.exception("Timed job %s failed; it runs again in %s s.", name, seconds)


Runtime = Services  # the name `bot.designer.api` knows the running services by
