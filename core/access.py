"""Who may see what: the one rule for routes, threads and live events.

Every HTTP route declares an `Access` (which roles may call it, and whether the
thread in its path must be visible to the caller); the web layer refuses any route
without one. The answers are always the same:

    401  no credentials, or unknown, expired or revoked ones
    403  a known caller whose role may not call the route at all
    404  a thread the caller may not see: the same answer as a thread that does not
         exist, so that sequential ids reveal nothing

A thread is visible to supervisors (and the system); to an agent once it is escalated
to one of their teams (queued, or with a colleague of that team), or when it is
assigned to them. A thread the bot holds is the supervisors' only; designers and
managers never see customers' threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from core.actors import Actor
from core.messages import Thread, ThreadState


class Role(str, Enum):
    """What a signed-in caller is, as `Actor.role` says."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"
    MANAGER = "manager"


@dataclass(frozen=True)
class Access:
    """Who may call a route.

    Attributes:
        roles: The roles allowed; empty for a public route (no sign-in).
        thread: The route's `thread_id` must be a thread the caller may see (else 404).
        purpose: Why a route is public (for the reader and the matrix test).
    """

    roles: frozenset[Role]
    thread: bool = False
    purpose: str = ""

    @property
    def public(self) -> bool:
        """No credentials needed."""
        return not self.roles


def access(*roles: Role, thread: bool = False) -> Access:
    """An `Access` for signed-in callers of the given roles."""
    return Access(frozenset(roles), thread=thread)


def public(purpose: str) -> Access:
    """An `Access` for everyone, saying why it needs no sign-in."""
    return Access(frozenset(), purpose=purpose)


_R = Role
SIGNED_IN = access(_R.AGENT, _R.SUPERVISOR, _R.DESIGNER, _R.MANAGER)
PEOPLE = access(_R.AGENT, _R.SUPERVISOR)  # those who work on customers' threads
THREAD = access(_R.AGENT, _R.SUPERVISOR, thread=True)
SUPERVISORS = access(_R.SUPERVISOR)
REPORT_READERS = access(_R.SUPERVISOR, _R.MANAGER)
DESIGNERS = access(_R.DESIGNER, _R.SUPERVISOR)


@dataclass(frozen=True)
class Denial:
    """Why a call is refused: the HTTP status and the message."""

    status: int
    message: str


def judge(rule: Access, actor: Actor | None) -> Denial | None:
    """Whether `actor` (None: no valid credentials) may call a route; the thread aside."""
    if rule.public:
        return None
    if actor is None:
        return Denial(401, "sign in, or send 'Authorization: Bearer <token>'")
    if Role(actor.role) not in rule.roles:
        allowed = " and ".join(sorted(f"{role.value}s" for role in rule.roles))
        return Denial(403, f"this is for {allowed}; you are signed in as a {actor.role}")
    return None


def may_see(actor: Actor, thread: Thread) -> bool:
    """Whether the thread (its messages, notes and moves) is visible to the actor."""
    if actor.system or actor.supervisor:
        return True
    if actor.designer or actor.manager:
        return False
    if thread.agent_id == actor.id:
        return True
    return thread.state.human_owned and thread.team is not None and thread.team in actor.teams


def may_act_on(actor: Actor, thread: Thread) -> bool:
    """Visible, and either theirs or nobody's yet (supervisors act on every thread)."""
    if not may_see(actor, thread):
        return False
    return actor.system or actor.supervisor or thread.agent_id in (None, actor.id)


def may_claim_from(actor: Actor, thread: Thread) -> bool:
    """Whether the thread is in one of this agent's teams' queues (supervisors: all)."""
    if actor.designer or actor.manager:
        return False
    if actor.supervisor:
        return True
    return thread.state is ThreadState.QUEUED and thread.team in actor.teams


def may_hear(
    actor: Actor, event: Mapping[str, Any], thread: Thread | None, *, saw_before: bool
) -> bool:
    """Whether a live event goes to the actor's stream.

    Args:
        actor: The stream's caller.
        event: The event, with `thread_id` when it is about a thread.
        thread: That thread as it is now (None when the event names none or it is gone).
        saw_before: The thread was visible to the actor before this event, so that
            they hear it leave their view (transferred away, handed back, resolved).
    """
    if actor.designer or actor.manager:
        return False
    if actor.supervisor or actor.system:
        return True
    if "thread_id" not in event:
        return True  # about agents (presence), which every agent may list
    return saw_before or (thread is not None and may_see(actor, thread))
