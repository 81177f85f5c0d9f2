"""`python -m bot simulate`: a working day on the real server, faster than the clock.

The real server runs as `python -m bot run` on a fresh SQLite store. Customers arrive
as a Poisson process whose rate follows the day (a lunch and an evening peak) and
write through the REST channel: routine questions, frustration, complaints, requests
for a person, in four languages. Public complaints are written in a shared chat (the
REST channel's `chat`, with the `public` flag and a private link); those customers
then follow the public answer's link to their own chat (`metadata.continue_from`;
all of them unless `--follow-link` gives a share), where the conversation goes on.
Scripted agents sign in with a password, go online, keep their presence with
heartbeats and, through the agents' API, claim, reply (signed by the server with
their name) and resolve, with reading and typing times drawn like a person's.

Time: the server runs on its own clock (`clock.factor`, `clock.start`: see
`bot.config.ClockSettings`), `factor` times faster than real time from 09:00 of
today (UTC), so every timestamp, the SLA and its check, the presence sweep and the
queue notices follow simulated time, with the project's own settings; customers and
agents sleep their simulated delays divided by the factor. The server's own work on
a message runs at real speed on that clock (`core.clock.working`): a bot answer of
50 ms reads as 50 ms, not as 3 s at 60x.

With `--serve` the server starts again on the day's store afterwards, its clock going
on at real speed from the day's end, for the console's Reports tab: the simulation's
supervisor `lead` signs in with the password it prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from bot.bench.systems import free_port, stop
from bot.config import Settings
from bot.reports import phrases
from bot.reports.agents_script import ScriptedAgent
from bot.reports.seed import DAILY_CURVE

NAMES = ("Maya", "Tomás", "Lena", "Ravi", "Ines", "Jonas", "Aiko", "Sam")
START_HOUR = 9
PUBLIC_CHAT = "sim-fernhill-posts"  # the comments under the brand's posts
RETRIES = 4
KINDS = (("routine", 0.6), ("frustrated", 0.1), ("complaint", 0.15),
         ("public_complaint", 0.07), ("human", 0.08))  # fmt: skip


@dataclass(frozen=True)
class SimulationPlan:
    """How long, how many agents, how busy, how fast."""

    hours: float = 8.0
    agents: int = 4
    rate: float = 30.0  # new conversations per simulated hour, on average over the day
    factor: float = 60.0  # the server's clock: simulated seconds per real second
    seed: int = 7
    follow_link: float = 1.0  # share of public complainers who follow the link to a private chat

    def real(self, simulated_seconds: float) -> float:
        """Real seconds for a simulated span."""
        return simulated_seconds / self.factor


class SimulatedDay:
    """Customers and agents against one running server."""

    def __init__(self, url: str, plan: SimulationPlan, logins: list[str]) -> None:
        self.url = url
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.logins = logins
        self.started = time.monotonic()
        self.sent = 0
        self.public_answers: list[float] = []  # real seconds each public complainer waited
        self.public_with_link = 0
        self.followed_link = 0
        self.retried = 0  # deliveries retried after a 503 (a busy server)

    def now(self) -> float:
        """Simulated seconds since the day began."""
        return (time.monotonic() - self.started) * self.plan.factor

    def arrivals(self) -> list[float]:
        """Arrival moments (simulated seconds), by thinning a Poisson process."""
        mean_weight = sum(DAILY_CURVE) / 24
        peak = max(DAILY_CURVE) / mean_weight * self.plan.rate / 3600
        moments: list[float] = []
        moment = 0.0
        end = self.plan.hours * 3600
        while True:
            moment += self.rng.expovariate(peak)
            if moment >= end:
                return moments
            hour = int(START_HOUR + moment / 3600) % 24
            rate = DAILY_CURVE[hour] / mean_weight * self.plan.rate / 3600
            if self.rng.random() < rate / peak:
                moments.append(moment)

    async def run(self) -> None:
        """The whole day; returns when every customer is done and agents went offline."""
        async with httpx.AsyncClient(base_url=self.url, timeout=120) as http:
            agents = [
                ScriptedAgent(self.url, login, self.plan, random.Random(self.plan.seed + i))
                for i, login in enumerate(self.logins)
            ]
            for agent in agents:
                await agent.sign_in()
            self.started = time.monotonic()
            working = [asyncio.create_task(agent.work()) for agent in agents]
            customers = []
            for index, moment in enumerate(self.arrivals()):
                await asyncio.sleep(max(0.0, self.plan.real(moment - self.now())))
                customers.append(asyncio.create_task(self._customer(http, index)))
            await asyncio.gather(*customers)
            await asyncio.sleep(self.plan.real(20 * 60))  # the last threads get resolved
            for agent in agents:
                agent.stop()
            await asyncio.gather(*working)
            for agent in agents:
                await agent.sign_out()

    async def _customer(self, http: httpx.AsyncClient, index: int) -> None:
        rng = random.Random(self.plan.seed * 100_003 + index)
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        language = rng.choices(phrases.LANGUAGES, phrases.LANGUAGE_WEIGHTS)[0]
        topic = rng.choice(phrases.TOPICS)
        customer = Customer(http, f"sim-{self.plan.seed}-{index}", {"language": language})
        if kind == "routine":
            await self._say(customer, phrases.pick(rng, phrases.ROUTINE, language))
            if rng.random() < 0.4:
                await asyncio.sleep(self.plan.real(rng.uniform(15, 90)))
                await self._say(customer, phrases.pick(rng, phrases.ROUTINE, language))
            return
        if kind == "frustrated":
            for _ in range(3):
                await self._say(customer, phrases.pick(rng, phrases.FRUSTRATED, language))
                await asyncio.sleep(self.plan.real(rng.uniform(10, 40)))
            return
        if kind == "human":
            await self._say(customer, phrases.pick(rng, phrases.HUMAN, language))
            return
        text = phrases.complaint(rng, topic, language)
        if kind == "public_complaint":
            await self._complain_in_public(customer, rng, rng.choice(phrases.PUBLIC_OPENERS) + text)
        else:
            await self._say(customer, text)
        # The customer answers the agent later and then rates (the agents' script resolves).
        # (agents answer within about a minute and resolve 4-12 minutes in; see agents_script).
        await asyncio.sleep(self.plan.real(rng.uniform(100, 200)))
        await self._say(customer, "ok, thank you")
        await asyncio.sleep(self.plan.real(rng.uniform(700, 1000)))
        if rng.random() < 0.6:
            await self._say(customer, str(rng.choices([2, 3, 4, 5], [1, 2, 4, 5])[0]))

    async def _complain_in_public(self, customer: Customer, rng: random.Random, text: str) -> None:
        """Complain under a post, then (most or all) follow the answer's link to their chat."""
        link = f"https://fernhill.example/dm?from={PUBLIC_CHAT}&c={customer.sender}"
        public = Customer(
            customer.http,
            customer.sender,
            {**customer.metadata, "public": True, "private_link": link},
            chat=PUBLIC_CHAT,
        )
        began = time.monotonic()
        replies = await self._say(public, text)
        self.public_answers.append(time.monotonic() - began)
        if not any(link in str(reply.get("text")) for reply in replies):
            customer.chat, customer.metadata = public.chat, public.metadata
            return  # no link to follow: the conversation goes on in public
        self.public_with_link += 1
        if rng.random() >= self.plan.follow_link:
            customer.chat, customer.metadata = public.chat, public.metadata
            return
        await asyncio.sleep(self.plan.real(rng.uniform(20, 90)))  # reads it, opens the link
        self.followed_link += 1
        language = str(customer.metadata["language"])
        await self._say(
            customer,
            phrases.pick(rng, phrases.FOLLOW_UP, language),
            continue_from=PUBLIC_CHAT,
        )

    async def _say(
        self, customer: Customer, text: str, *, continue_from: str | None = None
    ) -> list[dict[str, Any]]:
        self.sent += 1
        customer.said += 1
        body: dict[str, Any] = {
            "sender": customer.sender,
            "message": text,
            "metadata": customer.metadata,
            "message_id": f"{customer.sender}-{customer.said}",  # retried, answered once
        }
        if continue_from is not None:
            body["metadata"] = {**customer.metadata, "continue_from": continue_from}
        if customer.chat is not None:
            body["chat"] = customer.chat
        for attempt in range(RETRIES):
            try:
                reply = await customer.http.post("/webhooks/rest/webhook", json=body)
                if reply.status_code != 503 or attempt == RETRIES - 1:
                    reply.raise_for_status()
                    return list(reply.json())
            except httpx.TransportError:
                if attempt == RETRIES - 1:
                    raise
            self.retried += 1
            await asyncio.sleep(2.0 * (attempt + 1))  # a busy server: as a client retries
        raise AssertionError("unreachable")


