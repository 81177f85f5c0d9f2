"""The agents' HTTP JSON API, under /agents/api, described at /agents/api/openapi.json.

Every call but the OpenAPI document needs `Authorization: Bearer <token>` (tokens
come from `python -m bot agents token LOGIN` and are stored hashed) or the console's
session cookie (see `handoff.auth`). Errors are the app's usual `{"error": ...}` with
401, 403, 404 or 409.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.channels.base import handler, read_json_object, text_field
from bot.channels.webchat import serialize
from bot.errors import BadRequest, Forbidden, Unauthorized
from bot.messages import Thread
from handoff.auth import Authenticator
from handoff.console_store import ConsoleStore
from handoff.openapi import OPENAPI
from handoff.routing import Presence
from handoff.service import Actor, HandoffService

EVENT_HEARTBEAT_SECONDS = 15.0
# Moves that take a thread into or out of a team's queue: every agent of the team hears them.
QUEUE_EVENTS = frozenset(
    {
        "thread.claimed",
        "thread.assigned",
        "thread.requeued",
        "thread.transferred",
        "thread.resolved",
        "thread.handed_back",
        "thread.sla_breached",
    }
)


class AgentsApi:
    """Routes for agents, over one `HandoffService`."""

    def __init__(self, service: HandoffService | None = None) -> None:
        self.service_or_none = service
        self._auth: Authenticator | None = None

    @property
    def service(self) -> HandoffService:
        """The running service (set when the app starts)."""
        if self.service_or_none is None:
            raise RuntimeError("the agents' API was used before the app started")
        return self.service_or_none

    @property
    def auth(self) -> Authenticator:
        """Bearer tokens and console sessions, over the running service."""
        service = self.service
        if self._auth is None or self._auth.service is not service:
            store = ConsoleStore(service.store.engine)
            self._auth = Authenticator(service, store, service.settings.console)
        return self._auth

    def blueprint(self) -> Blueprint:
        """Every route of the API."""
        api = Blueprint("agents_api", url_prefix="/agents/api")
        api.add_route(handler(self.openapi), "/openapi.json", methods=["GET"])
        api.add_route(handler(self.me), "/me", methods=["GET"])
        api.add_route(handler(self.presence), "/presence", methods=["POST"])
        api.add_route(handler(self.agents), "/agents", methods=["GET"])
        api.add_route(handler(self.queue), "/queue", methods=["GET"])
        api.add_route(handler(self.thread), "/threads/<thread_id:int>", methods=["GET"])
        for action in ("claim", "reply", "notes", "transfer", "resolve", "hand-back"):
            method = getattr(self, action.replace("-", "_"))
            api.add_route(handler(method), f"/threads/<thread_id:int>/{action}", methods=["POST"])
        api.add_route(handler(self.events), "/events", methods=["GET"])
        return api

    async def openapi(self, request: Request) -> HTTPResponse:
        """The OpenAPI 3 document of this API."""
        return response.json(OPENAPI)

    async def me(self, request: Request) -> HTTPResponse:
        """Who the token belongs to (designers too: the console asks who signed in)."""
        actor = await self.auth.actor(request)
        return response.json(actor_json(actor))

    async def presence(self, request: Request) -> HTTPResponse:
        """Set the caller's presence: online, away or offline."""
        actor = await self._actor(request)
        body = read_json_object(request, required=("presence",), optional=())
        value = text_field(body, "presence")
        try:
            presence = Presence(value)
        except ValueError:
            raise BadRequest("presence must be one of online, away, offline") from None
        await self.service.set_presence(actor, presence)
        return response.json({"presence": presence.value})

    async def agents(self, request: Request) -> HTTPResponse:
        """Every agent with presence and load."""
        await self._actor(request)
        snapshots = await self.service.agent_snapshots()
        return response.json(
            [
                {
                    "id": a.id,
                    "login": actor.login if (actor := self.service.actor_by_id(a.id)) else None,
                    "display_name": a.display_name,
                    "presence": a.presence.value,
                    "active_threads": a.active_threads,
                    "capacity": a.capacity,
                    "teams": sorted(a.teams),
                }
                for a in snapshots
            ]
        )

    async def queue(self, request: Request) -> HTTPResponse:
        """Queued threads the caller may take and the threads they hold, oldest first."""
        actor = await self._actor(request)
        threads = await self.service.queue_for(actor)
        return response.json([self._thread_json(thread) for thread in threads])

    async def thread(self, request: Request, thread_id: int) -> HTTPResponse:
        """A thread with its whole transcript and its recorded moves."""
        actor = await self._actor(request)
        thread = await self.service.thread_for(actor, thread_id)
        transcript = await self.service.store.transcript(thread.id, limit=5000, with_notes=True)
        events = await self.service.handoff_store.events(thread.id)
        return response.json(
            {
                **self._thread_json(thread),
                "messages": [
                    {**serialize(m), "agent": self._agent_name(m.agent_id)} for m in transcript
                ],
                "events": [
                    {**vars(event), "created_at": event.created_at.isoformat()} for event in events
                ],
            }
        )

    async def claim(self, request: Request, thread_id: int) -> HTTPResponse:
        """Take a queued thread."""
        thread = await self.service.claim(await self._actor(request), thread_id)
        return response.json(self._thread_json(thread))

    async def reply(self, request: Request, thread_id: int) -> HTTPResponse:
        """Write to the customer, signed with the caller's display name."""
        actor = await self._actor(request)
        text = self._text(request)
        message = await self.service.reply(actor, thread_id, text)
        return response.json(serialize(message), status=201)

    async def notes(self, request: Request, thread_id: int) -> HTTPResponse:
        """Add a private note, never shown to the customer."""
        actor = await self._actor(request)
        note = await self.service.note(actor, thread_id, self._text(request))
        return response.json(serialize(note), status=201)

    async def transfer(self, request: Request, thread_id: int) -> HTTPResponse:
        """Give the thread to another agent (`agent`: login) or team (`team`)."""
        actor = await self._actor(request)
        body = read_json_object(request, required=(), optional=("agent", "team", "reason"))
        thread = await self.service.transfer(
            actor,
            thread_id,
            to_agent=body.get("agent"),
            to_team=body.get("team"),
            reason=body.get("reason"),
        )
        return response.json(self._thread_json(thread))

    async def resolve(self, request: Request, thread_id: int) -> HTTPResponse:
        """Resolve: the customer gets a closing message and the rating question."""
        thread = await self.service.resolve(await self._actor(request), thread_id)
        return response.json(self._thread_json(thread))

    async def hand_back(self, request: Request, thread_id: int) -> HTTPResponse:
        """Give the thread back to the bot."""
        thread = await self.service.hand_back(await self._actor(request), thread_id)
        return response.json(self._thread_json(thread))

    async def events(self, request: Request) -> None:
        """Server-sent events: escalations, messages and moves the caller may see."""
        actor = await self._actor(request)
        stream = await request.respond(
            content_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
        async with self.service.events.subscribe() as queue:
            await stream.send(": connected\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), EVENT_HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    try:  # a signed-out or expired session ends the stream
                        await self._actor(request)
                    except Unauthorized:
                        return
                    await stream.send(": heartbeat\n\n")
                    continue
                if await self._may_hear(actor, event):
                    await stream.send(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")

    async def _may_hear(self, actor: Actor, event: dict[str, Any]) -> bool:
        """Events for the caller, for nobody in particular, or moves in their teams' queues."""
        if actor.supervisor or event.get("agent_id") in (None, actor.id):
            return True
        if event.get("type") not in QUEUE_EVENTS or not isinstance(event.get("thread_id"), int):
            return False
        thread = await self.service.handoff_store.thread(event["thread_id"])
        return thread is not None and thread.team is not None and thread.team in actor.teams

    async def _actor(self, request: Request) -> Actor:
        """The caller, who must be an agent or supervisor: designers see no threads."""
        actor = await self.auth.actor(request)
        if actor.designer:
            raise Forbidden("designers work in the review inbox, not on customers' threads")
        if actor.manager:
            raise Forbidden("managers read the reports, not customers' threads")
        return actor

    def _text(self, request: Request) -> str:
        body = read_json_object(request, required=("text",), optional=())
        text = text_field(body, "text").strip()
        if not text:
            raise BadRequest("the text is empty")
        limit = self.service.max_text_chars
        if len(text) > limit:
            raise BadRequest(f"the text is {len(text)} characters long; the limit is {limit}")
        return text

    def _agent_name(self, agent_id: int | None) -> str | None:
        return self.service.agent_name(agent_id)

    def _thread_json(self, thread: Thread) -> dict[str, Any]:
        due = None
        if thread.escalated_at is not None and thread.first_response_at is None:
            target = timedelta(minutes=self.service.settings.sla.first_response_minutes)
            due = thread.escalated_at + target
        return {
            "id": thread.id,
            "channel": thread.channel,
            "chat_id": thread.chat_id,
            "customer_id": thread.customer_id,
            "state": thread.state,
            "agent": self._agent_name(thread.agent_id),
            "agent_id": thread.agent_id,
            "team": thread.team,
            "language": thread.language,
            "topic": thread.topic,
            "public": thread.public,
            "escalation": {"score": thread.escalation_score, "reason": thread.escalation_reason},
            "escalated_at": _iso(thread.escalated_at),
            "first_response_at": _iso(thread.first_response_at),
            "first_response_due": _iso(due),
            "sla_breached_at": _iso(thread.sla_breached_at),
            "rating": thread.rating,
            "created_at": _iso(thread.created_at),
        }


def actor_json(actor: Actor) -> dict[str, Any]:
    """An agent as the API shows them."""
    return {
        "id": actor.id,
        "login": actor.login,
        "display_name": actor.display_name,
        "role": actor.role,
        "teams": sorted(actor.teams),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
