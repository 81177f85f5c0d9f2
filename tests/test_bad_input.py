"""Input that once gave 500 (issue 11, finding 4): each gets a 4xx naming what was wrong,
and nothing is stored; on SQLite and PostgreSQL, through the real server."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.servers import LiveServer
from tests.test_rest_channel import new_sender, send, stored_messages

DEEP_LIST = "[" * 1000 + "]" * 1000
LONE_SURROGATE = r"\ud800"  # as JSON writes it: json.loads makes an unencodable str


def deep_object(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


def raw(server: LiveServer, path: str, body: str, token: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.url}{path}", content=body.encode(), headers=headers, timeout=60)


def refused(reply: httpx.Response, *words: str, status: int = 400) -> None:
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert all(word in error for word in words), error


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (DEEP_LIST, ("nested",)),
        ('{"sender": "x", "message": "hi", "metadata": {"a": ' + DEEP_LIST + "}}", ("nested",)),
        (f'{{"sender": "x", "message": "hi {LONE_SURROGATE}"}}', ("'message'", "U+D800")),
        (f'{{"sender": "x{LONE_SURROGATE}", "message": "hi"}}', ("'sender'", "U+D800")),
        ('{"sender": "x", "message": "hi \\u0000 there"}', ("'message'", "U+0000")),
        ('{"sender": ' + "9" * 5000 + ', "message": "hi"}', ("not valid JSON",)),
        ('{"sender": "x", "message": "hi", "metadata": {"k\\ud800": 1}}', ("metadata",)),
    ],
    ids=["1000-deep", "deep-metadata", "surrogate-text", "surrogate-sender", "nul-text",
         "huge-number", "surrogate-key"],
)  # fmt: skip
def test_rest_refuses_what_the_store_cannot_keep(
    server: LiveServer, body: str, words: tuple[str, ...]
) -> None:
    before = stored_messages(server)
    refused(raw(server, "/webhooks/rest/webhook", body), *words)
    assert stored_messages(server) == before


@pytest.mark.parametrize(
    ("metadata", "words"),
    [
        (deep_object(500), ("nested",)),
        (deep_object(9), ("'metadata'", "8 levels")),
        ({"blob": "x" * 9000}, ("'metadata'", "8192")),
    ],
    ids=["500-deep", "9-deep", "too-big"],
)
def test_metadata_is_bounded_before_it_is_stored(
    server: LiveServer, metadata: dict[str, Any], words: tuple[str, ...]
) -> None:
    before = stored_messages(server)
    body = {"sender": new_sender(), "message": "hello", "metadata": metadata}
    if len(words) == 1:  # 500 deep: too deep for json.dumps, so written by hand
        text = '{"sender": "x", "message": "hi", "metadata": ' + '{"a": ' * 500 + "{}" + "}" * 501
        refused(raw(server, "/webhooks/rest/webhook", text), *words)
    else:
        refused(send(server, body), *words)
    assert stored_messages(server) == before
    fine = send(server, {**body, "metadata": deep_object(3)})
    assert fine.status_code == 200 and stored_messages(server) > before


def test_web_chat_refuses_deep_bodies_surrogates_and_huge_ids(server: LiveServer) -> None:
    chat_id = uuid.uuid4().hex
    before = stored_messages(server)
    refused(raw(server, "/chat/api/messages", DEEP_LIST), "nested")
    text = f'{{"chat_id": "{chat_id}", "text": "{LONE_SURROGATE}"}}'
    refused(raw(server, "/chat/api/messages", text), "'text'")
    nul = f'{{"chat_id": "{chat_id}", "text": "a\\u0000"}}'
    refused(raw(server, "/chat/api/messages", nul), "'text'")
    assert stored_messages(server) == before
    for after in (str(2**63), str(2**31), "1" * 5000):
        listed = httpx.get(f"{server.url}/chat/api/messages?chat_id={chat_id}&after={after}")
        refused(listed, "'after'")


THREAD_ROUTES = [
    ("GET", "/agents/api/threads/{id}"),
    ("GET", "/agents/api/threads/{id}/history"),
    ("GET", "/agents/api/reports/threads/{id}"),
    *[("POST", f"/agents/api/threads/{{id}}/{action}")
      for action in ("claim", "reply", "notes", "transfer", "resolve", "hand-back")],
]  # fmt: skip


@pytest.mark.parametrize("thread_id", [2**31, 2**63, 2**70, -1, 0])
def test_thread_ids_outside_the_id_column_are_refused(server: LiveServer, thread_id: int) -> None:
    token = server.token("sam")
    for method, path in THREAD_ROUTES:
        url = server.url + path.format(id=thread_id)
        reply = httpx.request(
            method, url, json={"text": "hi"}, headers={"Authorization": f"Bearer {token}"}
        )
        refused(reply, "thread_id", "2147483647")
    refused(
        httpx.delete(
            f"{server.url}/agents/api/snippets/{2**63}",
            headers={"Authorization": f"Bearer {token}"},
        ),
        "snippet_id",
    )


def escalated_thread(server: LiveServer, token: str) -> int:
    """A thread handed to people and claimed by the supervisor."""
    sender = new_sender()
    for text in ("I want to talk to a human", "a real person please, now"):
        assert send(server, {"sender": sender, "message": text}).status_code == 200
    queue = httpx.get(
        f"{server.url}/agents/api/queue", headers={"Authorization": f"Bearer {token}"}
    ).json()
    thread = next(t for t in queue if t["chat_id"] == sender)
    claimed = httpx.post(
        f"{server.url}/agents/api/threads/{thread['id']}/claim",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert claimed.status_code == 200, claimed.text
    return int(thread["id"])


def test_agents_texts_and_transfers_are_checked_and_nothing_is_stored(
    server: LiveServer,
) -> None:
    token = server.token("sam")
    thread_id = escalated_thread(server, token)
    before = stored_messages(server)
    base = f"/agents/api/threads/{thread_id}"
    for action in ("reply", "notes"):
        for text, words in (
            (f'{{"text": "hi {LONE_SURROGATE}"}}', ("'text'", "U+D800")),
            ('{"text": "hi \\u0000"}', ("'text'", "U+0000")),
            ('{"text": ' + DEEP_LIST + "}", ("nested",)),
        ):
            refused(raw(server, f"{base}/{action}", text, token), *words)
    for body, field in (
        ('{"team": "billing", "reason": 5}', "'reason'"),
        ('{"team": ["billing"]}', "'team'"),
        ('{"agent": {"login": "ana"}}', "'agent'"),
        (f'{{"team": "billing", "reason": "{LONE_SURROGATE}"}}', "'reason'"),
    ):
        refused(raw(server, f"{base}/transfer", body, token), field)
    snippet = f'{{"title": "t{LONE_SURROGATE}", "text": "x"}}'
    refused(raw(server, "/agents/api/snippets", snippet, token), "'title'")
    assert stored_messages(server) == before
    thread = httpx.get(f"{server.url}{base}", headers={"Authorization": f"Bearer {token}"})
    assert thread.json()["state"] == "with_agent" and thread.json()["team"] != "billing"
    snippets = httpx.get(
        f"{server.url}/agents/api/snippets", headers={"Authorization": f"Bearer {token}"}
    )
    assert all("\ud800" not in s["title"] for s in snippets.json())
    ok = raw(server, f"{base}/reply", '{"text": "Hello, I am here."}', token)
    assert ok.status_code == 201 and stored_messages(server) == before + 1


def test_query_text_with_nul_is_refused(server: LiveServer) -> None:
    token = server.token("sam")
    reply = httpx.get(
        f"{server.url}/agents/api/reports/threads?q=a%00b",
        headers={"Authorization": f"Bearer {token}"},
    )
    refused(reply, "'q'")


def test_a_method_not_allowed_says_which_are(server: LiveServer) -> None:
    reply = httpx.get(f"{server.url}/webhooks/rest/webhook")
    assert reply.status_code == 405 and reply.headers["allow"] == "POST"
    assert "error" in reply.json()
    claim = httpx.put(f"{server.url}/agents/api/threads/1/claim")
    assert claim.status_code == 405 and claim.headers["allow"] == "POST"
