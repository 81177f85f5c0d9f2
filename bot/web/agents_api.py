"""The agents' HTTP JSON API, under /agents/api, described at /agents/api/openapi.json.

Every call but the OpenAPI document needs `Authorization: Bearer <token>` (tokens
come from `python -m bot agents token LOGIN`, are stored hashed and expire) or the
console's session cookie (see `bot.web.auth`). Each route declares who may call it
(`bot.web.access`, rules in `core.access`): 401 without valid credentials, 403 for a
role the route is not for, 404 for a thread the caller may not see. Errors are the
app's usual `{"error": ...}`, also 400 and 409.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from bot.web.access import allow, caller
from bot.web.auth import Authenticator
from bot.web.requests import message_json, read_body
from bot.web.schemas import AGENT_TEXT, TRANSFER
from core.access import PEOPLE, THREAD
from core.actors import Actor
from core.customers import CustomerProfile
from core.errors import BadRequest, Unauthorized
from core.messages import Thread
from handoff.audience import StreamAudience
from handoff.services import Handoff

if TYPE_CHECKING:
    from bot.runtime import Services

EVENT_HEARTBEAT_SECONDS = 15.0


class AgentsApi:
    """Routes for agents, over the app's running services (`app.ctx.services`)."""

    def __init__(self, app: Sanic) -> None:
        self.app = app

    @property
    def services(self) -> Services:
        """What the app started (`bot.runtime.start_services`)."""
        services: Services = self.app.ctx.services
        return services

    @property
    def service(self) -> Handoff:
        """The handoff's services."""
        return self.services.handoff

    @property
    def auth(self) -> Authenticator:
        """Bearer tokens and console sessions."""
        return self.services.auth

    def blueprint(self) -> Blueprint:
        """The threads' routes (the agents' own are in `bot.web.people_api`)."""
        api = Blueprint("agents_api", url_prefix="/agents/api")
        api.add_route(allow(PEOPLE, self.queue), "/queue", methods=["GET"])
        api.add_route(allow(THREAD, self.thread), "/threads/<thread_id:int>", methods=["GET"])
        for action in ("claim", "reply", "notes", "transfer", "resolve", "hand-back"):
            method = allow(THREAD, getattr(self, action.replace("-", "_")))
            api.add_route(method, f"/threads/<thread_id:int>/{action}", methods=["POST"])
        api.add_route(allow(PEOPLE, self.events), "/events", methods=["GET"])
        return api

    async def queue(self, request: Request) -> HTTPResponse:
        """Queued threads the caller may take and the threads they hold, oldest first."""
        actor = caller(request)
        threads = await self.service.actions.queue_for(actor)
        profiles = await self.services.store.customers.profiles(t.customer_id for t in threads)
        return response.json(
            [
                {
                    **self._thread_json(thread, actor),
                    **customer_json(profiles.get(thread.customer_id)),
                }
                for thread in threads
            ]
        )

    async def thread(self, request: Request, thread_id: int) -> HTTPResponse:
        """A thread with its whole transcript and its recorded moves."""
        actor = caller(request)
        thread = await self.service.actions.thread_for(actor, thread_id)
        transcript = await self.service.messages.transcript(thread.id, limit=5000, with_notes=True)
        events = await self.service.threads.moves(thread.id)
        profile = await self.services.store.customers.profile(thread.customer_id)
        return response.json(
            {
                **self._thread_json(thread, actor),
                **customer_json(profile),
                "messages": [
                    {**message_json(m), "agent": self._agent_name(m.agent_id)} for m in transcript
                ],
                "events": [
                    {**vars(event), "created_at": event.created_at.isoformat()} for event in events
                ],
            }
        )

    async def claim(self, request: Request, thread_id: int) -> HTTPResponse:
        """Take a queued thread."""
        actor = caller(request)
        thread = await self.service.actions.claim(actor, thread_id)
        return response.json(self._thread_json(thread, actor))

    async def reply(self, request: Request, thread_id: int) -> HTTPResponse:
        """Write to the customer, signed with the caller's display name."""
        actor = caller(request)
        text = self._text(request)
        message = await self.service.actions.reply(actor, thread_id, text)
        return response.json(message_json(message), status=201)

    async def notes(self, request: Request, thread_id: int) -> HTTPResponse:
        """Add a private note, never shown to the customer."""
        actor = caller(request)
        note = await self.service.actions.note(actor, thread_id, self._text(request))
        return response.json(message_json(note), status=201)

    async def transfer(self, request: Request, thread_id: int) -> HTTPResponse:
        """Give the thread to another agent (`agent`: login) or team (`team`)."""
        actor = caller(request)
        body = read_body(request, TRANSFER)
        thread = await self.service.actions.transfer(
            actor,
            thread_id,
            to_agent=body.get("agent"),
            to_team=body.get("team"),
            reason=body.get("reason"),
        )
        return response.json(self._thread_json(thread, actor))

    async def resolve(self, request: Request, thread_id: int) -> HTTPResponse:
        """Resolve: the customer gets a closing message and the rating question."""
        actor = caller(request)
        thread = await self.service.actions.resolve(actor, thread_id)
        return response.json(self._thread_json(thread, actor))

    async def hand_back(self, request: Request, thread_id: int) -> HTTPResponse:
        """Give the thread back to the bot."""
        actor = caller(request)
        thread = await self.service.actions.hand_back(actor, thread_id)
        return response.json(self._thread_json(thread, actor))

    async def events(self, request: Request) -> None:
        """Server-sent events of the threads the caller may see (`core.access.may_hear`)."""
        actor = caller(request)
        visible = [thread.id for thread in await self.service.actions.queue_for(actor)]
        audience = StreamAudience(actor, self.service.threads, visible)
        stream = await request.respond(
            content_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
        async with self.service.events.subscribe() as queue:
            await stream.send(": connected\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), EVENT_HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    try:  # a signed-out, expired or revoked caller's stream ends
                        await self.auth.actor(request)
                    except Unauthorized:
                        return
                    await stream.send(": heartbeat\n\n")
                    continue
                if await audience.hears(event):
                    await stream.send(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")

    def _text(self, request: Request) -> str:
        text: str = read_body(request, AGENT_TEXT)["text"].strip()
        limit = self.service.max_text_chars
        if len(text) > limit:
            raise BadRequest(f"the text is {len(text)} characters long; the limit is {limit}")
        return text

    def _agent_name(self, agent_id: int | None) -> str | None:
        return self.service.agent_name(agent_id)

    def _thread_json(self, thread: Thread, actor: Actor) -> dict[str, Any]:
        due = None
        if thread.escalated_at is not None and thread.first_response_at is None:
            target = timedelta(minutes=self.service.settings.sla.first_response_minutes)
            due = thread.escalated_at + target
        return {
            "id": thread.id,
            "channel": thread.channel,
            "chat_id": thread.chat_id,
            "customer_id": thread.customer_id,
            "state": thread.state.value,
            "agent": self._agent_name(thread.agent_id),
            "agent_id": thread.agent_id,
            "team": thread.team,
            # The language detected from the customer's messages, else the brand's default.
            "language": thread.language or self.services.settings.brand.languages[0],
            "language_detected": thread.language is not None,
            "topic": thread.topic,
            "public": thread.public,
            "escalation": {"score": thread.escalation_score, "reason": thread.escalation_reason},
            "escalated_at": _iso(thread.escalated_at),
            "first_response_at": _iso(thread.first_response_at),
            "first_response_due": _iso(due),
            "sla_breached_at": _iso(thread.sla_breached_at),
            "rating": thread.rating,
            "created_at": _iso(thread.created_at),
            "allowed_actions": self.service.actions.allowed(thread, actor),
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


def customer_json(profile: CustomerProfile | None) -> dict[str, Any]:
    """`{"customer": ...}`: who the customer is, as a thread's card and view show it."""
    if profile is None:
        return {"customer": None}
    return {
        "customer": {
            "id": profile.id,
            "name": profile.name,
            "username": profile.username,
            "email": profile.email,
            "telegram": profile.telegram,
            "contact_left_at": _iso(profile.contact_left_at),
            "orders": list(profile.orders),
            "earlier_threads": max(profile.threads - 1, 0),
        }
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
