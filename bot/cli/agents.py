"""`python -m bot agents ACTION`: its arguments; the work is in `bot.cli.agent_admin`."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.cli.options import positive_int
from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.options import Commands


def add_commands(commands: Commands) -> None:
    """`agents` with its actions: list, token, password, revoke, audit."""
    command = commands.add_parser(
        "agents", help="list agents, issue or revoke credentials, set a password, audit"
    )
    command.set_defaults(command=agents, agents_command="list")
    actions = command.add_subparsers(dest="agents_command", metavar="ACTION")
    actions.add_parser("list", help="the configured agents and their presence")
    token = actions.add_parser("token", help="print a new API token for an agent")
    token.add_argument("login", help="the agent's login in config/handoff.yml")
    password = actions.add_parser(
        "password", help="set an agent's console password (asked, or read from stdin)"
    )
    password.add_argument("login", help="the agent's login in config/handoff.yml")
    revoked = actions.add_parser("revoke", help="revoke an agent's API tokens and sessions")
    revoked.add_argument("login", help="the agent's login in config/handoff.yml")
    audit = actions.add_parser("audit", help="the latest sign-ins, sign-outs, tokens, revokes")
    audit.add_argument("--limit", type=positive_int, default=50, help="how many (50)")


def agents(args: argparse.Namespace, settings: Settings) -> int:
    """List agents, issue or revoke an agent's credentials, set a password, read the audit."""
    from bot.cli.agent_admin import issue_token, list_agents, revoke, set_password, show_audit

    if args.agents_command == "token":
        return asyncio.run(issue_token(settings, args.login))
    if args.agents_command == "revoke":
        return asyncio.run(revoke(settings, args.login))
    if args.agents_command == "audit":
        return asyncio.run(show_audit(settings, args.limit))
    if args.agents_command == "password":
        return asyncio.run(set_password(settings, args.login))
    return asyncio.run(list_agents(settings))
