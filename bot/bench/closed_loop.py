"""The closed loop: N conversations at once, each sending its next message when answered."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence

from bot.bench.client import Chat
from bot.bench.figures import RoundResult, schedule
from bot.bench.systems import SCRIPT, BenchFailed, Server


async def warm_up(servers: Mapping[str, Server]) -> None:
    """A few conversations per server, so that first-use costs are not measured."""
    for name, server in servers.items():
        warm = await drive(server.url, name, 0, 3, lambda: None)
        if warm.errors:
            raise BenchFailed(
                f"{name} failed {warm.errors} warm-up message(s):\n{server.log_tail()}"
            )


async def load_all(
    servers: Mapping[str, Server], conversations: int, rounds: int
) -> list[RoundResult]:
    """Every round of every system, alternating, with a progress bar per round."""
    from tqdm import tqdm

    results = []
    for number, name in schedule(rounds):
        desc = f"{name:<9} round {number}/{rounds}"
        total = conversations * len(SCRIPT)
        with tqdm(total=total, unit="msg", file=sys.stderr, desc=desc) as bar:
            before = servers[name].cpu_seconds()
            result = await drive(servers[name].url, name, number, conversations, bar.update)
            result.cpu_seconds = servers[name].cpu_seconds() - before
            results.append(result)
    return results


async def drive(
    url: str,
    system: str,
    number: int,
    conversations: int,
    tick: Callable[[], object],
    script: Sequence[str] = SCRIPT,
) -> RoundResult:
    """Run `conversations` scripted dialogues at once, timing every message."""
    result = RoundResult(system, number, latencies_ms=[], errors=0, wall_seconds=0.0)
    run_id = uuid.uuid4().hex[:8]
    async with Chat(url, connections=conversations, timeout=120) as chat:

        async def converse(sender: str) -> None:
            for text in script:
                started = time.perf_counter()
                if await chat.send(sender, text):
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors += 1
                tick()

        started = time.perf_counter()
        senders = (f"bench-{system}-{number}-{run_id}-{i}" for i in range(conversations))
        await asyncio.gather(*(converse(sender) for sender in senders))
        result.wall_seconds = time.perf_counter() - started
    return result