@dataclass
class Customer:
    """Where a simulated customer writes: their own chat, or a shared one (`chat`)."""

    http: httpx.AsyncClient
    sender: str
    metadata: dict[str, Any]
    chat: str | None = None
    said: int = 0


def handoff_file(workdir: Path, plan: SimulationPlan) -> tuple[Path, list[str]]:
    """The project's detection settings with the simulated agents (SLA and timers as shipped)."""
    detection = Path("config/handoff.yml").read_text().split("\nteams:")[0].split("\nagents:")[0]
    logins = [f"agent{n + 1}" for n in range(plan.agents)]
    agents = "".join(
        f"  - {{login: {login}, display_name: {NAMES[n % len(NAMES)]}, teams: [care, billing], "
        f"languages: [en, de, fr, es], capacity: 3}}\n"
        for n, login in enumerate(logins)
    )
    text = (
        f"{detection}\nteams:\n"
        "  care: {name: Care, topics: [orders, delivery, returns, account]}\n"
        f"  billing: {{name: Billing, topics: [payments]}}\n"
        "routing: {default_team: care}\n"
        f"agents:\n{agents}"
    )
    text += "  - {login: lead, display_name: Lee, role: supervisor, teams: [care, billing]}\n"
    path = workdir / "handoff.yml"
    path.write_text(text)
    return path, logins


