"""Presence that tells the truth, and routing that respects language and team.

The services in-process on real SQLite and PostgreSQL, with a clock the test turns:
sign-out, an expired session and a closed console (no heartbeat) each make the agent
offline and give their threads to someone who is there and speaks the customer's
language; off shift, online is refused; the SLA's re-routing keeps to the language;
a reassignment to the holder changes nothing; a queued customer who writes again
reads their place in the queue, once per burst.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from bot.reports.filters import report_filter
from bot.reports.presence import time_online
from bot.store import Database
from core.actors import Presence
from core.errors import Conflict
from core.messages import Inbound, StoredMessage, Thread, ThreadState
from handoff.default_templates import DEFAULT_TEXTS, DEFAULT_TRANSLATIONS
from handoff.escalation import Escalation
from handoff.events import EventBus
from handoff.services import Handoff
from handoff.settings import (
    AgentSettings,
    HandoffSettings,
    PresenceSettings,
    RoutingSettings,
    TeamSettings,
)
from handoff.templates import Templates
from tests.handoff.test_services import FakeClock

SETTINGS = HandoffSettings(
    agents=[
        AgentSettings("ana", "Ana", teams=["care"], languages=["en", "es"], capacity=2),
        AgentSettings("ben", "Ben", teams=["care"], languages=["en"], capacity=2),
        AgentSettings("carla", "Carla", teams=["care"], languages=["es"], capacity=1),
        AgentSettings("dev", "Dev", teams=["billing"], languages=["es"]),
        AgentSettings("nadia", "Nadia", teams=["care"], hours="Thu 09:00-17:00 UTC"),
        AgentSettings("olga", "Olga", teams=["care"], languages=["es"], hours="Wed 09:00-17:00"),
        AgentSettings("sam", "Sam", role="supervisor", teams=["care", "billing"], languages=[]),
    ],
    teams={"care": TeamSettings("Care"), "billing": TeamSettings("Billing")},
    presence=PresenceSettings(heartbeat_seconds=20, offline_after_seconds=90),
    routing=RoutingSettings(queued_reply_every_seconds=2),
)
SPANISH = DEFAULT_TRANSLATIONS["es"]


@dataclass
class Desk:
    handoff: Handoff
    store: Database
    clock: FakeClock
    pushed: list[tuple[int, str]] = field(default_factory=list)

    async def customer(self, chat: str, language: str = "es") -> Thread:
        """A Spanish customer's thread, escalated to the care team."""
        thread, _, _ = await self.store.messages.record_inbound(
            Inbound("rest", chat, chat, "quiero hablar con una persona")
        )
        escalation = Escalation("asked for a person", team="care", language=language)
        await self.handoff.escalations.escalate(thread, escalation)
        return await self.thread(thread.id)

    async def thread(self, thread_id: int) -> Thread:
        found = await self.store.threads.thread(thread_id)
        assert found is not None
        return found

    async def online(self, *logins: str, session_minutes: float | None = None) -> None:
        ends = self.clock() + timedelta(minutes=session_minutes) if session_minutes else None
        for login in logins:
            await self.handoff.presence.set_presence(
                self.handoff.actor(login), Presence.ONLINE, session_expires_at=ends
            )

    async def heartbeat(self, *logins: str, session_minutes: float | None = None) -> None:
        for login in logins:
            actor = self.handoff.actor(login)
            rows = {row.id: row for row in await self.store.agents.agent_rows()}
            ends = rows[actor.id].session_expires_at if session_minutes else None
            await self.handoff.presence.heartbeat(actor, ends)

    def holder(self, thread: Thread) -> str | None:
        return self.handoff.agent_name(thread.agent_id)

    async def presence(self, login: str) -> Presence:
        return await self.handoff.directory.presence(self.handoff.actor(login).id)

    async def last_move_reason(self, thread_id: int, event: str) -> str | None:
        moves = [m for m in await self.store.threads.moves(thread_id) if m.event == event]
        return moves[-1].reason if moves else None


@pytest.fixture
async def desk(store: Database) -> AsyncIterator[Desk]:
    clock = FakeClock()
    # A Wednesday at 10:00 UTC, so that shifts are predictable.
    clock.now = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    store = Database(store.engine, clock)  # one clock for the store and the services
    pushed: list[tuple[int, str]] = []

    async def deliver(thread: Thread, message: StoredMessage) -> None:
        pushed.append((thread.id, message.text))

    templates = Templates(
        {name: [text] for name, text in DEFAULT_TEXTS.items()},
        translations={"es": {name: [text] for name, text in SPANISH.items()}},
        default_language="en",
    )
    handoff = Handoff(
        SETTINGS,
        threads=store.threads,
        messages=store.messages,
        agents=store.agents,
        credentials=store.credentials,
        templates=templates,
        events=EventBus(),
        deliver=deliver,
        clock=clock,
    )
    await handoff.start()
    yield Desk(handoff, store, clock, pushed)


