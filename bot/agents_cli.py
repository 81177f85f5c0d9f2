"""`python -m bot agents`: list the configured agents, issue API tokens, set passwords."""

from __future__ import annotations

import getpass
import secrets
import sys

from bot.config import Settings
from bot.store import Store
from bot.store.migrate import upgrade_async
from handoff.console_store import ConsoleStore
from handoff.passwords import check_strength, hash_password
from handoff.settings import load_handoff_settings
from handoff.store import HandoffStore, hash_secret


async def list_agents(settings: Settings) -> int:
    """Print each configured agent with role, teams and stored presence."""
    handoff = load_handoff_settings(settings.project.handoff)
    store = await _open(settings)
    try:
        handoff_store = HandoffStore(store.engine)
        await handoff_store.sync_agents(agent.login for agent in handoff.agents)
        presence = {row.login: row.presence.value for row in await handoff_store.agent_rows()}
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
        handoff_store = HandoffStore(store.engine)
        ids = await handoff_store.sync_agents(agent.login for agent in handoff.agents)
        token = secrets.token_urlsafe(32)
        await handoff_store.add_credential(ids[login], "token", hash_secret(token))
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
        ids = await HandoffStore(store.engine).sync_agents(agent.login for agent in handoff.agents)
        await ConsoleStore(store.engine).set_password(ids[login], hash_password(password))
    finally:
        await store.close()
    print(f"Password set for {login}; they can sign in at /console")
    return 0


async def _open(settings: Settings) -> Store:
    await upgrade_async(settings.database.url)
    return Store.connect(settings.database.url)
