"""The load generators' side of the wire: post a message, say whether it was answered.

A server that adds a W3C `Server-Timing` header to its answers (`store;dur=1.2,
nlu;dur=9.8`) has those stage timings summed here too, for `--profile`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx

from bot.bench.systems import WEBHOOK

Send = Callable[[str, str], Awaitable[bool]]  # (sender, text) -> answered?


def parse_server_timing(header: str) -> dict[str, float]:
    """The `dur` of each metric in a Server-Timing header, in ms (0 when it has none).

    >>> parse_server_timing('store;dur=1.5, nlu;desc="encoder";dur=9, miss')
    {'store': 1.5, 'nlu': 9.0, 'miss': 0.0}
    """
    found: dict[str, float] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if not name:
            continue
        duration = 0.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "dur":
                try:
                    duration = float(value.strip().strip('"'))
                except ValueError:
                    duration = 0.0
        found[name] = found.get(name, 0.0) + duration
    return found


class Chat:
    """An HTTP client for rasa's REST webhook, as both systems serve it."""

    def __init__(self, url: str, *, connections: int = 200, timeout: float = 60.0) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)
        self.stage_ms: dict[str, float] = defaultdict(float)
        self.timed_messages = 0

    async def __aenter__(self) -> Chat:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.client.aclose()

    async def send(self, sender: str, text: str) -> bool:
        """Post one message; True if the answer is a 200 with at least one reply."""
        try:
            reply = await self.client.post(WEBHOOK, json={"sender": sender, "message": text})
            answered = reply.status_code == 200 and bool(reply.json())
        except (httpx.HTTPError, ValueError):
            return False
        timing = reply.headers.get("server-timing")
        if answered and timing:
            self.timed_messages += 1
            for stage, ms in parse_server_timing(timing).items():
                self.stage_ms[stage] += ms
        return answered

    async def parse(self, text: str) -> bool:
        """Ask rasa's `POST /model/parse` (NLU only; needs `--enable-api`)."""
        try:
            reply = await self.client.post("/model/parse", json={"text": text})
        except httpx.HTTPError:
            return False
        return reply.status_code == 200