async def test_signing_out_gives_the_threads_to_a_speaker_of_the_language(desk: Desk) -> None:
    await desk.online("ana")
    thread = await desk.customer("c1")
    assert desk.holder(thread) == "Ana"
    await desk.online("ben", "carla", "dev")  # Ben speaks no Spanish, Dev is in billing
    desk.pushed.clear()

    await desk.handoff.presence.sign_out(desk.handoff.actor("ana"))

    assert await desk.presence("ana") is Presence.OFFLINE
    moved = await desk.thread(thread.id)
    assert desk.holder(moved) == "Carla"
    assert await desk.last_move_reason(thread.id, "requeue") == "Ana signed out"
    assert [text for _, text in desk.pushed] == [
        SPANISH["utter_handoff_assigned"].format(agent="Carla")
    ]


async def test_an_expired_session_makes_the_agent_offline(desk: Desk) -> None:
    await desk.online("ana", session_minutes=10)
    thread = await desk.customer("c2")
    await desk.online("carla")
    for _ in range(9):  # both consoles keep beating, each minute
        desk.clock.advance(minutes=1)
        await desk.heartbeat("ana", session_minutes=10)
        await desk.heartbeat("carla")
        assert await desk.handoff.presence.sweep() == []
    desk.clock.advance(minutes=1)  # Ana's session ends

    assert await desk.handoff.presence.sweep() == [desk.handoff.actor("ana").id]

    assert await desk.presence("ana") is Presence.OFFLINE
    assert desk.holder(await desk.thread(thread.id)) == "Carla"
    reason = await desk.last_move_reason(thread.id, "requeue")
    assert reason == "Ana went offline (their session expired)"


async def test_a_closed_console_makes_the_agent_offline(desk: Desk) -> None:
    await desk.online("ana", "ben")
    thread = await desk.customer("c3")
    assert desk.holder(thread) == "Ana"
    await desk.online("carla")
    desk.clock.advance(seconds=60)
    await desk.heartbeat("carla", "ben")  # Ana's tab was closed: no heartbeat
    assert await desk.handoff.presence.sweep() == []  # not yet
    desk.clock.advance(seconds=31)

    assert await desk.handoff.presence.sweep() == [desk.handoff.actor("ana").id]

    assert await desk.presence("ana") is Presence.OFFLINE
    assert await desk.presence("carla") is Presence.ONLINE
    assert desk.holder(await desk.thread(thread.id)) == "Carla"
    reason = await desk.last_move_reason(thread.id, "requeue")
    assert reason == "Ana went offline (their console stopped answering)"


async def test_with_no_speaker_free_the_thread_waits_for_one(desk: Desk) -> None:
    await desk.online("ana", "ben")
    thread = await desk.customer("c4")
    desk.pushed.clear()

    await desk.handoff.presence.sign_out(desk.handoff.actor("ana"))

    queued = await desk.thread(thread.id)
    assert queued.state is ThreadState.QUEUED  # not Ben, who speaks no Spanish
    # Nobody who speaks Spanish is working: the customer is told so, not given a wait,
    # and is offered to leave a way to be reached.
    assert [text for _, text in desk.pushed] == [
        SPANISH["utter_handoff_unstaffed"],
        SPANISH["utter_handoff_leave_contact"],
    ]
    await desk.online("carla")
    assert desk.holder(await desk.thread(thread.id)) == "Carla"


async def test_off_shift_an_agent_cannot_go_online(desk: Desk) -> None:
    nadia = desk.handoff.actor("nadia")
    refusal = r"off shift \(your hours: Thu 09:00-17:00 UTC\); you can go online from Thursday"
    with pytest.raises(Conflict, match=refusal):
        await desk.handoff.presence.set_presence(nadia, Presence.ONLINE)
    assert await desk.presence("nadia") is Presence.OFFLINE
    await desk.handoff.presence.set_presence(nadia, Presence.AWAY)  # away is allowed
    assert await desk.presence("nadia") is Presence.AWAY


async def test_when_the_shift_ends_an_online_agent_is_away_and_keeps_threads(
    desk: Desk,
) -> None:
    await desk.online("olga")  # a Wednesday, 10:00: on shift
    thread = await desk.customer("c9")
    assert desk.holder(thread) == "Olga"
    desk.clock.now = datetime(2026, 11, 25, 17, 0, 30, tzinfo=timezone.utc)
    await desk.heartbeat("olga")

    assert await desk.handoff.presence.sweep() == [desk.handoff.actor("olga").id]

    assert await desk.presence("olga") is Presence.AWAY
    assert desk.holder(await desk.thread(thread.id)) == "Olga"  # she finishes what she has


