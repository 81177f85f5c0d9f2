"""`python -m bot agents`: list the configured agents, issue API tokens, set passwords."""

from __future__ import annotations

import getpass
import secrets
import sys

from bot.config import Settings
from bot.store import Database
from bot.store.agents import TOKEN
from bot.store.migrate import upgrade_async
from handoff.passwords import check_strength, hash_password, hash_secret
from handoff.settings import load_handoff_settings


async def list_agents(settings: Settings) -> int:
    """Print each configured agent with role, teams and stored presence."""
    handoff = load_handoff_settings(settings.project.handoff)
    store = await _open(settings)
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
    """Create an API token for an agent; only its hash is stored, so print it once."""
    handoff = load_handoff_settings(settings.project.handoff)
    if handoff.agent(login) is None:
        known = ", ".join(agent.login for agent in handoff.agents) or "none"
        print(f"error: no agent {login!r} in {handoff.source} (agents: {known})")
        return 2
    store = await _open(settings)
    try:
        ids = await store.agents.sync_agents(agent.login for agent in handoff.agents)
        token = secrets.token_urlsafe(32)
        await store.agents.add_credential(ids[login], TOKEN, hash_secret(token))
    finally:
        await store.close()
    print(token)
    return 0


async def set_password(settings: Settings, login: str) -> int:
    """Set an agent's console password: asked twice on a terminal, else one line of stdin.

    Only a salted hash is stored; the agent's earlier password stops working.
    """
    handoff = load_handoff_settings(settings.project.handoff)
    if handoff.agent(login) is None:
        known = ", ".join(agent.login for agent in handoff.agents) or "none"
        print(f"error: no agent {login!r} in {handoff.source} (agents: {known})", file=sys.stderr)
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
    store = await _open(settings)
    try:
        ids = await store.agents.sync_agents(agent.login for agent in handoff.agents)
        await store.agents.set_password(ids[login], hash_password(password))
    finally:
        await store.close()
    print(f"Password set for {login}; they can sign in at /console")
    return 0


async def _open(settings: Settings) -> Database:
    await upgrade_async(settings.database.url)
    return Database.connect(settings.database.url)
