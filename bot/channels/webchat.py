"""The web chat: a page served by the app, a JSON API, and a live event stream.

GET  /chat                                   the chat page (assets under /chat/static)
POST /chat/api/messages  {"chat_id", "text", "message_id"?}  -> {"replies": [...]}
GET  /chat/api/messages?chat_id=..&after=ID  -> {"messages": [...]} (the open thread)
GET  /chat/api/events?chat_id=..&after=ID    server-sent events: messages pushed later
                                             (an agent's replies), after a catch-up

The page makes a random `chat_id` and keeps it in the browser; it is the key to the
conversation, so it must be long and unguessable.
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
from bot.web.schemas import WEBCHAT_MESSAGE
from bot.web.validation import id_argument
from core.errors import BadRequest, CannotPush
from core.messages import Inbound, StoredMessage, Thread

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
CHAT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
LANGUAGE = re.compile(r"[a-z]{2,3}")
HEARTBEAT_SECONDS = 15.0


@register
class WebChatChannel(ChannelAdapter):
    """The brand's own chat page."""

    name = "webchat"

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self._listeners: dict[str, set[asyncio.Queue[StoredMessage]]] = {}

    def blueprint(self) -> Blueprint:
        """The page, its assets and its API."""
        routes = Blueprint("channel_webchat", url_prefix="/chat")
        routes.add_route(handler(self.page), "/", methods=["GET"])
        routes.static("/static", str(STATIC))
        routes.add_route(handler(self.post_message), "/api/messages", methods=["POST"])
        routes.add_route(handler(self.list_messages), "/api/messages", methods=["GET"])
        routes.add_route(handler(self.events), "/api/events", methods=["GET"])
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
        replies = await self.pipeline.handle(inbound, delivered_in_response=True)
        return response.json({"replies": [message_json(reply) for reply in replies]})

    async def list_messages(self, request: Request) -> HTTPResponse:
        """The open thread's transcript (after a message id, if given)."""
        chat_id, after = _chat_id(request.args.get("chat_id")), _after(request)
        thread = await self.pipeline.store.threads.open_thread(self.name, chat_id)
        if thread is None:
            return response.json({"messages": []})
        messages = await self.pipeline.store.messages.transcript(thread.id, after_id=after)
        return response.json({"messages": [message_json(m) for m in messages]})

    async def events(self, request: Request) -> None:
        """Stream messages pushed to this chat, after catching up from `after`."""
        chat_id = _chat_id(request.args.get("chat_id"))
        after = _after(request)
        queue: asyncio.Queue[StoredMessage] = asyncio.Queue()
        self._listeners.setdefault(chat_id, set()).add(queue)
        stream = await request.respond(
            content_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        try:
            await stream.send(": connected\n\n")
            thread = await self.pipeline.store.threads.open_thread(self.name, chat_id)
            if thread is not None:
                for message in await self.pipeline.store.messages.transcript(
                    thread.id, after_id=after
                ):
                    await stream.send(_event(message))
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    await stream.send(": heartbeat\n\n")
                    continue
                await stream.send(_event(message))
        finally:
            listeners = self._listeners.get(chat_id, set())
            listeners.discard(queue)
            if not listeners:
                self._listeners.pop(chat_id, None)

    async def push(self, thread: Thread, message: StoredMessage) -> str | None:
        """Send a message to every open page of this chat."""
        listeners = self._listeners.get(thread.chat_id)
        if not listeners:
            raise CannotPush("no chat page is open for this customer")
        for queue in listeners:
            queue.put_nowait(message)
        return None


def _event(message: StoredMessage) -> str:
    return f"id: {message.id}\nevent: message\ndata: {json.dumps(message_json(message))}\n\n"


def _chat_id(value: Any) -> str:
    if not isinstance(value, str) or not CHAT_ID.fullmatch(value):
        raise BadRequest("chat_id must be 16 to 64 letters, digits, '-' or '_'")
    return value


def _language(request: Request) -> dict[str, Any]:
    """The browser's preferred language ("en" from "en-GB,en;q=0.9"), for routing."""
    first = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
    primary = first.strip().split("-")[0].lower()
    return {"language": primary} if LANGUAGE.fullmatch(primary) else {}


def _after(request: Request) -> int:
    raw = request.args.get("after") or request.headers.get("last-event-id") or "0"
    return id_argument("after", raw)
