"""The handoff's services in-process, on a real database, with a clock the test turns.

No server and no timer: the SLA is checked by calling `SlaWatch.check` after moving
the clock past the target.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.leases import LocalLeases
from bot.runtime import every
from bot.store import Database
from core.actors import Presence
from core.clock import utcnow
from core.errors import Conflict, Forbidden
from core.messages import Inbound, StoredMessage, Thread, ThreadState
from handoff.default_templates import DEFAULT_TEXTS
from handoff.escalation import Escalation
from handoff.events import EventBus
from handoff.services import Handoff
from handoff.settings import AgentSettings, HandoffSettings, TeamSettings
from handoff.templates import Templates

SETTINGS = HandoffSettings(
    agents=[
        AgentSettings("ana", "Ana", teams=["care"]),
        AgentSettings("ben", "Ben", teams=["care"]),
        AgentSettings("sam", "Sam", role="supervisor"),
    ],
    teams={"care": TeamSettings("Care")},
)


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    handoff: Handoff
    store: Database
    clock: FakeClock
    pushed: list[tuple[int, str]] = field(default_factory=list)

    async def complaint(self, chat: str = "c1") -> Thread:
        thread, _, _ = await self.store.messages.record_inbound(
            Inbound("rest", chat, chat, "this is a disgrace")
        )
        await self.handoff.escalations.escalate(thread, Escalation("complaint", team="care"))
        moved = await self.store.threads.thread(thread.id)
        assert moved is not None
        return moved

    async def online(self, *logins: str) -> None:
        for login in logins:
            await self.handoff.presence.set_presence(self.handoff.actor(login), Presence.ONLINE)


@pytest.fixture
async def desk(store: Database) -> AsyncIterator[Desk]:
    clock = FakeClock()
    pushed: list[tuple[int, str]] = []

    async def deliver(thread: Thread, message: StoredMessage) -> None:
        pushed.append((thread.id, message.text))

    handoff = Handoff(
        SETTINGS,
        threads=store.threads,
        messages=store.messages,
        agents=store.agents,
        credentials=store.credentials,
        templates=Templates({name: [text] for name, text in DEFAULT_TEXTS.items()}),
        events=EventBus(),
        deliver=deliver,
        clock=clock,
    )
    await handoff.start()
    yield Desk(handoff, store, clock, pushed)


async def test_an_escalation_goes_to_the_online_agent(desk: Desk) -> None:
    await desk.online("ana")
    thread = await desk.complaint()
    assert thread.state is ThreadState.WITH_AGENT
    assert desk.handoff.agent_name(thread.agent_id) == "Ana"
    assert [m.event for m in await desk.store.threads.moves(thread.id)] == ["escalate", "assign"]


async def test_of_two_claims_at_once_exactly_one_wins(desk: Desk) -> None:
    thread = await desk.complaint()
    assert thread.state is ThreadState.QUEUED
    ana, ben = desk.handoff.actor("ana"), desk.handoff.actor("ben")
    results = await asyncio.gather(
        desk.handoff.claim(ana, thread.id), desk.handoff.claim(ben, thread.id),
        return_exceptions=True,
    )  # fmt: skip
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Thread"]
    loser = next(r for r in results if isinstance(r, Conflict))
    assert "it is with agent by" in loser.message


async def test_an_agent_cannot_act_on_a_colleagues_thread(desk: Desk) -> None:
    await desk.online("ana")
    thread = await desk.complaint()
    with pytest.raises(Forbidden, match="belongs to another agent or team"):
        await desk.handoff.reply(desk.handoff.actor("ben"), thread.id, "hello")
    assert desk.handoff.actions.allowed(thread, desk.handoff.actor("ben")) == []
    sam = desk.handoff.actor("sam")
    assert "reassign" in desk.handoff.actions.allowed(thread, sam)


async def test_an_sla_breach_is_flagged_rerouted_and_the_customer_updated(desk: Desk) -> None:
    await desk.online("ana")
    thread = await desk.complaint()
    await desk.online("ben")
    assert await desk.handoff.sla.check() == []  # not yet

    desk.clock.advance(minutes=SETTINGS.sla.first_response_minutes + 1)
    assert await desk.handoff.sla.check() == [thread.id]
    assert await desk.handoff.sla.check() == []  # flagged once

    breached = await desk.store.threads.thread(thread.id)
    assert breached is not None and breached.sla_breached_at is not None
    assert desk.handoff.agent_name(breached.agent_id) == "Ben"  # away from Ana, who never answered
    update = await desk.store.messages.unsent(thread.id)
    assert len(update) >= 2  # the apology and the new assignment wait for the customer
    assert [m.event for m in await desk.store.threads.moves(thread.id)][-2:] == [
        "requeue",
        "assign",
    ]


async def test_going_offline_puts_the_agents_threads_back_in_the_queue(desk: Desk) -> None:
    await desk.online("ana")
    thread = await desk.complaint()
    ana = desk.handoff.actor("ana")
    await desk.handoff.presence.set_presence(ana, Presence.OFFLINE)
    requeued = await desk.store.threads.thread(thread.id)
    assert requeued is not None and requeued.state is ThreadState.QUEUED
    await desk.online("ben")
    assigned = await desk.store.threads.thread(thread.id)
    assert assigned is not None and desk.handoff.agent_name(assigned.agent_id) == "Ben"


async def test_a_timed_job_runs_again_after_failing() -> None:
    calls: list[int] = []

    async def job() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first run fails")

    timer = asyncio.create_task(every(0.01, job, LocalLeases()))
    while len(calls) < 3:
        await asyncio.sleep(0.01)
    timer.cancel()
    assert len(calls) >= 3
