"""Custom actions that fail, through the real server on a project made to fail.

The project (`tests/faulty_project.py`) has an action that raises, one that blocks its
thread for an hour and one that awaits for an hour. Each customer gets an apology
in their language and a person ("the bot failed" on the queue card); while an action
blocks, other conversations are answered as usual.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.default_templates import DEFAULT_TEXTS, DEFAULT_TRANSLATIONS
from tests.faulty_project import faulty_project
from tests.servers import LiveServer, live_server

ACTION_LIMIT_SECONDS = 1
WATERING = "Most houseplants like water once the top of the soil is dry."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The faulty project served in English and Spanish, with a short action limit."""
    project = faulty_project()
    workdir = tmp_path_factory.mktemp("faulty-server")
    started = workdir / "started"
    started.mkdir()
    env = {
        "BOT_BRAND_LANGUAGES": "en,es",
        "BOT_ENGINE_ACTION_TIMEOUT_SECONDS": str(ACTION_LIMIT_SECONDS),
        "BOT_ENGINE_REPLY_TIMEOUT_SECONDS": "12",
        "FAULTY_ACTIONS_STARTED": str(started),
    }
    with live_server(
        workdir, f"sqlite:///{workdir / 'bot.db'}", extra_env=env, timeout=600,
        args=["--project", str(project)],
    ) as running:  # fmt: skip
        yield running


def say(server: LiveServer, sender: str, text: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )


def texts(reply: httpx.Response) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [answer.get("text", "") for answer in reply.json()]


def queue_card(server: LiveServer, sender: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {server.token('sam')}"}
    queue = httpx.get(f"{server.url}/agents/api/queue", headers=headers, timeout=60).json()
    (card,) = [thread for thread in queue if thread["chat_id"] == sender]
    return card  # type: ignore[no-any-return]


def wait_for_start(server: LiveServer, action: str, before: set[Path]) -> None:
    """Until the blocking action has begun (it leaves a file), within the action limit."""
    folder = Path(server.env["FAULTY_ACTIONS_STARTED"])
    deadline = time.monotonic() + 30
    while not {p for p in folder.glob(f"{action}-*")} - before:
        assert time.monotonic() < deadline, "the action never started"
        time.sleep(0.05)


def test_an_action_that_raises_gets_an_apology_and_a_person(server: LiveServer) -> None:
    sender = f"es-{uuid.uuid4().hex[:8]}"
    answer = texts(say(server, sender, "¿tenéis helechos en stock?"))

    assert answer[0] == DEFAULT_TRANSLATIONS["es"]["utter_handoff_bot_failed"]
    # then where the thread went (nobody is online: when) and how to leave a contact
    assert len(answer) == 3
    assert answer[2] == DEFAULT_TRANSLATIONS["es"]["utter_handoff_leave_contact"]
    card = queue_card(server, sender)
    assert card["state"] == "queued" and card["language"] == "es"
    reason = card["escalation"]["reason"]
    assert reason.startswith("the bot failed (action_check_stock raised RuntimeError")


def test_while_an_action_blocks_other_conversations_are_answered(server: LiveServer) -> None:
    folder = Path(server.env["FAULTY_ACTIONS_STARTED"])
    before = set(folder.glob("action_track_parcel-*"))
    blocked_sender = f"blocked-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(6) as pool:
        started = time.monotonic()
        blocked = pool.submit(say, server, blocked_sender, "where is my parcel")
        wait_for_start(server, "action_track_parcel", before)
        others = [
            pool.submit(say, server, f"other-{i}-{uuid.uuid4().hex[:6]}", "watering tips")
            for i in range(5)
        ]
        replies = [other.result() for other in others]
        others_done = time.monotonic() - started
        blocked_reply = blocked.result()

    answered = sum(1 for r in replies if r.status_code == 200 and WATERING in texts(r))
    # The action sleeps for an hour: everything here happens while it blocks its thread.
    print(f"answered while an action blocked: {answered}/5 in {others_done:.1f} s")
    assert answered == 5, [(r.status_code, r.text[:80]) for r in replies]
    assert texts(blocked_reply)[0] == DEFAULT_TEXTS["utter_handoff_bot_failed"]
    reason = queue_card(server, blocked_sender)["escalation"]["reason"]
    assert (
        reason == f"the bot failed (action_track_parcel took longer than {ACTION_LIMIT_SECONDS} s)"
    )


def test_an_action_awaiting_forever_is_cut_off_at_the_limit(server: LiveServer) -> None:
    sender = f"repair-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    answer = texts(say(server, sender, "book a repair for my watering can"))
    took = time.monotonic() - started

    assert answer[0] == DEFAULT_TEXTS["utter_handoff_bot_failed"]
    assert ACTION_LIMIT_SECONDS <= took < ACTION_LIMIT_SECONDS + 5
    reason = queue_card(server, sender)["escalation"]["reason"]
    assert (
        reason == f"the bot failed (action_book_repair took longer than {ACTION_LIMIT_SECONDS} s)"
    )
    # The engine's loop was never held: another customer is answered at once.
    assert WATERING in texts(say(server, f"after-{sender}", "watering tips"))