def run_simulation(
    settings: Settings, plan: SimulationPlan, output: Path, *, serve: bool = False
) -> int:
    """Start the server, play the day, print the summary and write the report.

    With `serve`, the server then starts again on the same store, its clock going on
    at real speed from where the day ended (so the figures hold still and a sign-in
    lasts as long as usual), until interrupted.
    """
    from bot.reports.simulation_report import summarise

    workdir = Path(tempfile.mkdtemp(prefix="simulate-"))
    handoff, logins = handoff_file(workdir, plan)
    port = free_port()
    database = f"sqlite:///{workdir / 'bot.db'}"
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'trackers.db'}\n"
    )
    env = {**os.environ, "BOT_DATABASE_URL": database, "BOT_SERVER_PORT": str(port),
           "BOT_PROJECT_HANDOFF": str(handoff), "BOT_ENGINE_ENDPOINTS": str(endpoints),
           "BOT_CLOCK_FACTOR": str(plan.factor), "BOT_CLOCK_START": day_start().isoformat(),
           "BOT_SERVER_WORKERS": "1"}  # fmt: skip
    passwords = {login: f"{login}-simulated" for login in logins}
    passwords["lead"] = secrets.token_urlsafe(9)
    for login, password in passwords.items():
        subprocess.run(
            [sys.executable, "-m", "bot", "agents", "password", login],
            input=f"{password}\n", env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with _server(env, workdir) as server:
        _wait_until_ready(url, server, workdir)
        day = SimulatedDay(url, plan, logins)
        print(f"Simulating {plan.hours:g} h with {plan.agents} agents at {plan.rate:g}/h on "
              f"the server's clock, {plan.factor:g}x faster than real time (about "
              f"{plan.hours * 3600 / plan.factor / 60:.0f} min); store: {workdir / 'bot.db'}",
              flush=True)  # fmt: skip
        asyncio.run(day.run())
        ended = httpx.get(f"{url}/health", timeout=30).json()["clock"]
    summary = asyncio.run(summarise(database, plan, day, output))
    print(summary, end="", flush=True)
    if serve:
        after = {**env, "BOT_CLOCK_FACTOR": "1", "BOT_CLOCK_START": ended}
        with _server(after, workdir) as server:
            _wait_until_ready(url, server, workdir)
            print(f"Reports: {url}/console/static/reports.html (sign in as lead, password "
                  f"{passwords['lead']}); the server goes on, its clock at real speed from "
                  f"the day's end, until Ctrl-C", flush=True)  # fmt: skip
            with contextlib.suppress(KeyboardInterrupt):
                server.wait()
    return 0


@contextlib.contextmanager
def _server(env: dict[str, str], workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot run` with `env`, in a session of its own, logging to server.log.

    Stopped as the bench stops its servers (`bot.bench.systems.stop`).
    """
    with (workdir / "server.log").open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            yield server
        finally:
            stop(server)


def day_start() -> datetime:
    """09:00 (UTC) of today: when the simulated day begins on the server's clock."""
    today = datetime.now(timezone.utc).date()
    return datetime.combine(today, datetime.min.time(), timezone.utc).replace(hour=START_HOUR)


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = (workdir / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server exited:\n{tail}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not start within 10 minutes")