async def test_the_sla_reroutes_a_spanish_customer_to_a_spanish_speaker(desk: Desk) -> None:
    await desk.online("carla")
    busy = await desk.customer("busy")  # Carla is full, and answering
    await desk.handoff.reply(desk.handoff.actor("carla"), busy.id, "Hola, te ayudo.")
    desk.clock.advance(minutes=1)  # Carla was assigned longer ago than Ana will be
    await desk.online("ana")
    thread = await desk.customer("c5")
    assert desk.holder(thread) == "Ana"
    await desk.online("ben")
    desk.clock.advance(minutes=SETTINGS.sla.first_response_minutes + 1)
    await desk.heartbeat("ana", "ben", "carla")

    assert thread.id in await desk.handoff.sla.check()

    rerouted = await desk.thread(thread.id)
    assert rerouted.state is ThreadState.QUEUED, desk.holder(rerouted)  # not to Ben
    await desk.handoff.resolve(desk.handoff.actor("carla"), busy.id)
    assert desk.holder(await desk.thread(thread.id)) == "Carla"


async def test_reassigning_to_the_holder_changes_and_tells_nothing(desk: Desk) -> None:
    await desk.online("ana")
    thread = await desk.customer("c6")
    moves_before = await desk.store.threads.moves(thread.id)
    desk.pushed.clear()

    same = await desk.handoff.actions.transfer(desk.handoff.actor("sam"), thread.id, to_agent="ana")

    assert desk.holder(same) == "Ana"
    assert desk.pushed == []
    assert await desk.store.threads.moves(thread.id) == moves_before


async def test_a_queued_customer_who_writes_again_reads_their_place(desk: Desk) -> None:
    await desk.online("carla")
    busy = await desk.customer("busy")  # Carla, the one Spanish speaker working, is full
    first = await desk.customer("c7")
    thread, _, _ = await desk.store.messages.record_inbound(Inbound("rest", "c8", "c8", "hola"))
    escalation = Escalation("asked for a person", team="care", language="es")
    told = await desk.handoff.escalations.escalate(thread, escalation)
    await desk.store.messages.record_replies(thread.id, told)  # as the pipeline stores them
    second = await desk.thread(thread.id)
    assert second.state is ThreadState.QUEUED

    async def writes(text: str) -> list[str]:
        _, message, _ = await desk.store.messages.record_inbound(Inbound("rest", "c8", "c8", text))
        replies = await desk.handoff.escalations.customer_wrote(second, message)
        await desk.store.messages.record_replies(second.id, replies)
        return [reply.text for reply in replies]

    assert await writes("¿hola?") == []  # just told their place
    desk.clock.advance(seconds=SETTINGS.routing.queued_reply_every_seconds)  # the interval passes
    (ack,) = await writes("¿hay alguien?")
    assert ack == SPANISH["utter_handoff_still_queued"].format(position=2, wait="12 minutos")
    assert await writes("¿hola??") == []  # a burst: one answer
    await desk.handoff.resolve(desk.handoff.actor("carla"), busy.id)  # Carla takes the first
    assert desk.holder(await desk.thread(first.id)) == "Carla"
    desk.clock.advance(seconds=SETTINGS.routing.queued_reply_every_seconds)
    (later,) = await writes("¿sigo esperando?")
    assert later == SPANISH["utter_handoff_still_queued"].format(position=1, wait="6 minutos")


async def test_presence_changes_are_logged_at_the_clocks_time_and_add_up_to_time_online(
    desk: Desk,
) -> None:
    began = desk.clock()
    await desk.online("ana", "ben")
    desk.clock.advance(minutes=30)
    await desk.handoff.presence.set_presence(desk.handoff.actor("ana"), Presence.AWAY)
    desk.clock.advance(minutes=10)
    await desk.online("ana")
    await desk.heartbeat("ben")
    desk.clock.advance(minutes=21, seconds=40)  # Ben's console went quiet: the sweep
    await desk.heartbeat("ana")
    assert await desk.handoff.presence.sweep() == [desk.handoff.actor("ben").id]
    await desk.handoff.presence.sign_out(desk.handoff.actor("ana"))
    desk.clock.advance(seconds=5)
    await desk.handoff.presence.sign_out(desk.handoff.actor("ana"))  # offline again: no change

    ana = await desk.store.presence_log.changes(desk.handoff.actor("ana").id)
    assert ana == [
        (Presence.ONLINE, began),
        (Presence.AWAY, began + timedelta(minutes=30)),
        (Presence.ONLINE, began + timedelta(minutes=40)),
        (Presence.OFFLINE, began + timedelta(minutes=60, seconds=100)),
    ]
    ben = await desk.store.presence_log.changes(desk.handoff.actor("ben").id)
    assert [presence for presence, _ in ben] == [Presence.ONLINE, Presence.OFFLINE]
    day = report_filter("2026-11-25", "2026-11-25")
    async with desk.store.engine.connect() as conn:
        online = await time_online(conn, day, now=desk.clock())
    assert online[desk.handoff.actor("ana").id] == 30 * 60 + 21 * 60 + 40
    assert online[desk.handoff.actor("ben").id] == 60 * 60 + 100
    assert desk.handoff.actor("carla").id not in online  # never online
