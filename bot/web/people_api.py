"""The agents' API about agents themselves: who am I, presence, colleagues, the document.

GET  /agents/api/openapi.json        the OpenAPI 3 document (no sign-in needed)
GET  /agents/api/me                  the caller
POST /agents/api/presence {"presence"}  online, away or offline (online off shift: 409)
POST /agents/api/heartbeat           still there: the console sends it every few seconds
GET  /agents/api/agents              every agent with presence and load
GET  /agents/api/audit?limit&before  sign-ins, sign-outs, tokens issued, revokes (supervisors)
"""

from __future__ import annotations

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.web.access import allow, caller
from bot.web.agents_api import AgentsApi, actor_json
from bot.web.openapi import OPENAPI
from bot.web.requests import read_body
from bot.web.schemas import PRESENCE
from core.access import PEOPLE, SIGNED_IN, SUPERVISORS, public
from core.actors import Presence
from core.clock import real_seconds
from core.errors import BadRequest


class PeopleApi:
    """Routes about agents, beside the threads' routes of an `AgentsApi`."""

    def __init__(self, api: AgentsApi) -> None:
        self.api = api

    def blueprint(self) -> Blueprint:
        """The routes."""
        routes = Blueprint("agents_api_people", url_prefix="/agents/api")
        document = public("the API's description, for clients before they sign in")
        routes.add_route(allow(document, self.openapi), "/openapi.json", methods=["GET"])
        routes.add_route(allow(SIGNED_IN, self.me), "/me", methods=["GET"])
        routes.add_route(allow(PEOPLE, self.presence), "/presence", methods=["POST"])
        routes.add_route(allow(PEOPLE, self.heartbeat), "/heartbeat", methods=["POST"])
        routes.add_route(allow(PEOPLE, self.agents), "/agents", methods=["GET"])
        routes.add_route(allow(SUPERVISORS, self.audit), "/audit", methods=["GET"])
        return routes

    async def openapi(self, request: Request) -> HTTPResponse:
        """The OpenAPI 3 document of this API."""
        return response.json(OPENAPI)

    async def me(self, request: Request) -> HTTPResponse:
        """Who the token belongs to (designers too: the console asks who signed in)."""
        actor = caller(request)
        return response.json(actor_json(actor))

    async def presence(self, request: Request) -> HTTPResponse:
        """Set the caller's presence: online, away or offline."""
        actor = caller(request)
        value = read_body(request, PRESENCE)["presence"]
        try:
            presence = Presence(value)
        except ValueError:
            raise BadRequest("presence must be one of online, away, offline") from None
        session_end = self.api.auth.session_end(request)
        await self.api.service.presence.set_presence(
            actor, presence, session_expires_at=session_end
        )
        return response.json({"presence": presence.value})

    async def heartbeat(self, request: Request) -> HTTPResponse:
        """The caller's console is still open: their presence, and when to beat next.

        An agent not heard from for `presence.offline_after_seconds` is made offline
        and their threads go back to the queue.
        """
        actor = caller(request)
        presence = await self.api.service.presence.heartbeat(
            actor, self.api.auth.session_end(request)
        )
        settings = self.api.service.settings.presence
        # Real seconds: on a simulation's faster clock, the console beats as often.
        every = real_seconds(self.api.service.moves.clock, settings.heartbeat_seconds)
        return response.json({"presence": presence.value, "next_heartbeat_seconds": every})

    async def agents(self, request: Request) -> HTTPResponse:
        """Every agent with presence and load."""
        snapshots = await self.api.service.directory.snapshots()
        return response.json(
            [
                {
                    "id": a.id,
                    "login": actor.login
                    if (actor := self.api.service.directory.actor_by_id(a.id))
                    else None,
                    "display_name": a.display_name,
                    "presence": a.presence.value,
                    "active_threads": a.active_threads,
                    "capacity": a.capacity,
                    "teams": sorted(a.teams),
                }
                for a in snapshots
            ]
        )

    async def audit(self, request: Request) -> HTTPResponse:
        """The latest audit events, newest first: `limit` (1-500), `before` an event id."""
        limit = _whole_number(request.args.get("limit"), "limit", 100, top=500)
        before = request.args.get("before")
        before_id = _whole_number(before, "before", 0, top=2**31 - 1) if before else None
        entries = await self.api.services.store.audit.recent(limit, before_id)
        return response.json(
            [{**vars(entry), "created_at": entry.created_at.isoformat()} for entry in entries]
        )


def _whole_number(raw: str | None, name: str, default: int, *, top: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise BadRequest(f"{name} must be a whole number from 1 to {top}")
    return int(raw)
