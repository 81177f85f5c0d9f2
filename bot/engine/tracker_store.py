"""rasa's tracker store, timed, and kept in memory between turns when it is SQL.

`TurnTrackerStore.install(agent)` puts it between rasa's fail-safe wrapper and the
configured store (SQL, Redis...), so everything rasa does with trackers goes
through it, and a reloaded model's agent, which shares the store, too. Each read
and write adds to the request's Server-Timing (`engine.tracker_read`, `_write`).

rasa's SQL store rebuilds the tracker from every event of the session on each turn
(JSON-decoding and replaying them), so a conversation's 200th message costs several
times its first. This store keeps, per worker, the trackers it saved last (the
most recent `KEPT_TRACKERS` conversations) and hands one out again only while it
is exactly what rasa would rebuild:

- nobody wrote to the conversation since: the sender's event count and highest
  event id in the database are still those this worker's save left (one indexed
  query). Writes to a conversation happen under its lock (rasa's lock store, shared
  by all workers), so another worker's turn shows as a changed count or id;
- the tracker was not changed after that save (a turn that failed half way leaves
  it with more events than it had then);
- it holds only the events rasa's retrieve returns: those from the session's start
  on. A turn that starts a new session keeps the old session's events in memory,
  so that tracker is not kept.
Anything else reads the database, as rasa does.

A SQLite tracker file gets what the framework's own SQLite store has
(`bot.store.database`): connections kept open (rasa's SQLAlchemy opens one per
read or write), and the write-ahead log with `synchronous=NORMAL`, so a turn's
commit does not wait for the disk (an fsync of rasa's rollback journal blocks
rasa's loop, and so every conversation, for as long as the disk takes). A
committed turn survives the process crashing; a power cut may lose the last ones.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import SessionStarted

from core import timing

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

KEPT_TRACKERS = 256  # conversations kept per worker (a tracker of 200 events: ~0.3 MB)

Stored = tuple[int, int | None]  # the sender's rows in the events table: count, highest id


@dataclass(frozen=True)
class _Kept:
    tracker: DialogueStateTracker
    events: int  # len(tracker.events) when it was saved
    stored: Stored


class TurnTrackerStore(TrackerStore):  # type: ignore[misc]
    """Delegates to `inner`, timing reads and writes, keeping SQL trackers between turns.

    Args:
        inner: The configured store.
        keep: How many conversations' trackers to keep (0: none; only a SQL store's).
    """

    def __init__(self, inner: TrackerStore, keep: int = KEPT_TRACKERS) -> None:
        self.inner = inner
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        super().__init__(inner.domain, inner.event_broker)
        self.keep = keep if isinstance(inner, SQLTrackerStore) else 0
        if isinstance(inner, SQLTrackerStore):
            _keep_sqlite_connections(inner)
        self.rebuilt = 0  # retrieves that read the database (for tests and figures)

    @classmethod
    def install(cls, agent: Agent) -> None:
        """Wrap the agent's store (inside rasa's fail-safe wrapper), once."""
        outer = agent.tracker_store
        inner = getattr(outer, "_tracker_store", None)
        if inner is None or isinstance(inner, cls):
            return
        outer._tracker_store = cls(inner)

    @property
    def domain(self) -> Domain:
        """The inner store's domain (rasa sets it on a model load)."""
        return self.inner.domain

    @domain.setter
    def domain(self, domain: Domain) -> None:
        self.inner.domain = domain
        self._kept.clear()  # trackers are built with the domain's slots

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's current session: the kept tracker if still exact."""
        with timing.stage("engine.tracker_read"):
            kept = self._kept.pop(sender_id, None)
            if (
                kept is not None
                and len(kept.tracker.events) == kept.events
                and self._stored(sender_id) == kept.stored
            ):
                self._kept[sender_id] = kept
                return kept.tracker
            self.rebuilt += 1
            return await self.inner.retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """Every session of the conversation (always from the store)."""
        with timing.stage("engine.tracker_read"):
            return await self.inner.retrieve_full_tracker(conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events; keep it if a retrieve would rebuild it as it is."""
        with timing.stage("engine.tracker_write"):
            sender_id = tracker.sender_id
            self._kept.pop(sender_id, None)
            await self.inner.save(tracker)
            if not self.keep or not _is_one_session(tracker):
                return
            self._kept[sender_id] = _Kept(tracker, len(tracker.events), self._stored(sender_id))
            while len(self._kept) > self.keep:
                self._kept.popitem(last=False)

    async def keys(self) -> Iterable[str]:
        """Every conversation id."""
        result: Iterable[str] = await self.inner.keys()
        return result

    def _stored(self, sender_id: str) -> Stored:
        """How many events the database holds for the sender, and the highest id."""
        store: SQLTrackerStore = self.inner
        event = store.SQLEvent
        with store.session_scope() as session:
            count, highest = (
                session.query(sa.func.count(event.id), sa.func.max(event.id))
                .filter(event.sender_id == sender_id)
                .one()
            )
        return int(count), highest

    def __getattr__(self, name: str) -> Any:
        # Anything else (a SQL store's `engine`, `SQLEvent`...) is the inner store's.
        if name in {"inner", "_kept"}:
            raise AttributeError(name)
        return getattr(self.inner, name)


def _keep_sqlite_connections(store: SQLTrackerStore) -> None:
    """Pooled connections and the write-ahead log for a SQLite file store (else nothing)."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    engine = sa.create_engine(
        url,
        poolclass=sa.pool.QueuePool,
        pool_size=2,
        max_overflow=4,
        connect_args={"check_same_thread": False},  # used by one thread at a time
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sa.event.listen(engine, "connect", on_connect)
    store.engine.dispose()
    store.engine = engine
    store.sessionmaker = sa.orm.session.sessionmaker(bind=engine)


def _is_one_session(tracker: DialogueStateTracker) -> bool:
    """Whether the tracker holds just what rasa's SQL retrieve gives back.

    That is the events from the latest `SessionStarted`'s timestamp on (all of
    them when there is none).
    """
    starts = [e.timestamp for e in tracker.events if isinstance(e, SessionStarted)]
    if not starts:
        return True
    start = max(starts)
    return all(event.timestamp >= start for event in tracker.events)
