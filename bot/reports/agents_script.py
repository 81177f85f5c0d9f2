"""A scripted agent for the simulated day: signs in, claims, replies, resolves.

Everything goes through the agents' API with the console's session cookie, as a
person at the console would, heartbeats included; delays are a person's (noticing,
reading, typing), in simulated seconds, slept divided by the server clock's factor.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import TYPE_CHECKING

import httpx

from bot.reports import phrases

if TYPE_CHECKING:
    from bot.reports.simulation import SimulationPlan

HEADERS = {"X-Requested-With": "simulated-agent"}
POLL_SECONDS = 10.0  # simulated: how often the agent glances at the queue
HEARTBEAT_SECONDS = 20.0  # simulated: the console's own timer (presence.heartbeat_seconds)
CAPACITY = 3


class ScriptedAgent:
    """One agent's working day."""

    def __init__(self, url: str, login: str, plan: SimulationPlan, rng: random.Random) -> None:
        self.login = login
        self.plan = plan
        self.rng = rng
        self.http = httpx.AsyncClient(base_url=f"{url}/agents/api", headers=HEADERS, timeout=120)
        self.id: int | None = None
        self.handling: dict[int, asyncio.Task[None]] = {}
        self.replies = 0
        self.back_online = 0  # times they found themselves swept offline and went back
        self._stopped = asyncio.Event()

    async def sign_in(self) -> None:
        """Sign in with the password and go online."""
        reply = await self.http.post(
            "/session", json={"login": self.login, "password": f"{self.login}-simulated"}
        )
        reply.raise_for_status()
        self.id = int(reply.json()["id"])
        (await self.http.post("/presence", json={"presence": "online"})).raise_for_status()

    async def sign_out(self) -> None:
        """Go offline and end the session."""
        await self.http.post("/presence", json={"presence": "offline"})
        await self.http.delete("/session")
        await self.http.aclose()

    def stop(self) -> None:
        """Finish the threads in hand, then stop."""
        self._stopped.set()

    async def work(self) -> None:
        """Glance at the queue, take what is theirs or waiting, until told to stop."""
        done = asyncio.Event()
        beating = asyncio.create_task(self._beat_until(done))
        while not self._stopped.is_set():
            with contextlib.suppress(httpx.HTTPError):  # a slow answer: look again next time
                await self._glance()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self._real(POLL_SECONDS))
        await asyncio.gather(*self.handling.values(), return_exceptions=True)
        done.set()
        await beating

    async def _beat_until(self, done: asyncio.Event) -> None:
        """Heartbeats on their own timer, as the console's.

        An agent not heard from is made offline by the sweep; one who finds themselves
        offline (a slow network) goes back online, as a person at the console would.
        """
        while not done.is_set():
            with contextlib.suppress(httpx.HTTPError):
                beat = await self.http.post("/heartbeat")
                beat.raise_for_status()
                if beat.json()["presence"] == "offline":
                    self.back_online += 1
                    await self.http.post("/presence", json={"presence": "online"})
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), self._real(HEARTBEAT_SECONDS))

    async def _glance(self) -> None:
        reply = await self.http.get("/queue")
        reply.raise_for_status()
        for thread in reply.json():
            thread_id = int(thread["id"])
            if thread_id in self.handling:
                continue
            if thread["agent_id"] is None and thread["state"] == "queued":
                if sum(not t.done() for t in self.handling.values()) >= CAPACITY:
                    continue
                claimed = await self.http.post(f"/threads/{thread_id}/claim")
                if claimed.status_code != 200:
                    continue  # another agent was quicker (409)
            elif thread["agent_id"] != self.id or thread["state"] != "with_agent":
                continue
            self.handling[thread_id] = asyncio.create_task(self._handle(thread_id))

    async def _handle(self, thread_id: int) -> None:
        rng = self.rng
        reading = rng.lognormvariate(2.8, 0.5)  # median ~16 s to open and read
        typing = rng.lognormvariate(3.2, 0.4)  # median ~25 s to write
        await asyncio.sleep(self._real(reading + typing))
        if not await self._reply(thread_id, phrases.AGENT_REPLIES[0]):
            return
        await asyncio.sleep(self._real(rng.uniform(180, 540)))
        if not await self._reply(thread_id, rng.choice(phrases.AGENT_REPLIES[1:3])):
            return
        await asyncio.sleep(self._real(rng.uniform(30, 90)))
        await self.http.post(f"/threads/{thread_id}/resolve")

    async def _reply(self, thread_id: int, text: str) -> bool:
        reply = await self.http.post(f"/threads/{thread_id}/reply", json={"text": text})
        if reply.status_code == 201:
            self.replies += 1
        return reply.status_code == 201

    def _real(self, simulated: float) -> float:
        return simulated / self.plan.factor
