"""A new model replaces the running one under traffic, and nothing is dropped.

While customers write continuously over HTTP (several at once), a designer asks the
bot to reload its model. Every message must get a 200 with an answer, every one of
them must be stored with its answers, and a conversation started before the reload
must carry on after it (rasa's tracker store is shared by the old and new agent).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.designer_servers import Designer, say, tiny_server
from tests.servers import LiveServer

# Messages that rules answer wherever they come in a conversation.
TRAFFIC = [
    ("how often should I water my plants", "Most houseplants like water"),
    ("are you a bot?", "I'm a bot, powered by Rasa."),
    ("bye", "Goodbye, and happy gardening."),
]
CUSTOMERS = 3


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    with tiny_server(tmp_path_factory, "hot-reload") as started:
        yield started


@dataclass
class Sent:
    """One message of the traffic and what came back."""

    sender: str
    text: str
    expected: str
    started: float
    finished: float = 0.0
    status: int = 0
    answers: list[str] = field(default_factory=list)


def customer(server: LiveServer, sender: str, stop: threading.Event, log: list[Sent]) -> None:
    """Write one message after another until told to stop."""
    with httpx.Client(base_url=server.url, timeout=60) as http:
        index = 0
        while not stop.is_set():
            text, expected = TRAFFIC[index % len(TRAFFIC)]
            sent = Sent(sender, text, expected, time.monotonic())
            try:
                reply = http.post(
                    "/webhooks/rest/webhook",
                    json={"sender": sender, "message": text, "message_id": f"{sender}-{index}"},
                )
                sent.status = reply.status_code
                if reply.status_code == 200:
                    sent.answers = [answer.get("text", "") for answer in reply.json()]
            except httpx.HTTPError as error:
                sent.answers = [f"failed: {error!r}"]
            sent.finished = time.monotonic()
            log.append(sent)
            index += 1


def test_reloading_under_traffic_loses_no_message_and_no_conversation(
    running: tuple[LiveServer, Path],
) -> None:
    server, _ = running
    designer = Designer(server)
    assert say(server, "ivy", "hello") == ["Hello! How are your plants today?"]
    assert say(server, "ivy", "I am sad")[-1] == "Did that help?"
    before = designer.call("GET", "/model")
    assert isinstance(before, dict)

    stop = threading.Event()
    log: list[Sent] = []
    threads = [
        threading.Thread(target=customer, args=(server, f"load-{n}", stop, log))
        for n in range(CUSTOMERS)
    ]
    for thread in threads:
        thread.start()
    while len(log) < 2 * CUSTOMERS:  # traffic is flowing
        time.sleep(0.05)
    reload_started = time.monotonic()
    after = designer.call("POST", "/model/reload")
    reload_finished = time.monotonic()
    seen = len(log)
    while len(log) < seen + 2 * CUSTOMERS:  # and keeps flowing on the new model
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(60)

    assert isinstance(after, dict) and after["reloads"] == before["reloads"] + 1
    assert after["loaded_at"] != before["loaded_at"]
    failed = [s for s in log if s.status != 200 or len(s.answers) != 1]
    assert not failed, failed[:5]
    wrong = [s for s in log if not s.answers[0].startswith(s.expected)]
    assert not wrong, wrong[:5]
    during = [s for s in log if s.started < reload_finished and s.finished > reload_started]
    assert during, "no message was in flight while the model was reloading"

    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
        answers_per_message = [
            count
            for (count,) in db.execute(
                "SELECT COUNT(r.id) FROM messages m JOIN threads t ON t.id = m.thread_id"
                " LEFT JOIN messages r ON r.reply_to_id = m.id"
                " WHERE m.author = 'customer' AND t.chat_id LIKE 'load-%' GROUP BY m.id"
            )
        ]
    assert len(answers_per_message) == len(log)  # each message stored once
    assert set(answers_per_message) == {1}  # each with its answer stored

    # Ivy's conversation began on the old model and goes on on the new one.
    assert say(server, "ivy", "yes") == ["Lovely, keep growing!"]


def test_a_missing_model_is_refused_and_the_running_one_stays(
    running: tuple[LiveServer, Path],
) -> None:
    server, project = running
    designer = Designer(server)
    nlu = project / "data" / "nlu.yml"
    original = nlu.read_text()
    nlu.write_text(original + "\n")  # the files changed: their model is not trained
    try:
        reply = designer.http.post("/model/reload")
    finally:
        nlu.write_text(original)
    assert reply.status_code == 503 and "train first" in reply.json()["error"]
    assert say(server, "max", "hello") == ["Hello! How are your plants today?"]
