"""What several workers (or machines) need: stores they can all share.

With `server.workers` above one, start-up refuses a store that each worker would
keep to itself: the framework's SQLite store, no Redis for live events and leases,
and in rasa's endpoints file a SQLite or in-memory tracker store or an in-memory
lock store. Each refusal names the file and the key to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config_files import read_yaml
from core.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import Settings

SHARED_TRACKER_DIALECTS = "postgresql (or type: redis, mongod, dynamo)"


def check_shared_stores(settings: Settings) -> None:
    """Refuse a multi-worker setting whose stores cannot be shared.

    Raises:
        ConfigError: Naming the file and key of the first unshareable store.
    """
    source = settings.source
    workers = f"server.workers is {settings.server.workers} in {source}"
    if settings.database.url.startswith("sqlite"):
        raise ConfigError(source, "server.workers", "several workers need a PostgreSQL store")
    if not settings.events.redis_url:
        raise ConfigError(source, "server.workers", "several workers need events.redis_url")
    if not settings.engine.endpoints:
        raise ConfigError(
            source, "engine.endpoints", f"{workers}: name rasa's endpoints file, with shared stores"
        )
    path = settings.engine.endpoints
    endpoints = read_yaml(Path(path))
    tracker = _section(endpoints, "tracker_store")
    tracker_type = str(tracker.get("type") or "in_memory").lower()
    if tracker_type == "in_memory":
        raise ConfigError(
            path,
            "tracker_store.type",
            f"in memory, each worker would keep its own conversations ({workers}); "
            f"use type: SQL with dialect: {SHARED_TRACKER_DIALECTS}",
            _line(endpoints, tracker, "tracker_store", "type"),
        )
    if tracker_type == "sql" and str(tracker.get("dialect") or "sqlite").lower() == "sqlite":
        raise ConfigError(
            path,
            "tracker_store.dialect",
            f"a SQLite file cannot be shared by several workers ({workers}); "
            f"use dialect: {SHARED_TRACKER_DIALECTS}",
            _line(endpoints, tracker, "tracker_store", "dialect"),
        )
    lock = _section(endpoints, "lock_store")
    if str(lock.get("type") or "in_memory").lower() == "in_memory":
        raise ConfigError(
            path,
            "lock_store.type",
            f"in memory, workers would answer one conversation at once ({workers}); "
            "use type: redis",
            _line(endpoints, lock, "lock_store", "type"),
        )


def _section(endpoints: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = endpoints.get(name)
    return section if isinstance(section, Mapping) else {}


def _line(endpoints: Any, section: Any, name: str, key: str) -> int | None:
    """The line of `key` in the section, or of the section, when the YAML kept it."""
    for mapping, wanted in ((section, key), (endpoints, name)):
        try:
            return int(mapping.lc.key(wanted)[0]) + 1
        except (AttributeError, KeyError, TypeError):
            continue
    return None
