"""rasa's REST channel, payload for payload, so existing rasa clients work unchanged.

POST /webhooks/rest/webhook  {"sender": "...", "message": "..."}
  -> [{"recipient_id": "...", "text": "..."}, ...]

Two optional fields beyond rasa's: `metadata` (kept with the message, as in rasa)
and `message_id` (a client's id for the delivery: a retry is answered once).
Each answer carries a W3C `Server-Timing` header with the time its stages took
(`store.inbound;dur=1.20, engine.nlu;dur=9.80, ...`: `bot.bench.stages.PIPELINE_HOOKS`).
"""

from __future__ import annotations

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.channels.base import (
    ChannelAdapter,
    handler,
    read_body,
    register,
)
from bot.web.schemas import REST_MESSAGE
from core import timing
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
        timings = timing.start()
        with timing.stage("channel.parse"):
            body = read_body(request, REST_MESSAGE)
            sender = body["sender"]
            inbound = Inbound(
                channel=self.name,
                chat_id=sender,
                sender_id=sender,
                text=body["message"],
                message_id=body.get("message_id"),
                metadata=body.get("metadata") or {},
            )
        replies = await self.pipeline.handle(inbound, delivered_in_response=True)
        with timing.stage("delivery"):
            answer = response.json(
                [
                    {"recipient_id": sender, "text": reply.text, **(reply.payload or {})}
                    for reply in replies
                ]
            )
        answer.headers["Server-Timing"] = timings.header()
        return answer
