"""The thread state machine, in-process: the table, its guards, and what agents may do."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from core.actors import BOT, SYSTEM, Actor
from core.messages import Thread
from core.states import (
    InvalidTransition,
    Refusal,
    ThreadEvent,
    ThreadState,
    Transition,
    allowed_actions,
    decide,
    next_state,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
ANA = Actor(1, "ana", "Ana", supervisor=False, teams=frozenset({"care"}))
BEN = Actor(2, "ben", "Ben", supervisor=False, teams=frozenset({"billing"}))
SUE = Actor(3, "sue", "Sue", supervisor=True, teams=frozenset())
DANA = Actor(4, "dana", "Dana", supervisor=False, teams=frozenset({"care"}), designer=True)
_S, _E = ThreadState, ThreadEvent


def thread(state: ThreadState, agent_id: int | None = None, team: str | None = "care") -> Thread:
    return Thread(7, 1, "rest", "c", state, NOW, agent_id=agent_id, team=team)


class TestStates:
    def test_the_whole_journey(self) -> None:
        state = ThreadState.BOT
        for event, expected in [
            (ThreadEvent.ESCALATE, ThreadState.QUEUED),
            (ThreadEvent.ASSIGN, ThreadState.WITH_AGENT),
            (ThreadEvent.TRANSFER_TO_AGENT, ThreadState.WITH_AGENT),
            (ThreadEvent.REQUEUE, ThreadState.QUEUED),
            (ThreadEvent.CLAIM, ThreadState.WITH_AGENT),
            (ThreadEvent.HAND_BACK, ThreadState.BOT),
            (ThreadEvent.RESOLVE, ThreadState.RESOLVED),
        ]:
            state = next_state(state, event)
            assert state is expected

    @pytest.mark.parametrize(
        ("state", "event", "message"),
        [
            (ThreadState.RESOLVED, ThreadEvent.CLAIM, "cannot claim a thread that is resolved"),
            (ThreadState.WITH_AGENT, ThreadEvent.CLAIM, "cannot claim a thread that is with agent"),
            (ThreadState.BOT, ThreadEvent.HAND_BACK, "cannot hand back a thread that is bot"),
            (ThreadState.QUEUED, ThreadEvent.ESCALATE, "cannot escalate a thread that is queued"),
        ],
    )
    def test_moves_that_make_no_sense_are_refused(
        self, state: ThreadState, event: ThreadEvent, message: str
    ) -> None:
        with pytest.raises(InvalidTransition, match=message):
            next_state(state, event)

    def test_only_queued_and_with_agent_silence_the_bot(self) -> None:
        assert [s for s in ThreadState if s.human_owned] == [
            ThreadState.QUEUED,
            ThreadState.WITH_AGENT,
        ]


class TestDecide:
    def test_a_transition_remembers_what_it_was_decided_on(self) -> None:
        decided = decide(thread(_S.QUEUED), _E.CLAIM, ANA, NOW)
        assert decided == Transition(7, _E.CLAIM, _S.QUEUED, _S.WITH_AGENT, "ana", None, NOW)

    def test_only_the_system_escalates_and_assigns(self) -> None:
        assert isinstance(decide(thread(_S.BOT), _E.ESCALATE, BOT, NOW), Transition)
        assert isinstance(decide(thread(_S.QUEUED), _E.ASSIGN, SYSTEM, NOW), Transition)
        refused = decide(thread(_S.BOT), _E.ESCALATE, SUE, NOW)
        assert isinstance(refused, Refusal) and refused.kind == "conflict"
        hidden = decide(thread(_S.BOT), _E.ESCALATE, ANA, NOW)  # the bot's: not hers to see
        assert isinstance(hidden, Refusal) and hidden.kind == "forbidden"

    def test_another_teams_thread_is_forbidden(self) -> None:
        refused = decide(thread(_S.QUEUED), _E.CLAIM, BEN, NOW)
        assert refused == Refusal("forbidden", "thread 7 belongs to another agent or team")

    def test_a_thread_taken_by_a_colleague_is_a_conflict_that_names_them(self) -> None:
        refused = decide(thread(_S.WITH_AGENT, agent_id=ANA.id), _E.CLAIM, replace(ANA, id=9), NOW)
        assert refused == Refusal("conflict", "cannot claim thread 7: it is with agent", True)

    @pytest.mark.parametrize(
        ("command", "verb"),
        [(_E.REPLY, "reply in"), (_E.RESOLVE, "resolve"), (_E.HAND_BACK, "hand back")],
    )
    def test_an_agent_claims_before_acting_on_a_queued_thread(
        self, command: ThreadEvent, verb: str
    ) -> None:
        refused = decide(thread(_S.QUEUED), command, ANA, NOW)
        assert refused == Refusal(
            "conflict", f"cannot {verb} thread 7: it is queued; claim it first"
        )
        assert isinstance(decide(thread(_S.QUEUED), command, SUE, NOW), Transition)

    def test_the_holder_and_supervisors_act_on_a_held_thread(self) -> None:
        held = thread(_S.WITH_AGENT, agent_id=ANA.id)
        for actor in (ANA, SUE):
            decided = decide(held, _E.RESOLVE, actor, NOW)
            assert isinstance(decided, Transition) and decided.to_state is _S.RESOLVED
        assert decide(held, _E.RESOLVE, replace(ANA, id=9), NOW) == Refusal(
            "forbidden", "thread 7 belongs to another agent or team"
        )

    def test_designers_never_act_on_threads(self) -> None:
        for command in ThreadEvent:
            refused = decide(thread(_S.QUEUED, team=None), command, DANA, NOW)
            assert isinstance(refused, Refusal) and refused.kind == "forbidden"


class TestAllowedActions:
    def test_a_queued_thread_for_its_team(self) -> None:
        assert allowed_actions(thread(_S.QUEUED), ANA, NOW) == ["claim", "note"]
        assert allowed_actions(thread(_S.QUEUED), BEN, NOW) == []

    def test_a_held_thread(self) -> None:
        held = thread(_S.WITH_AGENT, agent_id=ANA.id)
        assert allowed_actions(held, ANA, NOW) == [
            "reply",
            "note",
            "transfer",
            "resolve",
            "hand_back",
        ]
        assert allowed_actions(held, SUE, NOW) == [
            "reply",
            "note",
            "transfer",
            "resolve",
            "hand_back",
            "reassign",
        ]

    def test_a_closed_thread_takes_only_notes(self) -> None:
        resolved = thread(_S.RESOLVED, agent_id=ANA.id)
        assert allowed_actions(resolved, ANA, NOW) == ["note"]
        assert allowed_actions(thread(_S.QUEUED), ANA, NOW, closed=True) == ["note"]
