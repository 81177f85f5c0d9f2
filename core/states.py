"""The thread state machine: one table says which move may happen, from where, by whom.

    bot --escalate--> queued --assign/claim--> with_agent --resolve--> resolved
     ^                  |  ^                       |  |
     +----hand_back-----+  +--requeue/transfer-----+  +--transfer (to an agent)
     +-----------------------hand_back----------------+

A resolved thread waits for the customer's rating, then closes; the customer's next
message after that opens a new thread.

`decide(thread, command, actor, now)` is the only judge: it returns a `Transition`
(which the thread store applies with one compare-and-set on the state and the
assignee it was decided on) or a `Refusal` saying why, as forbidden or conflict.
`allowed_actions` asks it about every action, for the agents' API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from core.access import may_act_on, may_claim_from, may_see
from core.actors import Actor
from core.messages import Thread, ThreadState

__all__ = ["Refusal", "ThreadEvent", "ThreadState", "Transition", "allowed_actions", "decide"]


class ThreadEvent(str, Enum):
    """What can be asked of a thread; the moves among them are recorded."""

    ESCALATE = "escalate"
    ASSIGN = "assign"
    CLAIM = "claim"
    TRANSFER_TO_AGENT = "transfer_to_agent"
    TRANSFER_TO_QUEUE = "transfer_to_queue"
    REQUEUE = "requeue"
    HAND_BACK = "hand_back"
    RESOLVE = "resolve"
    REPLY = "reply"  # no move: writing to the customer
    NOTE = "note"  # no move: a private note

    @property
    def moves(self) -> bool:
        """Whether the command changes the thread's state or owner (and is recorded)."""
        return self not in (ThreadEvent.REPLY, ThreadEvent.NOTE)


Guard = Callable[[Actor, Thread], bool]


def _system(actor: Actor, thread: Thread) -> bool:
    return actor.system


def _claimant(actor: Actor, thread: Thread) -> bool:
    return not actor.system and thread.agent_id is None and may_claim_from(actor, thread)


def _supervisor(actor: Actor, thread: Thread) -> bool:
    return actor.supervisor or actor.system


def _holder(actor: Actor, thread: Thread) -> bool:
    return actor.supervisor or actor.system or thread.agent_id == actor.id


