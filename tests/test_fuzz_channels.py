"""Property-based fuzzing of the public channels' payloads against the real server over
HTTP (the Telegram webhook's is in `test_telegram_webhook.py`): whatever the body, the
answer is never a 5xx, a refusal is a 4xx JSON `{"error": ...}`, and a refused message
stores nothing. Derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.servers import LiveServer
from tests.test_rest_channel import stored_messages

# Any character, lone surrogates and NUL included: json.dumps writes them as escapes.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELD = JSON | ANY_TEXT | st.just("hello")
DEEP = st.integers(30, 1200).map(lambda depth: "[" * depth + "]" * depth)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def body_text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body)


def bodies(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[str]:
    """Bodies of the channel's shape with fuzzed fields, any JSON, or very deep JSON."""
    shaped = st.fixed_dictionaries(required, optional={**optional, "extra": JSON})
    return (shaped | JSON).map(body_text) | DEEP | st.text(max_size=30)


def post_is_safe(server: LiveServer, path: str, body: str) -> None:
    before = stored_messages(server)
    reply = httpx.post(
        f"{server.url}{path}",
        content=body.encode("utf-8", "surrogatepass"),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert reply.status_code < 500, (body[:300], reply.text)
    if reply.status_code >= 400:
        assert isinstance(reply.json()["error"], str), reply.text
        assert stored_messages(server) == before, body[:300]


@FUZZ
@given(
    body=bodies(
        {"sender": FIELD, "message": FIELD},
        {"metadata": JSON | st.just({"language": "en"}), "message_id": FIELD},
    )
)
def test_rest_payloads_never_break_the_server(live_server_sqlite: LiveServer, body: str) -> None:
    post_is_safe(live_server_sqlite, "/webhooks/rest/webhook", body)


@FUZZ
@given(
    body=bodies(
        {"chat_id": FIELD | st.just("fuzz-chat-0123456789"), "text": FIELD},
        {"message_id": FIELD},
    )
)
def test_web_chat_payloads_never_break_the_server(
    live_server_sqlite: LiveServer, body: str
) -> None:
    post_is_safe(live_server_sqlite, "/chat/api/messages", body)


@FUZZ
@given(after=ANY_TEXT | st.integers().map(str), chat_id=ANY_TEXT)
def test_web_chat_queries_never_break_the_server(
    live_server_sqlite: LiveServer, after: str, chat_id: str
) -> None:
    params = {"chat_id": chat_id.encode("utf-8", "surrogatepass"), "after": after.encode(
        "utf-8", "surrogatepass")}  # fmt: skip
    reply = httpx.get(f"{live_server_sqlite.url}/chat/api/messages", params=params, timeout=30)
    assert reply.status_code < 500, reply.text
