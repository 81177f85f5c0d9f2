"""The open loop and the capacity search, against a real local HTTP server of known speed.

The server answers rasa's REST webhook one message at a time, each taking a fixed
service time: its capacity is 1 / service time, and queueing shows as latency.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.bench.capacity import CapacitySearch, find_capacities
from bot.bench.client import Chat, parse_server_timing
from bot.bench.open_loop import Conversations, StepResult, poisson_arrivals, run_step
from bot.bench.systems import SCRIPT, free_port

# Generous beside the service times, so that a busy machine's hiccups do not decide.
TARGET_MS = 500.0


@dataclass
class SlowServer:
    """A webhook served one request at a time, each taking `service_ms`."""

    service_ms: float
    url: str = ""
    received: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def slow_server(request: pytest.FixtureRequest) -> Iterator[SlowServer]:
    server = SlowServer(service_ms=request.param)
    port = free_port()
    server.url = f"http://127.0.0.1:{port}"
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner: list[web.AppRunner] = []

    async def start() -> None:
        lock = asyncio.Lock()

        async def webhook(request: web.Request) -> web.Response:
            body = await request.json()
            async with lock:
                await asyncio.sleep(server.service_ms / 1000)
            server.received.append((body["sender"], body["message"]))
            return web.json_response(
                [{"recipient_id": body["sender"], "text": "ok"}],
                headers={"Server-Timing": f"work;dur={server.service_ms}, queue;dur=1"},
            )

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        runner.append(web.AppRunner(app, access_log=None))
        await runner[0].setup()
        await web.TCPSite(runner[0], "127.0.0.1", port).start()
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    assert ready.wait(10), "the test server did not start"
    yield server

    async def shutdown() -> None:
        await runner[0].cleanup()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_poisson_arrivals_come_at_the_rate_with_exponential_gaps() -> None:
    import random

    times = poisson_arrivals(200.0, 50.0, random.Random(1))
    assert len(times) == pytest.approx(10_000, rel=0.03)
    assert times == sorted(times) and times[0] > 0 and times[-1] < 50.0
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert sum(gaps) / len(gaps) == pytest.approx(1 / 200, rel=0.03)
    # Exponential: about e^-1 of the gaps are longer than the mean.
    assert sum(g > 1 / 200 for g in gaps) / len(gaps) == pytest.approx(math.exp(-1), abs=0.02)
    assert poisson_arrivals(0.0, 10.0, random.Random(1)) == []


def test_a_customer_writes_again_only_once_answered() -> None:
    conversations = Conversations(("a", "b"), "c")
    first, second = conversations.next(), conversations.next()
    assert (first, second) == (("c-1", 0), ("c-2", 0))  # c-1 is waiting: a new customer
    conversations.answered(*second)
    assert conversations.next() == ("c-2", 1)
    conversations.answered("c-2", 1)  # the end of the script: c-2 is done
    assert conversations.next() == ("c-3", 0)


@pytest.mark.parametrize("slow_server", [5.0], indirect=True)
async def test_a_step_under_capacity_sends_the_schedule_and_passes(
    slow_server: SlowServer,
) -> None:
    async with Chat(slow_server.url) as chat:
        step = await run_step(
            chat.send, 40.0, 2.0, script=SCRIPT, prefix="t", target_ms=TARGET_MS, drain_seconds=5
        )
    assert 50 <= step.planned <= 115  # 80 expected
    assert len(step.latencies_ms) == step.planned and step.errors == 0
    assert not step.stopped_early and step.passed(TARGET_MS)
    assert step.latency(50) >= 5.0
    assert step.latency(99) < TARGET_MS
    # Every conversation followed the script in order, one message at a time.
    by_sender: dict[str, list[str]] = {}
    for sender, text in slow_server.received:
        by_sender.setdefault(sender, []).append(text)
    assert all(list(SCRIPT[: len(texts)]) == texts for texts in by_sender.values())
    assert chat.timed_messages == step.planned
    assert chat.stage_ms["work"] == pytest.approx(5.0 * step.planned)


@pytest.mark.parametrize("slow_server", [50.0], indirect=True)
async def test_queueing_past_capacity_is_charged_from_the_scheduled_time(
    slow_server: SlowServer,
) -> None:
    # 40 msg/s offered to a server that does 20: every message is served in 50 ms, but
    # the queue grows by 20 a second, and latency from the schedule shows it (a closed
    # loop would see 50 ms); the step stops early.
    async with Chat(slow_server.url) as chat:
        step = await run_step(
            chat.send, 40.0, 4.0, script=SCRIPT, prefix="t", target_ms=TARGET_MS, drain_seconds=5
        )
    assert step.stopped_early and not step.passed(TARGET_MS)
    assert step.sent < step.planned
    assert step.late > step.planned * 0.01
    assert step.latency(99) > TARGET_MS


@pytest.mark.parametrize("slow_server", [50.0], indirect=True)
async def test_messages_unanswered_after_the_drain_are_errors(slow_server: SlowServer) -> None:
    async with Chat(slow_server.url) as chat:
        step = await run_step(
            chat.send, 100.0, 0.5, script=SCRIPT, prefix="t", target_ms=10_000, drain_seconds=0.3
        )
    assert step.errors > 0 and not step.passed(10_000)
    assert step.wall_seconds < 2.0


@pytest.mark.parametrize("slow_server", [25.0], indirect=True)
async def test_the_capacity_search_finds_the_servers_known_capacity(
    slow_server: SlowServer,
) -> None:
    known = 1000 / slow_server.service_ms  # 40 msg/s, one at a time
    step_seconds = 3.0

    async with Chat(slow_server.url) as chat:

        async def measure(system: str, rate: float, number: int) -> StepResult:
            return await run_step(
                chat.send,
                rate,
                step_seconds,
                script=SCRIPT,
                prefix=f"{system}-{number}",
                target_ms=TARGET_MS,
                drain_seconds=3,
                seed=number,
            )

        results = await find_capacities(
            ["slow"],
            measure,
            target_ms=TARGET_MS,
            budget_seconds=60,
            searches={"slow": CapacitySearch(start_rate=10, precision=0.15)},
        )
    found = results["slow"]
    # An M/D/1 queue of 25 ms keeps p99 under 500 ms up to about 90% of its capacity;
    # past it, the queue grows by (rate - capacity) a second, and a step of 3 s can hide
    # at most 500 ms of it: no rate above capacity * (1 + 0.5 / 3) can pass.
    hidden = 1 + TARGET_MS / 1000 / step_seconds
    assert 0.5 * known <= found.capacity <= known * hidden, [
        (round(s.rate, 1), s.passed(TARGET_MS)) for s in found.steps
    ]
    assert found.reason == "converged"
    assert found.bracket[1] <= found.bracket[0] * 1.15


def test_the_search_ramps_then_bisects_to_the_threshold() -> None:
    search = CapacitySearch(start_rate=4, precision=0.05)
    tried = []
    while (rate := search.next_rate()) is not None:
        tried.append(rate)
        search.record(rate, rate <= 37.0)
    assert tried[:5] == [4, 8, 16, 32, 64]  # doubling until the first failure
    assert 37.0 / 1.05 <= search.capacity <= 37.0
    assert len(tried) <= 12


def test_the_search_ramps_down_when_the_start_fails_and_gives_up_at_the_floor() -> None:
    search = CapacitySearch(start_rate=4, min_rate=0.5)
    tried = []
    while (rate := search.next_rate()) is not None:
        tried.append(rate)
        search.record(rate, False)
    assert tried == [4, 2, 1, 0.5]
    assert search.capacity == 0


async def test_searches_alternate_and_stop_at_their_budget() -> None:
    order: list[str] = []

    async def measure(system: str, rate: float, number: int) -> StepResult:
        order.append(system)
        limit = {"fast": 100.0, "slow": 10.0}[system]
        await asyncio.sleep(0.05 if system == "fast" else 0.2)
        step = StepResult(rate=rate, seconds=0.04, planned=10, latencies_ms=[1.0] * 10)
        step.wall_seconds = 0.05 if system == "fast" else 0.2
        if rate > limit:
            step.latencies_ms = [1000.0] * 10
        return step

    results = await find_capacities(["fast", "slow"], measure, target_ms=250, budget_seconds=0.7)
    assert order[:4] == ["fast", "slow", "fast", "slow"]
    assert results["slow"].reason == "budget" and len(results["slow"].steps) <= 4
    assert results["fast"].capacity > results["slow"].capacity > 0
    # A step that would overrun the budget is not started.
    order.clear()
    results = await find_capacities(
        ["slow"], measure, target_ms=250, budget_seconds=0.7, step_seconds=lambda rate: 1.0
    )
    assert order == [] and results["slow"].reason == "budget"


def test_server_timing_headers_are_read_per_stage() -> None:
    assert parse_server_timing('store;dur=1.5, nlu;desc="encoder";dur=9, miss') == {
        "store": 1.5,
        "nlu": 9.0,
        "miss": 0.0,
    }
    assert parse_server_timing("") == {}
    assert parse_server_timing("a;dur=x") == {"a": 0.0}


def test_the_capacity_table_gives_the_ratio_or_a_bound() -> None:
    from bot.bench.capacity import CapacityResult
    from bot.bench.report import capacity_ratio, format_capacity

    passed = StepResult(rate=4.0, seconds=10, planned=3, latencies_ms=[100.0, 120.0, 140.0])
    passed.cpu_seconds = 0.09
    framework = CapacityResult("framework", 4.0, (4.0, 4.4), [passed], "converged")
    rasa = CapacityResult("rasa", 2.0, (2.0, 2.2), [], "converged")
    table = format_capacity({"framework": framework, "rasa": rasa}, 250.0).splitlines()
    assert table[1].split()[:6] == ["framework", "4.0", "120.0", "139.6", "30.0", "1"]
    assert table[-1] == "framework/rasa: capacity 2.00x"
    rasa = CapacityResult("rasa", 0.0, (0.0, 0.5), [], "failed down to 0.5 msg/s")
    assert capacity_ratio({"framework": framework, "rasa": rasa}).startswith("> 8.00x")
    framework = CapacityResult("framework", 0.0, (0.0, 0.5), [], "")
    assert capacity_ratio({"framework": framework, "rasa": rasa}) == "unknown (no step passed)"
