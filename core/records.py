"""What the store reports besides threads and messages: recorded moves, summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.messages import ThreadState


@dataclass(frozen=True)
class Move:
    """One recorded move of a thread."""

    event: str
    from_state: str
    to_state: str
    actor: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class ThreadSummary:
    """One of a customer's threads, in a line."""

    id: int
    state: ThreadState
    created_at: datetime
    closed_at: datetime | None
    escalation_reason: str | None
    rating: int | None
    agent_id: int | None
    message_count: int
    preview: str | None
