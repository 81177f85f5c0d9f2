"""The web chat: a page served by the app, a JSON API, and a live event stream.

GET  /chat                                   the chat page (assets under /chat/static)
POST /chat/api/messages  {"chat_id", "text", "message_id"?}  -> {"replies": [...]}
GET  /chat/api/messages?chat_id=..&after=ID  -> {"messages": [...]} (the open thread)
GET  /chat/api/events?chat_id=..&after=ID    server-sent events: messages pushed later
                                             (an agent's replies), after a catch-up
POST /chat/api/acks  {"chat_id", "ids": [ID, ...]}  -> {"acknowledged": N}
                                             the messages the page has shown
POST /chat/api/contact  {"chat_id", "name"?, "contact"?}  -> {"contact_form": {...}}
                                             the name, and the e-mail address or Telegram
                                             username, a customer leaves for people

While people own the thread (queued or with an agent) the answers carry
`contact_form`: what the customer left so far, for the page's small form; otherwise
it is null.

The page makes a random `chat_id` and keeps it in the browser; it is the key to the
conversation, so it must be long and unguessable: every route is the customer's, and
whoever holds the chat id may call it (no agent role reaches a chat through here).

A message is delivered once the page acknowledges it: until then it stays in the
outbox (`bot.store.outbox`), and every new event stream gets it again, so a reply
pushed while no page was open, or lost with a dropped stream, is shown later.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.channels.base import (
    ChannelAdapter,
    handler,
    message_json,
    read_body,
    register,
)
from bot.web.schemas import WEBCHAT_ACKS, WEBCHAT_CONTACT, WEBCHAT_MESSAGE
from bot.web.validation import id_argument
from core.customers import Contact, check_name, parse_contact
from core.errors import BadRequest, CannotPush, NotFound
from core.messages import Inbound, StoredMessage, Thread

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
CHAT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
LANGUAGE = re.compile(r"[a-z]{2,3}")
HEARTBEAT_SECONDS = 15.0


@register
class WebChatChannel(ChannelAdapter):
    """The brand's own chat page."""

    name = "webchat"
    acknowledges_delivery = True

    def blueprint(self) -> Blueprint:
        """The page, its assets and its API."""
        routes = Blueprint("channel_webchat", url_prefix="/chat")
        routes.add_route(handler(self.page), "/", methods=["GET"])
        routes.static("/static", str(STATIC))
        routes.add_route(handler(self.post_message), "/api/messages", methods=["POST"])
        routes.add_route(handler(self.list_messages), "/api/messages", methods=["GET"])
        routes.add_route(handler(self.events), "/api/events", methods=["GET"])
        routes.add_route(handler(self.acknowledge), "/api/acks", methods=["POST"])
        routes.add_route(handler(self.leave_contact), "/api/contact", methods=["POST"])
        return routes

    async def page(self, request: Request) -> HTTPResponse:
        """The chat page."""
        return await response.file(STATIC / "chat.html")

    async def post_message(self, request: Request) -> HTTPResponse:
        """A customer's message; the bot's answers come back in the response."""
        body = read_body(request, WEBCHAT_MESSAGE)
        chat_id = body["chat_id"]
        inbound = Inbound(
            channel=self.name,
            chat_id=chat_id,
            sender_id=chat_id,
            text=body["text"],
            message_id=body.get("message_id"),
            metadata=_language(request),
        )
        # Delivered once the page acknowledges them, not when the response leaves.
        replies = await self.pipeline.handle(inbound, delivered_in_response=False)
        thread = await self.pipeline.store.threads.open_thread(self.name, chat_id)
        return response.json(
            {
                "replies": [message_json(reply) for reply in replies],
                "contact_form": await self._contact_form(thread),
                "language": thread.language if thread else None,  # the page speaks it too
            }
        )

    async def acknowledge(self, request: Request) -> HTTPResponse:
        """The page showed these messages: they are delivered."""
        body = read_body(request, WEBCHAT_ACKS)
        chat_id, ids = body["chat_id"], body["ids"]
        marked = await self.pipeline.store.outbox.acknowledge(self.name, chat_id, ids)
        return response.json({"acknowledged": marked})

    async def list_messages(self, request: Request) -> HTTPResponse:
        """The open thread's transcript (after a message id, if given)."""
        chat_id, after = _chat_id(request.args.get("chat_id")), _after(request)
        thread = await self.pipeline.store.threads.open_thread(self.name, chat_id)
        if thread is None:
            return response.json({"messages": [], "contact_form": None, "language": None})
        messages = await self.pipeline.store.messages.transcript(thread.id, after_id=after)
        return response.json(
            {
                "messages": [message_json(m) for m in messages],
                "contact_form": await self._contact_form(thread),
                "language": thread.language,  # the page speaks it too
            }
        )

    async def leave_contact(self, request: Request) -> HTTPResponse:
        """The name and the e-mail address or Telegram username the customer left."""
        body = read_body(request, WEBCHAT_CONTACT)
        chat_id = body["chat_id"]
        name = _name(body.get("name") or "") or None
        typed = (body.get("contact") or "").strip()
        contact = _contact(typed) if typed else None
        if name is None and contact is None:
            raise BadRequest("leave a name, an e-mail address or a Telegram username")
        thread = await self.pipeline.store.threads.open_thread(self.name, chat_id)
        if thread is None:
            raise NotFound("this chat has no conversation yet")
        await self.pipeline.store.customers.leave_contact(
            thread.customer_id, contact=contact, name=name
        )
        self.handoff.events.publish(
            "customer.contact", thread_id=thread.id, agent_id=thread.agent_id
        )
        return response.json({"contact_form": await self._contact_form(thread, always=True)})

    async def _contact_form(self, thread: Thread | None, *, always: bool = False) -> Any:
        """What the customer left so far, while people own the thread (else None)."""
        if thread is None or not (always or thread.state.human_owned):
            return None
        profile = await self.pipeline.store.customers.profile(thread.customer_id)
        if profile is None:
            return None
        return {
            "thread_id": thread.id,
            "name": profile.name,
            "email": profile.email,
            "telegram": profile.telegram,
        }

    async def events(self, request: Request) -> None:
        """Stream messages pushed to this chat, after catching up from `after`.

        The stream listens to the chat's topic on the event bus, so a push from any
        worker (through Redis when `events.redis_url` is set) reaches it.
        """
        chat_id = _chat_id(request.args.get("chat_id"))
        after = _after(request)
        async with self.handoff.events.subscribe(_topic(chat_id)) as queue:
            stream = await request.respond(
                content_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
            await stream.send(": connected\n\n")
            for message in await self._catch_up(chat_id, after):
                await stream.send(_event(message_json(message)))
            while True:
                try:
                    pushed = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    await stream.send(": heartbeat\n\n")
                    continue
                await stream.send(_event(pushed))

    async def _catch_up(self, chat_id: str, after: int) -> list[StoredMessage]:
        """The open thread after `after`, and whatever the page has not acknowledged."""
        store = self.pipeline.store
        thread = await store.threads.open_thread(self.name, chat_id)
        recent = await store.messages.transcript(thread.id, after_id=after) if thread else []
        unacknowledged = await store.outbox.undelivered(self.name, chat_id)
        by_id = {message.id: message for message in [*recent, *unacknowledged]}
        return [by_id[key] for key in sorted(by_id)]

    async def push(self, thread: Thread, message: StoredMessage) -> str | None:
        """Send a message to every open page of this chat, on whichever worker holds it.

        It counts as delivered once a page acknowledges it.
        """
        if not await self.handoff.events.send(_topic(thread.chat_id), message_json(message)):
            raise CannotPush("no chat page is open for this customer")
        return None


def _topic(chat_id: str) -> str:
    return f"webchat:{chat_id}"


def _event(message: dict[str, Any]) -> str:
    return f"id: {message['id']}\nevent: message\ndata: {json.dumps(message)}\n\n"


def _chat_id(value: Any) -> str:
    if not isinstance(value, str) or not CHAT_ID.fullmatch(value):
        raise BadRequest("chat_id must be 16 to 64 letters, digits, '-' or '_'")
    return value


def _contact(typed: str) -> Contact:
    try:
        return parse_contact(typed)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _name(value: str) -> str:
    try:
        return check_name(value)
    except ValueError as error:
        raise BadRequest(str(error)) from None


def _language(request: Request) -> dict[str, Any]:
    """The browser's preferred language ("en" from "en-GB,en;q=0.9"), for routing."""
    first = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
    primary = first.strip().split("-")[0].lower()
    return {"language": primary} if LANGUAGE.fullmatch(primary) else {}


def _after(request: Request) -> int:
    raw = request.args.get("after") or request.headers.get("last-event-id") or "0"
    return id_argument("after", raw)
