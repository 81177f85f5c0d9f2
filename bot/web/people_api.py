"""The agents' API about agents themselves: who am I, presence, colleagues, the document.

GET  /agents/api/openapi.json        the OpenAPI 3 document (no sign-in needed)
GET  /agents/api/me                  the caller
POST /agents/api/presence {"presence"}  online, away or offline
GET  /agents/api/agents              every agent with presence and load
"""

from __future__ import annotations

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.web.agents_api import AgentsApi, actor_json
from bot.web.openapi import OPENAPI
from bot.web.requests import handler, read_body
from bot.web.schemas import PRESENCE
from core.actors import Presence
from core.errors import BadRequest


class PeopleApi:
    """Routes about agents, beside the threads' routes of an `AgentsApi`."""

    def __init__(self, api: AgentsApi) -> None:
        self.api = api

    def blueprint(self) -> Blueprint:
        """The routes."""
        routes = Blueprint("agents_api_people", url_prefix="/agents/api")
        routes.add_route(handler(self.openapi), "/openapi.json", methods=["GET"])
        routes.add_route(handler(self.me), "/me", methods=["GET"])
        routes.add_route(handler(self.presence), "/presence", methods=["POST"])
        routes.add_route(handler(self.agents), "/agents", methods=["GET"])
        return routes

    async def openapi(self, request: Request) -> HTTPResponse:
        """The OpenAPI 3 document of this API."""
        return response.json(OPENAPI)

    async def me(self, request: Request) -> HTTPResponse:
        """Who the token belongs to (designers too: the console asks who signed in)."""
        actor = await self.api.auth.actor(request)
        return response.json(actor_json(actor))

    async def presence(self, request: Request) -> HTTPResponse:
        """Set the caller's presence: online, away or offline."""
        actor = await self.api.agent(request)
        value = read_body(request, PRESENCE)["presence"]
        try:
            presence = Presence(value)
        except ValueError:
            raise BadRequest("presence must be one of online, away, offline") from None
        await self.api.service.presence.set_presence(actor, presence)
        return response.json({"presence": presence.value})

    async def agents(self, request: Request) -> HTTPResponse:
        """Every agent with presence and load."""
        await self.api.agent(request)
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