def _anyone(actor: Actor, thread: Thread) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One row of the table: where a command leads, and who may give it."""

    to_state: ThreadState
    who: Guard


_S, _E = ThreadState, ThreadEvent
RULES: dict[tuple[ThreadState, ThreadEvent], Rule] = {
    (_S.BOT, _E.ESCALATE): Rule(_S.QUEUED, _system),
    (_S.BOT, _E.CLAIM): Rule(_S.WITH_AGENT, _claimant),
    (_S.QUEUED, _E.ASSIGN): Rule(_S.WITH_AGENT, _system),
    (_S.QUEUED, _E.CLAIM): Rule(_S.WITH_AGENT, _claimant),
    (_S.QUEUED, _E.TRANSFER_TO_AGENT): Rule(_S.WITH_AGENT, _supervisor),
    (_S.QUEUED, _E.TRANSFER_TO_QUEUE): Rule(_S.QUEUED, _supervisor),
    (_S.QUEUED, _E.HAND_BACK): Rule(_S.BOT, _supervisor),
    (_S.QUEUED, _E.RESOLVE): Rule(_S.RESOLVED, _supervisor),
    (_S.QUEUED, _E.REPLY): Rule(_S.QUEUED, _supervisor),
    (_S.WITH_AGENT, _E.TRANSFER_TO_AGENT): Rule(_S.WITH_AGENT, _holder),
    (_S.WITH_AGENT, _E.TRANSFER_TO_QUEUE): Rule(_S.QUEUED, _holder),
    (_S.WITH_AGENT, _E.REQUEUE): Rule(_S.QUEUED, _holder),
    (_S.WITH_AGENT, _E.HAND_BACK): Rule(_S.BOT, _holder),
    (_S.WITH_AGENT, _E.RESOLVE): Rule(_S.RESOLVED, _holder),
    (_S.WITH_AGENT, _E.REPLY): Rule(_S.WITH_AGENT, _holder),
    (_S.BOT, _E.RESOLVE): Rule(_S.RESOLVED, _system),
    **{(state, _E.NOTE): Rule(state, _anyone) for state in ThreadState},
}
# Commands an agent gives on a thread they hold; refused ones say "claim it first".
HOLDER_VERBS = {
    _E.REPLY: "reply in",
    _E.TRANSFER_TO_AGENT: "transfer",
    _E.TRANSFER_TO_QUEUE: "transfer",
    _E.RESOLVE: "resolve",
    _E.HAND_BACK: "hand back",
}


@dataclass(frozen=True)
class Transition:
    """An allowed move, to apply only if the thread is still as it was decided on."""

    thread_id: int
    event: ThreadEvent
    from_state: ThreadState
    to_state: ThreadState
    actor: str
    agent_id: int | None  # the assignee the decision saw: part of the compare-and-set
    at: datetime


@dataclass(frozen=True)
class Refusal:
    """Why a command was refused: `forbidden` (who) or `conflict` (the thread's state)."""

    kind: str
    message: str
    taken: bool = False  # the thread is with an agent: the caller may add who


FORBIDDEN, CONFLICT = "forbidden", "conflict"


def decide(
    thread: Thread, command: ThreadEvent, actor: Actor, now: datetime
) -> Transition | Refusal:
    """Judge one command on a thread, from the table and its guards.

    Args:
        thread: The thread as last read.
        command: What is asked.
        actor: Who asks (an agent, a supervisor, or the system).
        now: The moment of the decision.
    """
    state = ThreadState(thread.state)
    taken_but_visible = command is _E.CLAIM and thread.agent_id is not None
    if not may_see(actor, thread) or not (may_act_on(actor, thread) or taken_but_visible):
        return Refusal(FORBIDDEN, f"thread {thread.id} belongs to another agent or team")
    rule = RULES.get((state, command))
    if rule is not None and rule.who(actor, thread):
        return Transition(
            thread.id, command, state, rule.to_state, actor.login, thread.agent_id, now
        )
    if command in HOLDER_VERBS:
        verb = HOLDER_VERBS[command]
        message = f"cannot {verb} thread {thread.id}: it is {state.value}; claim it first"
        return Refusal(CONFLICT, message)
    taken = state is ThreadState.WITH_AGENT
    words = command.value.replace("_", " ")
    return Refusal(CONFLICT, f"cannot {words} thread {thread.id}: it is {state.words}", taken)


# What the agents' API offers, by name, and the commands each stands for.
ACTIONS: dict[str, tuple[ThreadEvent, ...]] = {
    "claim": (_E.CLAIM,),
    "reply": (_E.REPLY,),
    "note": (_E.NOTE,),
    "transfer": (_E.TRANSFER_TO_AGENT, _E.TRANSFER_TO_QUEUE),
    "resolve": (_E.RESOLVE,),
    "hand_back": (_E.HAND_BACK,),
    "reassign": (_E.TRANSFER_TO_AGENT,),
}


def allowed_actions(
    thread: Thread, actor: Actor, now: datetime, *, closed: bool = False
) -> list[str]:
    """The actions `actor` may take on `thread` now, in the API's order.

    `reassign` is a supervisor giving someone else's (or nobody's) thread to an agent;
    a closed thread still takes notes, and no move.
    """
    allowed = []
    for name, commands in ACTIONS.items():
        if name == "reassign" and (not actor.supervisor or thread.agent_id == actor.id):
            continue
        if closed and name != "note":
            continue
        if any(isinstance(decide(thread, c, actor, now), Transition) for c in commands):
            allowed.append(name)
    return allowed


class InvalidTransition(ValueError):
    """The event is not allowed in the thread's current state."""

    def __init__(self, state: ThreadState, event: ThreadEvent) -> None:
        action, status = event.value.replace("_", " "), state.words
        super().__init__(f"cannot {action} a thread that is {status}")
        self.state, self.event = state, event


def next_state(state: ThreadState, event: ThreadEvent) -> ThreadState:
    """Where `event` leads from `state` whoever asks, or `InvalidTransition` (no such row)."""
    rule = RULES.get((state, event))
    if rule is None or not event.moves:
        raise InvalidTransition(state, event)
    return rule.to_state
