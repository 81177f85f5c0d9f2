"""`python -m bot bench`: start both systems once, run the chosen parts, print and save.

Parts, in this order: `closed` (today's closed loop), `capacity` (the open loop's
search for the highest rate at the latency target), `profile` (CPU per message by
stage; with `--profile`), `growth` (a message's cost as the conversation, the open
conversations and the store grow; last, since it fills the stores).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bot.bench import report
from bot.bench.capacity import CapacityResult, CapacitySearch, find_capacities
from bot.bench.client import Chat
from bot.bench.closed_loop import drive, load_all, warm_up
from bot.bench.figures import SYSTEMS, RoundResult, compare, format_table, summarise
from bot.bench.growth import (
    Growth,
    format_growth,
    long_thread,
    open_conversations,
    probe,
    whole_windows,
)
from bot.bench.open_loop import StepResult, run_step
from bot.bench.prefill import prefill_framework_store, prefill_tracker_store
from bot.bench.stages import NESTED_HOOKS, PIPELINE_HOOKS, Sampler, format_stages, py_spy, split_cpu
from bot.bench.systems import SCRIPT, Server, SharedStores, framework, rasa
from bot.config import Settings
from bot.engine import RasaProject
from bot.errors import BotError, ModelMissing

PARTS = ("closed", "capacity", "growth")


@dataclass(frozen=True)
class BenchOptions:
    """What to run, and how long."""

    output: Path = Path("bench-results")
    parts: tuple[str, ...] = PARTS
    conversations: int = 50  # closed loop
    rounds: int = 2
    target_ms: float = 250.0  # capacity
    step_seconds: float = 10.0
    step_messages: int = 40  # a step lasts long enough to send at least this many
    drain_seconds: float = 10.0
    search_seconds: float = 180.0
    start_rate: float = 4.0
    max_rate: float = 500.0
    precision: float = 0.1
    thread_length: int = 200  # growth
    open_conversations: int = 500
    prefill: int = 1_000_000
    profile: bool = False
    workers: int = 1  # the framework's; above one they share `shared`
    shared: SharedStores | None = None

    def check(self) -> None:
        """Refuse values that cannot make a run."""
        unknown = set(self.parts) - set(PARTS)
        if unknown:
            raise BotError(f"unknown bench part(s) {sorted(unknown)}; known: {', '.join(PARTS)}")
        if self.conversations < 1 or self.rounds < 1:
            raise BotError("--conversations and --rounds must be at least 1")
        if min(self.step_seconds, self.search_seconds, self.start_rate, self.target_ms) <= 0:
            raise BotError(
                "--step-seconds, --search-seconds, --start-rate, --target-ms must be > 0"
            )
        if self.thread_length < 2 or self.open_conversations < 0 or self.prefill < 0:
            raise BotError("--thread-length >= 2, --open-conversations and --prefill >= 0")
        if self.workers < 1:
            raise BotError("--workers must be at least 1")
        if self.workers > 1 and self.shared is None:
            raise BotError("--workers above 1 needs --postgres and --redis (the shared stores)")
        if self.workers > 1 and self.prefill and "growth" in self.parts:
            raise BotError("--prefill fills SQLite stores: with --workers above 1, use --prefill 0")


def run_bench(settings: Settings, options: BenchOptions) -> int:
    """Start both systems, run the parts, print and save the figures; 1 if any failed."""
    options.check()
    if options.profile:
        py_spy()  # fail before the servers start
    project = RasaProject.from_settings(settings.project, settings.source)
    model = project.model_path(Path(settings.engine.model_dir)).resolve()
    if not model.is_file():
        raise ModelMissing(
            f"no model for the current data ({model.name}); run `python -m bot train`"
        )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    previous = signal.signal(signal.SIGTERM, _interrupt)
    document: dict[str, Any] = {"model": model.name, "cpus": os.cpu_count()}
    document["options"] = {k: str(v) for k, v in options.__dict__.items()}
    charts: dict[str, Any] = {}  # part -> what its chart is drawn from
    try:
        with tempfile.TemporaryDirectory(prefix="bot-bench-") as tmp, ExitStack() as stack:
            workdir = Path(tmp)
            workers = f" ({options.workers} workers)" if options.workers > 1 else ""
            print(f"Starting the framework{workers} and rasa on {model.name} ...", file=sys.stderr)
            servers = {
                "framework": stack.enter_context(
                    framework(workdir, settings, options.workers, options.shared)
                ),
                "rasa": stack.enter_context(rasa(workdir, model, enable_api=options.profile)),
            }
            failed = asyncio.run(_parts(servers, options, document, charts))
    finally:
        signal.signal(signal.SIGTERM, previous)
    stem = options.output / f"bench-{datetime.now():%Y%m%d-%H%M%S}"
    paths = [report.save_json(stem.with_suffix(".json"), document)]
    with warnings.catch_warnings():  # matplotlib's pyparsing deprecation notices
        warnings.simplefilter("ignore", DeprecationWarning)
        for part, data in charts.items():
            name = f"{stem.name}.png" if part == "closed" else f"{stem.name}-{part}.png"
            _CHARTS[part](data, options, stem.with_name(name))
            paths.append(stem.with_name(name))
    print("Results: " + ", ".join(str(p) for p in paths))
    return 1 if failed else 0


async def _parts(
    servers: Mapping[str, Server],
    options: BenchOptions,
    document: dict[str, Any],
    charts: dict[str, Any],
) -> bool:
    """Run the chosen parts; fill `document` (the JSON) and `charts`; True if any failed."""
    await warm_up(servers)
    failed = False
    if "closed" in options.parts:
        rounds = await load_all(servers, options.conversations, options.rounds)
        failed |= _closed(rounds, servers, options, document)
        charts["closed"] = rounds
    if "capacity" in options.parts:
        results = await _capacity(servers, options)
        print(
            f"\nCapacity at p99 < {options.target_ms:.0f} ms with no errors (open loop, "
            f"Poisson arrivals, steps of {options.step_seconds:g} s):"
        )
        print(report.format_capacity(results, options.target_ms))
        document["capacity"] = {
            name: {
                "capacity": r.capacity,
                "bracket": list(r.bracket),
                "reason": r.reason,
                "steps": [report.step_document(s, options.target_ms) for s in r.steps],
            }
            for name, r in results.items()
        }
        charts["capacity"] = results
    if options.profile:
        document["profile"] = await _profile(servers, options.output / "profiles")
    if "growth" in options.parts:
        growths = [await _growth(name, server, options) for name, server in servers.items()]
        print("\nHow a message's cost grows (one message at a time, idle server):")
        print(format_growth(growths))
        document["growth"] = [report.growth_document(g) for g in growths]
        charts["growth"] = growths
    return failed


def _closed(
    results: list[RoundResult],
    servers: Mapping[str, Server],
    options: BenchOptions,
    document: dict[str, Any],
) -> bool:
    rss = {name: server.usage()[0] for name, server in servers.items()}
    summaries = [
        replace(summarise(name, [r for r in results if r.system == name]), rss_mb=rss[name])
        for name in SYSTEMS
    ]
    ratios = compare(*summaries)
    print(
        f"{options.conversations} conversations x {len(SCRIPT)} messages, "
        f"median of {options.rounds} rounds"
    )
    print(format_table(summaries, ratios))
    document.update(
        conversations=options.conversations,
        rounds=options.rounds,
        script=list(SCRIPT),
        summaries=[s.__dict__ for s in summaries],
        ratios_framework_over_rasa=ratios,
        rounds_detail=report.closed_loop_document(results),
    )
    return any(s.errors for s in summaries)


async def _capacity(
    servers: Mapping[str, Server], options: BenchOptions
) -> dict[str, CapacityResult]:
    from tqdm import tqdm

    run_id = uuid.uuid4().hex[:6]
    chats = {name: Chat(server.url, connections=500) for name, server in servers.items()}
    bar = tqdm(desc="capacity search", unit="step", file=sys.stderr)

    def step_seconds(rate: float) -> float:
        return max(options.step_seconds, options.step_messages / rate)

    async def measure(name: str, rate: float, number: int) -> StepResult:
        before = servers[name].cpu_seconds()
        step = await run_step(
            chats[name].send,
            rate,
            step_seconds(rate),
            script=SCRIPT,
            prefix=f"open-{name}-{number}-{run_id}",
            target_ms=options.target_ms,
            drain_seconds=options.drain_seconds,
            seed=round(rate * 1000),  # both systems get the same arrivals at a rate
        )
        step.cpu_seconds = servers[name].cpu_seconds() - before
        await asyncio.sleep(1.0)  # let the server settle before the next step
        return step

    def on_step(name: str, step: StepResult) -> None:
        verdict = "pass" if step.passed(options.target_ms) else "fail"
        bar.set_postfix_str(f"{name} {step.rate:.1f}/s p99 {step.latency(99):.0f} ms {verdict}")
        bar.update()

    search = CapacitySearch(
        options.start_rate, max_rate=options.max_rate, precision=options.precision
    )
    try:
        return await find_capacities(
            list(servers),
            measure,
            target_ms=options.target_ms,
            budget_seconds=options.search_seconds,
            searches={name: replace(search) for name in servers},
            on_step=on_step,
            step_seconds=step_seconds,
        )
    finally:
        bar.close()
        for chat in chats.values():
            await chat.__aexit__(None, None, None)


async def _profile(servers: Mapping[str, Server], folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    by_system: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    timed: dict[str, dict[str, float]] = {}
    for name, server in servers.items():
        sampler = Sampler(server.pids, folder, name)
        await asyncio.sleep(1.0)  # py-spy attaches
        before = server.cpu_seconds()
        result = await drive(server.url, f"profile-{name}", 0, 10, lambda: None)
        sent = len(result.latencies_ms) + result.errors
        cpu_ms = (server.cpu_seconds() - before) * 1000 / max(sent, 1)
        await asyncio.sleep(0.5)
        by_system[name] = split_cpu(sampler.stop(), cpu_ms)
        async with Chat(server.url) as chat:
            await probe(chat, server, f"timing-{name}-{uuid.uuid4().hex[:6]}")
            if chat.timed_messages:
                timed[name] = {k: v / chat.timed_messages for k, v in chat.stage_ms.items()}
    rasa_server = servers.get("rasa")
    if rasa_server is not None:
        notes["rasa NLU alone (/model/parse) vs a full turn"] = await _parse_vs_turn(rasa_server)
    print("\nWhere the CPU goes per message: /proc CPU split by py-spy --gil samples")
    print(format_stages(by_system, notes))
    if timed:
        print("Server-Timing, wall ms per message, one message at a time:")
        table = format_stages(timed, nested=NESTED_HOOKS).replace("CPU ms/msg", "wall ms/msg")
        print(table + "\n(engine.encoder is timed inside engine.nlu: not in the total)")
    else:
        print("No Server-Timing headers yet; the pipeline should report these stages:")
        print("\n".join(f"  {name:<22} {what}" for name, what in PIPELINE_HOOKS))
    return {"cpu_ms_by_stage": by_system, "notes": notes, "server_timing_ms": timed}


async def _parse_vs_turn(server: Server) -> str:
    texts = [text for _ in range(5) for text in SCRIPT]
    async with Chat(server.url) as chat:
        before, started = server.cpu_seconds(), time.perf_counter()
        latencies = []
        for text in texts:
            began = time.perf_counter()
            if not await chat.parse(text):
                return "rasa's /model/parse did not answer (is --enable-api on?)"
            latencies.append((time.perf_counter() - began) * 1000)
        parse_cpu = (server.cpu_seconds() - before) * 1000 / len(texts)
        del started
        turn = await probe(chat, server, f"parse-vs-turn-{uuid.uuid4().hex[:6]}")
    share = parse_cpu / turn.cpu_ms if turn.cpu_ms else math.nan
    return (
        f"parse {parse_cpu:.1f} ms CPU, {statistics.median(latencies):.1f} ms latency; "
        f"turn {turn.cpu_ms:.1f} ms CPU, {turn.latency_ms:.1f} ms latency; "
        f"NLU {share:.0%} of a turn's CPU"
    )


async def _growth(name: str, server: Server, options: BenchOptions) -> Growth:
    from tqdm import tqdm

    run_id = uuid.uuid4().hex[:6]
    async with Chat(server.url, connections=16) as chat:
        with tqdm(
            total=whole_windows(options.thread_length),
            desc=f"{name:<9} long thread",
            unit="msg",
            file=sys.stderr,
        ) as bar:
            thread = await long_thread(
                chat, server, f"thread-{name}-{run_id}", options.thread_length, tick=bar.update
            )
        base = await probe(chat, server, f"base-{name}-{run_id}")
        with tqdm(
            total=options.open_conversations,
            desc=f"{name:<9} open conversations",
            unit="conv",
            file=sys.stderr,
        ) as bar:
            await open_conversations(
                chat, f"crowd-{name}-{run_id}", options.open_conversations, tick=bar.update
            )
        crowded = await probe(chat, server, f"crowded-{name}-{run_id}")
        full = None
        if options.prefill:
            await asyncio.to_thread(_prefill, name, server, options.prefill)
            full = await probe(chat, server, f"full-{name}-{run_id}")
    return Growth(name, thread, base, crowded, full, options.open_conversations, options.prefill)


def _prefill(name: str, server: Server, count: int) -> None:
    from tqdm import tqdm

    stores = [(server.tracker_db, prefill_tracker_store)]
    if server.store_db is not None:
        stores.insert(0, (server.store_db, prefill_framework_store))
    for database, fill in stores:
        if database is None:
            continue
        with tqdm(
            total=count,
            desc=f"{name:<9} prefill {database.name}",
            unit="row",
            unit_scale=True,
            file=sys.stderr,
        ) as bar:
            fill(database, count, tick=bar.update)


def _draw_closed(results: Any, options: BenchOptions, path: Path) -> None:
    report.draw_closed_loop(results, path)


def _draw_capacity(results: Any, options: BenchOptions, path: Path) -> None:
    report.draw_capacity(results, options.target_ms, path)


def _draw_growth(growths: Any, options: BenchOptions, path: Path) -> None:
    report.draw_growth(growths, path)


_CHARTS = {"closed": _draw_closed, "capacity": _draw_capacity, "growth": _draw_growth}


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
