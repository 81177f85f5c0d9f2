"""The one access rule, in-process: routes' roles, threads' visibility, live events."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.access import (
    DESIGNERS,
    PEOPLE,
    REPORT_READERS,
    SIGNED_IN,
    SUPERVISORS,
    THREAD,
    Denial,
    judge,
    may_act_on,
    may_claim_from,
    may_hear,
    may_see,
    public,
)
from core.actors import SYSTEM, Actor
from core.messages import Thread, ThreadState

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
ANA = Actor(1, "ana", "Ana", supervisor=False, teams=frozenset({"care"}))
BEN = Actor(2, "ben", "Ben", supervisor=False, teams=frozenset({"care"}))
CLEO = Actor(3, "cleo", "Cleo", supervisor=False, teams=frozenset({"billing"}))
SAM = Actor(4, "sam", "Sam", supervisor=True, teams=frozenset())
DANA = Actor(5, "dana", "Dana", supervisor=False, teams=frozenset({"care"}), designer=True)
MONA = Actor(6, "mona", "Mona", supervisor=False, teams=frozenset({"care"}), manager=True)
_S = ThreadState


def thread(state: ThreadState, agent_id: int | None = None, team: str | None = "care") -> Thread:
    return Thread(7, 1, "rest", "c", state, NOW, agent_id=agent_id, team=team)


def test_a_thread_the_bot_holds_is_the_supervisors_only() -> None:
    for held in (thread(_S.BOT, team=None), thread(_S.BOT, team="care")):  # handed back too
        assert [a.login for a in (ANA, BEN, CLEO, SAM, DANA, MONA) if may_see(a, held)] == ["sam"]
        assert may_see(SYSTEM, held)
        assert not may_act_on(ANA, held) and not may_claim_from(ANA, held)


def test_an_escalated_thread_is_its_teams_and_its_assignees() -> None:
    queued = thread(_S.QUEUED)
    assert [a.login for a in (ANA, BEN, CLEO, SAM, DANA, MONA) if may_see(a, queued)] == [
        "ana",
        "ben",
        "sam",
    ]
    held = thread(_S.WITH_AGENT, agent_id=ANA.id)
    assert may_see(BEN, held) and not may_act_on(BEN, held)  # a colleague's: read, not act
    assert may_act_on(ANA, held) and not may_see(CLEO, held)
    elsewhere = thread(_S.WITH_AGENT, agent_id=CLEO.id)  # transferred to billing's Cleo
    assert may_see(CLEO, elsewhere) and may_act_on(CLEO, elsewhere)
    assert not may_see(CLEO, thread(_S.QUEUED, team=None))  # no team is nobody's, not everyone's


def test_a_resolved_thread_stays_with_whoever_held_it() -> None:
    resolved = thread(_S.RESOLVED, agent_id=ANA.id)
    assert may_see(ANA, resolved) and not may_see(BEN, resolved) and may_see(SAM, resolved)


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        (SIGNED_IN, {"ana", "sam", "dana", "mona"}),
        (PEOPLE, {"ana", "sam"}),
        (THREAD, {"ana", "sam"}),
        (SUPERVISORS, {"sam"}),
        (REPORT_READERS, {"sam", "mona"}),
        (DESIGNERS, {"sam", "dana"}),
    ],
)
def test_each_rule_lets_its_roles_in_and_refuses_the_others(rule, allowed) -> None:  # type: ignore[no-untyped-def]
    for actor in (ANA, SAM, DANA, MONA):
        denial = judge(rule, actor)
        assert (denial is None) == (actor.login in allowed), (rule, actor.login)
        if denial is not None:
            assert denial.status == 403 and actor.role in denial.message
    assert judge(rule, None) == Denial(401, "sign in, or send 'Authorization: Bearer <token>'")


def test_a_public_route_needs_no_one_and_says_why() -> None:
    rule = public("the API's description")
    assert rule.public and judge(rule, None) is None and rule.purpose


def test_live_events_reach_only_who_may_see_the_thread() -> None:
    escalated = {"type": "thread.escalated", "thread_id": 7, "reason": "complaint"}
    queued = thread(_S.QUEUED)
    assert may_hear(ANA, escalated, queued, saw_before=False)
    assert not may_hear(CLEO, escalated, queued, saw_before=False)
    assert may_hear(SAM, escalated, queued, saw_before=False)
    for apart in (DANA, MONA):
        assert not may_hear(apart, escalated, queued, saw_before=True)
    moved_away = {"type": "thread.transferred", "thread_id": 7, "team": "billing"}
    now_billing = thread(_S.QUEUED, team="billing")
    assert may_hear(ANA, moved_away, now_billing, saw_before=True)  # she hears it leave
    assert not may_hear(ANA, moved_away, now_billing, saw_before=False)
    assert may_hear(CLEO, moved_away, now_billing, saw_before=False)
    assert not may_hear(CLEO, {"type": "message.customer", "thread_id": 9}, None, saw_before=False)
    assert may_hear(CLEO, {"type": "agent.presence", "agent_id": 1}, None, saw_before=False)
