"""rasa's REST channel, payload for payload, so existing rasa clients work unchanged.

POST /webhooks/rest/webhook  {"sender": "...", "message": "..."}
  -> [{"recipient_id": "...", "text": "..."}, ...]

Optional fields beyond rasa's: `metadata` (kept with the message, as in rasa),
`message_id` (a client's id for the delivery: a retry is answered once) and `chat`,
for a client that bridges a place where many people write (a group, a post's
comments): the sender's thread there is `<chat>/<sender>`, apart from their own chat
(`sender`). With `metadata: {public: true, private_link: URL}` a complaint there is
answered in public with the link; the sender's next message in their own chat with
`metadata: {continue_from: <chat>}` carries the complaint over (as Telegram's deep link).
With `channels.rest.server_timing: true` (the bench sets it), each answer carries a W3C
`Server-Timing` header with the time its stages took (`store.inbound;dur=1.20,
engine.nlu;dur=9.80, ...`: `bot.bench.stages.PIPELINE_HOOKS`); it is off by default, since
the callers are customers.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.channels.base import (
    ChannelAdapter,
    handler,
    read_body,
    register,
)
from bot.config import Settings
from bot.web.schemas import REST_MESSAGE
from core import timing
from core.errors import ConfigError
from core.messages import Inbound

SWITCH = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@register
class RestChannel(ChannelAdapter):
    """Request/response chat over HTTP JSON, compatible with rasa's `rest` channel."""

    name = "rest"

    def __init__(self, options: dict[str, Any], server_timing: bool = False) -> None:
        super().__init__(options)
        self.server_timing = server_timing  # answers say where their time went

    @classmethod
    def from_settings(cls, options: dict[str, Any], settings: Settings) -> RestChannel:
        """The channel; `server_timing` (true or false) switches the timing header on."""
        value = options.get("server_timing", False)
        switch = SWITCH.get(str(value).lower()) if isinstance(value, (bool, str)) else None
        if switch is None:
            key = "channels.rest.server_timing"
            raise ConfigError(settings.source, key, f"must be true or false, not {value!r}")
        return cls(options, server_timing=switch)

    def blueprint(self) -> Blueprint:
        """`GET /webhooks/rest/` (health) and `POST /webhooks/rest/webhook`."""
        routes = Blueprint("channel_rest", url_prefix="/webhooks/rest")
        routes.add_route(handler(self.health), "/", methods=["GET"])
        routes.add_route(handler(self.receive), "/webhook", methods=["POST"])
        return routes

    async def health(self, request: Request) -> HTTPResponse:
        """Rasa's channel health check."""
        return response.json({"status": "ok"})

    async def receive(self, request: Request) -> HTTPResponse:
        """Answer one message with the bot's replies."""
        timings = timing.start() if self.server_timing else None  # off: nothing timed
        with timing.stage("channel.parse"):
            body = read_body(request, REST_MESSAGE)
            sender = body["sender"]
            metadata = dict(body.get("metadata") or {})
            if isinstance(metadata.get("continue_from"), str):
                metadata["continue_from"] = chat_of(metadata["continue_from"], sender)
            chat = body.get("chat")
            inbound = Inbound(
                channel=self.name,
                chat_id=chat_of(chat, sender) if chat else sender,
                sender_id=sender,
                text=body["message"],
                message_id=body.get("message_id"),
                metadata=metadata,
            )
        replies = await self.pipeline.handle(inbound, delivered_in_response=True)
        with timing.stage("delivery"):
            answer = response.json(
                [
                    {"recipient_id": sender, "text": reply.text, **(reply.payload or {})}
                    for reply in replies
                ]
            )
        if timings is not None:
            answer.headers["Server-Timing"] = timings.header()
        return answer


def chat_of(chat: str, sender: str) -> str:
    """The framework's chat id for a sender in a shared chat (as Telegram's groups)."""
    return f"{chat}/{sender}"
