"""The thread state machine: who owns a thread, and which moves are allowed.

    bot --escalate--> queued --assign/claim--> with_agent --resolve--> resolved
     ^                  |  ^                       |  |
     +----hand_back-----+  +--requeue/transfer-----+  +--transfer (to an agent)
     +-----------------------hand_back----------------+

A resolved thread waits for the customer's rating, then closes; the customer's next
message after that opens a new thread.
"""

from __future__ import annotations

from enum import Enum


class ThreadState(str, Enum):
    """Who is answering a thread."""

    BOT = "bot"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    RESOLVED = "resolved"

    @property
    def human_owned(self) -> bool:
        """A person owns or is about to own the thread: the bot must stay silent."""
        return self in (ThreadState.QUEUED, ThreadState.WITH_AGENT)


class ThreadEvent(str, Enum):
    """What can happen to a thread."""

    ESCALATE = "escalate"
    ASSIGN = "assign"
    CLAIM = "claim"
    TRANSFER_TO_AGENT = "transfer_to_agent"
    TRANSFER_TO_QUEUE = "transfer_to_queue"
    REQUEUE = "requeue"
    HAND_BACK = "hand_back"
    RESOLVE = "resolve"


_S, _E = ThreadState, ThreadEvent
TRANSITIONS: dict[tuple[ThreadState, ThreadEvent], ThreadState] = {
    (_S.BOT, _E.ESCALATE): _S.QUEUED,
    (_S.BOT, _E.CLAIM): _S.WITH_AGENT,
    (_S.QUEUED, _E.ASSIGN): _S.WITH_AGENT,
    (_S.QUEUED, _E.CLAIM): _S.WITH_AGENT,
    (_S.QUEUED, _E.TRANSFER_TO_AGENT): _S.WITH_AGENT,
    (_S.QUEUED, _E.TRANSFER_TO_QUEUE): _S.QUEUED,
    (_S.QUEUED, _E.REQUEUE): _S.QUEUED,
    (_S.QUEUED, _E.HAND_BACK): _S.BOT,
    (_S.QUEUED, _E.RESOLVE): _S.RESOLVED,
    (_S.WITH_AGENT, _E.TRANSFER_TO_AGENT): _S.WITH_AGENT,
    (_S.WITH_AGENT, _E.TRANSFER_TO_QUEUE): _S.QUEUED,
    (_S.WITH_AGENT, _E.REQUEUE): _S.QUEUED,
    (_S.WITH_AGENT, _E.HAND_BACK): _S.BOT,
    (_S.WITH_AGENT, _E.RESOLVE): _S.RESOLVED,
    (_S.BOT, _E.RESOLVE): _S.RESOLVED,
}


class InvalidTransition(ValueError):
    """The event is not allowed in the thread's current state."""

    def __init__(self, state: ThreadState, event: ThreadEvent) -> None:
        action, status = event.value.replace("_", " "), state.value.replace("_", " ")
        super().__init__(f"cannot {action} a thread that is {status}")
        self.state, self.event = state, event


def next_state(state: ThreadState, event: ThreadEvent) -> ThreadState:
    """The state after `event`, or `InvalidTransition` if the move is not allowed."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(state, event) from None
