"""What each route's JSON body may hold: read by `read_body`, printed in the OpenAPI document.

Text lengths are the framework's defaults (`limits.max_message_chars` is 4096); a
lower configured limit is still enforced later, with 413 for a customer's message.
"""

from __future__ import annotations

from bot.authoring.domain_file import MAX_TEMPLATE_CHARS
from bot.web.validation import Body, Boolean, FreeObject, Integer, ListOf, Text, TextOrNumber

MAX_TEXT_CHARS = 4096
# A customer's message is bounded by the request's size here; `limits.max_message_chars`
# then answers 413 (`bot.pipeline.check_text`).
MAX_CUSTOMER_TEXT = 64 * 1024
MAX_NAME_CHARS = 64
MAX_IDS = 200

CLIENT_ID = TextOrNumber(200, "the client's id: a string, or a number kept as its digits")

REST_MESSAGE = Body(
    {
        "sender": CLIENT_ID,
        "message": Text(MAX_CUSTOMER_TEXT, non_blank=True, description="the message"),
        "metadata": FreeObject(8, 8192, "kept with the message, as in rasa"),
        "message_id": CLIENT_ID,
        "chat": TextOrNumber(
            200, "a shared chat (a group) it was said in; the sender's own chat if absent"
        ),
    },
    required=("sender", "message"),
)
WEBCHAT_CHAT_ID = Text(64, 16, r"[A-Za-z0-9_-]{16,64}", description="the page's chat id")
WEBCHAT_MESSAGE = Body(
    {
        "chat_id": WEBCHAT_CHAT_ID,
        "text": Text(MAX_CUSTOMER_TEXT, non_blank=True, description="the message"),
        "message_id": CLIENT_ID,
    },
    required=("chat_id", "text"),
)
AGENT_TEXT = Body(
    {"text": Text(MAX_TEXT_CHARS, non_blank=True, description="the message")},
    required=("text",),
)
TRANSFER = Body(
    {
        "agent": Text(MAX_NAME_CHARS, description="an agent's login"),
        "team": Text(MAX_NAME_CHARS, description="a team's name"),
        "reason": Text(500, description="why, shown to the agent who takes it"),
    },
    description="exactly one of agent or team",
)
PRESENCE = Body(
    {"presence": Text(16, choices=("online", "away", "offline"))}, required=("presence",)
)
SIGN_IN = Body(
    {
        "login": Text(MAX_NAME_CHARS, non_blank=True, description="the agent's login"),
        "password": Text(1024, description="their password"),
    },
    required=("login", "password"),
)
SNIPPET = Body(
    {
        "title": Text(128, non_blank=True, description="a short name"),
        "text": Text(MAX_TEXT_CHARS, non_blank=True, description="the answer"),
    },
    required=("title", "text"),
)
MESSAGE_IDS = ListOf(Integer(description="a message id"), MAX_IDS)
INBOX_ASSIGN = Body(
    {
        "message_ids": MESSAGE_IDS,
        "intent": Text(MAX_NAME_CHARS, description="an existing intent, or a new one's name"),
        "new": Boolean("create the intent"),
        "despite_warnings": Boolean("add examples that look like another intent's"),
        "answer": FreeObject(2, 64 * 1024, "a new intent's answer: a text per brand language"),
    },
    required=("message_ids", "intent"),
)
INBOX_DISMISS = Body({"message_ids": MESSAGE_IDS}, required=("message_ids",))
TEMPLATE_TEXTS = Body(
    {
        "language": Text(8, description="a brand language"),
        # an empty variant is named by the template check ("variant 2 is empty")
        "texts": ListOf(Text(MAX_TEMPLATE_CHARS, min_length=0), 50),
        "remove_variants": Boolean("allow fewer texts than the language has variants"),
    },
    required=("language", "texts"),
)
WEBCHAT_ACKS = Body(
    {
        "chat_id": WEBCHAT_CHAT_ID,
        "ids": ListOf(Integer(description="a message the page showed"), 500, min_items=0),
    },
    required=("chat_id", "ids"),
)
WEBCHAT_CONTACT = Body(
    {
        "chat_id": WEBCHAT_CHAT_ID,
        "name": Text(200, min_length=0, description="how the customer would like to be called"),
        "contact": Text(320, min_length=0, description="an e-mail address or Telegram username"),
    },
    required=("chat_id",),
)
