"""rasa's REST channel, payload for payload, so existing rasa clients work unchanged.

POST /webhooks/rest/webhook  {"sender": "...", "message": "..."}
  -> [{"recipient_id": "...", "text": "..."}, ...]

Two optional fields beyond rasa's: `metadata` (kept with the message, as in rasa)
and `message_id` (a client's id for the delivery: a retry is answered once).
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.channels.base import (
    ChannelAdapter,
    handler,
    optional_id_field,
    read_json_object,
    register,
    text_field,
)
from core.errors import BadRequest
from core.messages import Inbound


@register
class RestChannel(ChannelAdapter):
    """Request/response chat over HTTP JSON, compatible with rasa's `rest` channel."""

    name = "rest"

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
        body = read_json_object(
            request, required=("sender", "message"), optional=("metadata", "message_id")
        )
        sender = optional_id_field(body, "sender")
        if sender is None:
            raise BadRequest("field 'sender' must be a non-empty string or a number")
        metadata: Any = body.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise BadRequest("field 'metadata' must be a JSON object")
        inbound = Inbound(
            channel=self.name,
            chat_id=sender,
            sender_id=sender,
            text=text_field(body, "message"),
            message_id=optional_id_field(body, "message_id"),
            metadata=metadata,
        )
        replies = await self.pipeline.handle(inbound, delivered_in_response=True)
        return response.json(
            [
                {"recipient_id": sender, "text": reply.text, **(reply.payload or {})}
                for reply in replies
            ]
        )
