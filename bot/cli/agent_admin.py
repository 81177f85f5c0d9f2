"""`python -m bot agents`: list agents, issue and revoke credentials, set passwords, audit.

Issuing a token and revoking an agent's credentials are written to the audit trail,
beside the console's sign-ins (`bot.web.auth`).
"""

from __future__ import annotations

import getpass
import secrets
import sys
from datetime import datetime

from bot.config import Settings
from bot.store import Database
from bot.store.migrate import upgrade_async
from core.clock import utcnow
from handoff.directory import AgentDirectory
from handoff.passwords import check_strength, hash_password
from handoff.settings import HandoffSettings, load_handoff_settings

COMMAND_LINE = "command line"


async def list_agents(settings: Settings) -> int:
    """Print each configured agent with role, teams and stored presence."""
    handoff = load_handoff_settings(settings.project.handoff)
    store = await open_store(settings)
    try:
        await store.agents.sync_agents(agent.login for agent in handoff.agents)
        presence = {row.login: row.presence.value for row in await store.agents.agent_rows()}
    finally:
        await store.close()
    for agent in handoff.agents:
        teams = ", ".join(agent.teams) or "-"
        print(
            f"{agent.login:<12} {agent.display_name:<20} {agent.role:<10} {teams:<20} "
            f"{presence.get(agent.login, 'offline')}"
        )
    return 0


async def issue_token(settings: Settings, login: str) -> int:
    """Create an API token for an agent; only its hash is stored, so print it once.

    The token expires after `console.token_days` (config/handoff.yml); when is said
    on stderr, so that stdout carries the token alone.
    """
    handoff = load_handoff_settings(settings.project.handoff)
    if not _known(handoff, login):
        return 2
    store = await open_store(settings)
    try:
        token, expires_at = await new_token(store, handoff, login)
    finally:
        await store.close()
    print(token)
    print(f"The token expires on {expires_at:%Y-%m-%d %H:%M} UTC.", file=sys.stderr)
    return 0


async def revoke(settings: Settings, login: str) -> int:
    """Revoke every API token and console session of an agent (the password stays)."""
    handoff = load_handoff_settings(settings.project.handoff)
    if not _known(handoff, login):
        return 2
    store = await open_store(settings)
    try:
        ids = await store.agents.sync_agents(agent.login for agent in handoff.agents)
        tokens, sessions = await store.credentials.revoke_all(ids[login])
        detail = f"{tokens} token(s), {sessions} session(s)"
        await store.audit.record("revoked", login, COMMAND_LINE, detail)
    finally:
        await store.close()
    print(f"Revoked {detail} of {login}; they stop working at once.")
    return 0


async def show_audit(settings: Settings, limit: int) -> int:
    """Print the latest audit events, newest first."""
    store = await open_store(settings)
    try:
        entries = await store.audit.recent(limit)
    finally:
        await store.close()
    for entry in entries:
        print(
            f"{entry.created_at:%Y-%m-%d %H:%M:%S} {entry.event:<18} {entry.login or '-':<16} "
            f"{entry.address or '-':<16} {entry.detail or ''}".rstrip()
        )
    return 0


async def set_password(settings: Settings, login: str) -> int:
    """Set an agent's console password: asked twice on a terminal, else one line of stdin.

    Only a salted hash is stored; the agent's earlier password stops working.
    """
    handoff = load_handoff_settings(settings.project.handoff)
    if not _known(handoff, login):
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass(f"New console password for {login}: ")
        if getpass.getpass("The same again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = check_strength(password)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    store = await open_store(settings)
    try:
        await store_password(store, handoff, login, password)
    finally:
        await store.close()
    print(f"Password set for {login}; they can sign in at /console")
    return 0


def _known(handoff: HandoffSettings, login: str) -> bool:
    """Whether the login is configured; if not, say which are, on stderr."""
    if handoff.agent(login) is not None:
        return True
    known = ", ".join(agent.login for agent in handoff.agents) or "none"
    print(f"error: no agent {login!r} in {handoff.source} (agents: {known})", file=sys.stderr)
    return False


async def new_token(store: Database, handoff: HandoffSettings, login: str) -> tuple[str, datetime]:
    """A new API token for a configured agent (stored hashed, audited); when it expires."""
    directory = AgentDirectory(handoff, store.agents, store.credentials)
    await directory.start()
    token = secrets.token_urlsafe(32)
    expires_at = await directory.issue_token(login, token, utcnow())
    await store.audit.record(
        "token_issued", login, COMMAND_LINE, f"expires {expires_at:%Y-%m-%d %H:%M} UTC"
    )
    return token, expires_at


async def store_password(
    store: Database, handoff: HandoffSettings, login: str, password: str
) -> None:
    """Store a configured agent's new console password, salted and hashed."""
    ids = await store.agents.sync_agents(agent.login for agent in handoff.agents)
    await store.credentials.set_password(ids[login], hash_password(password))


async def open_store(settings: Settings) -> Database:
    """The settings' store, migrated to the latest schema."""
    await upgrade_async(settings.database.url)
    return Database.connect(settings.database.url)
