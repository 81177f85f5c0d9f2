"""The designers' side against a live bot serving a rasa project from elsewhere.

The bot runs `python -m bot run --project DIR` on a copy of the tiny rasa 3.x
project (tests/fixtures/tiny_project, trained once by `python -m bot train
--project`), unchanged: no handoff templates in its domain, no handoff.yml of its
own but the test agents with a designer, Dana. Customers write over REST; Dana
works through /designer/api.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.authoring import yaml_files
from handoff.default_templates import DEFAULT_TEXTS
from tests.designer_servers import Designer, say, tiny_server
from tests.servers import ROOT, LiveServer

GIBBERISH = "xqzv blorp wibble"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    with tiny_server(tmp_path_factory, "designer-api") as started:
        yield started


@pytest.fixture
def server(running: tuple[LiveServer, Path]) -> LiveServer:
    return running[0]


@pytest.fixture
def project(running: tuple[LiveServer, Path]) -> Path:
    return running[1]


@pytest.fixture
def dana(server: LiveServer) -> Designer:
    return Designer(server)


def inbox(dana: Designer) -> list[dict[str, Any]]:
    found = dana.call("GET", "/inbox")
    assert isinstance(found, dict)
    return [message for group in found["groups"] for message in group["messages"]]


def database(server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(server.database_url.removeprefix("sqlite:///"))


# A rasa project from elsewhere


def test_a_foreign_rasa_project_is_trained_and_answers_unchanged(
    server: LiveServer, project: Path
) -> None:
    assert not list((ROOT / "tests" / "fixtures" / "tiny_project").glob("models"))
    assert say(server, "kim", "hello") == ["Hello! How are your plants today?"]
    assert say(server, "kim", "I am sad") == [
        "Here's a fern to cheer you up. Ferns forgive everything.",
        "Did that help?",
    ]
    assert say(server, "kim", "yes") == ["Lovely, keep growing!"]  # the story goes on
    assert "built-in texts" in server.log()  # the warning about the handoff's notices


def test_the_handoff_speaks_with_built_in_texts_when_the_domain_has_none(
    server: LiveServer,
) -> None:
    notices = say(server, "lee", "I want to talk to a real person please")
    defaults = {DEFAULT_TEXTS[name].split("{")[0][:30] for name in DEFAULT_TEXTS}
    assert notices  # when, then (nobody being online) how to leave a contact
    for notice in notices:
        assert any(notice.startswith(start) for start in defaults), notice


def test_validate_runs_rasas_checks_and_ours_on_a_foreign_project(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", "--project", str(project)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr  # warnings only
    assert f"{project / 'data' / 'nlu.yml'}:71: warning: intent 'bot_challenge' has 5" in (
        result.stdout
    )
    assert "0 errors" in result.stdout

    broken = project.parent / "broken"
    subprocess.run(["cp", "-r", str(project), str(broken)], check=True)
    rules = broken / "data" / "rules.yml"
    rules.write_text(rules.read_text().replace("action: utter_watering", "action: utter_water"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "validate", "--project", str(broken)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"{rules}:18: error: 'utter_water' is used here but the domain" in result.stdout
    assert "rasa (" in result.stdout  # rasa's own validator ran too


# Who may do what


def test_designers_and_supervisors_only_and_designers_see_no_threads(server: LiveServer) -> None:
    def status(login: str, path: str) -> int:
        headers = {"Authorization": f"Bearer {server.token(login)}"}
        return httpx.get(f"{server.url}{path}", headers=headers, timeout=30).status_code

    assert status("ana", "/designer/api/inbox") == 403
    assert status("sam", "/designer/api/inbox") == 200
    assert status("dana", "/designer/api/inbox") == 200
    assert status("dana", "/agents/api/queue") == 403
    assert status("dana", "/agents/api/events") == 403
    me = httpx.get(
        f"{server.url}/agents/api/me",
        headers={"Authorization": f"Bearer {server.token('dana')}"},
        timeout=30,
    ).json()
    assert me["role"] == "designer"
    assert httpx.get(f"{server.url}/designer/api/inbox", timeout=30).status_code == 401


# The review inbox


def test_a_missed_message_is_written_into_its_intents_file_and_leaves_the_inbox(
    server: LiveServer, project: Path, dana: Designer
) -> None:
    nlu = project / "data" / "nlu.yml"
    before = nlu.read_text()
    say(server, "mo", GIBBERISH)
    say(server, "mo", "xqzv blorp wibbles")
    (group,) = [
        g
        for g in dana.call("GET", "/inbox")["groups"]  # type: ignore[index]
        if any(m["text"] == GIBBERISH for m in g["messages"])
    ]
    texts = {m["text"] for m in group["messages"]}
    assert texts == {GIBBERISH, "xqzv blorp wibbles"}  # grouped as look-alikes
    reasons = {m["text"]: m["reasons"] for m in group["messages"]}
    assert reasons[GIBBERISH] == ["fallback"]
    assert reasons["xqzv blorp wibbles"][0].startswith(("fallback", "low confidence"))

    ids = [m["id"] for m in group["messages"]]
    written = dana.call("POST", "/inbox/assign", {"message_ids": ids, "intent": "watering"})
    assert written == {
        "intent": "watering",
        "file": str(nlu),
        "added": 2,
        "new_intent": False,
        "reviewed": 2,
        "template": None,
        "rules_file": None,
        "warnings": [],
    }
    after = nlu.read_text()
    assert after.startswith(before.split("- intent: watering")[0])  # untouched above
    assert after.endswith(f"    - {GIBBERISH}\n    - xqzv blorp wibbles\n")
    assert "- intent: affirm  # yes, in its many forms" in after
    assert not {m["id"] for m in inbox(dana)} & set(ids)
    with database(server) as db:
        rows = db.execute(
            "SELECT r.action, r.intent, a.login FROM reviews r"
            " JOIN agents a ON a.id = r.reviewer_id"
            f" WHERE r.message_id IN ({ids[0]}, {ids[1]})"
        ).fetchall()
    assert rows == [("assigned", "watering", "dana")] * 2

    again = dana.http.post("/inbox/assign", json={"message_ids": ids, "intent": "watering"})
    assert again.status_code == 404 and "reviewed already" in again.json()["error"]


def test_a_new_intent_is_created_only_when_asked_and_goes_to_the_domain(
    server: LiveServer, project: Path, dana: Designer
) -> None:
    say(server, "noor", "do you sell terracotta pots")
    (message,) = [m for m in inbox(dana) if m["text"] == "do you sell terracotta pots"]
    body = {"message_ids": [message["id"]], "intent": "pots"}
    refused = dana.http.post("/inbox/assign", json=body)
    assert refused.status_code == 404 and "no intent 'pots'" in refused.json()["error"]

    written = dana.call("POST", "/inbox/assign", {**body, "new": True})
    assert written["new_intent"] is True  # type: ignore[index]
    new_file = project / "data" / "nlu" / "pots.yml"
    assert written["file"] == str(new_file)  # type: ignore[index]
    assert "- do you sell terracotta pots" in new_file.read_text()
    assert "pots" in yaml_files.load(project / "domain.yml")["intents"]
    intents = dana.call("GET", "/intents")
    assert {"name": "pots", "examples": 1, "file": str(new_file)} in intents  # type: ignore[operator]


def test_an_example_of_another_intent_is_refused_and_dismissing_works(
    server: LiveServer, dana: Designer
) -> None:
    say(server, "oli", "qwop flib")
    say(server, "ola", "qwop flib")
    say(server, "oli", "zzkrr fnord")
    first, second = [m["id"] for m in inbox(dana) if m["text"] == "qwop flib"]
    dana.call("POST", "/inbox/assign", {"message_ids": [first], "intent": "watering"})
    clash = dana.http.post("/inbox/assign", json={"message_ids": [second], "intent": "greet"})
    assert clash.status_code == 409 and "already an example of 'watering'" in clash.json()["error"]

    (other,) = [m["id"] for m in inbox(dana) if m["text"] == "zzkrr fnord"]
    dana.call("POST", "/inbox/dismiss", {"message_ids": [other, second]})
    assert not {"zzkrr fnord", "qwop flib"} & {m["text"] for m in inbox(dana)}
    bad = dana.http.post("/inbox/assign", json={"message_ids": [], "intent": "x"})
    assert bad.status_code == 400


def test_an_escalated_message_is_in_the_inbox_with_the_reason(
    server: LiveServer, dana: Designer
) -> None:
    say(server, "pat", "this is ridiculous, my fern arrived dead and nobody answers!!!")
    (message,) = [m for m in inbox(dana) if m["text"].startswith("this is ridiculous")]
    assert any(reason.startswith("escalated: ") for reason in message["reasons"])


# Templates, validation, training


def test_a_template_is_edited_in_the_domain_with_comments_kept(
    project: Path, dana: Designer
) -> None:
    found = dana.call("GET", "/templates")
    assert found["languages"] == ["en"]  # type: ignore[index]
    names = [t["name"] for t in found["templates"]]  # type: ignore[index]
    assert "utter_watering" in names
    saved = dana.call(
        "PUT",
        "/templates/utter_iamabot",
        {"language": "en", "texts": ["I'm the Greenhouse's bot.", "A bot, yes."]},
    )
    assert saved["texts"] == {"en": ["I'm the Greenhouse's bot.", "A bot, yes."]}  # type: ignore[index]
    domain = (project / "domain.yml").read_text()
    assert (
        '  utter_iamabot:\n  - text: "I\'m the Greenhouse\'s bot."\n  - text: "A bot, yes."\n'
        in (domain)
    )
    assert "# The Greenhouse, a plant shop's small assistant." in domain
    wrong = dana.http.put("/templates/utter_iamabot", json={"language": "fr", "texts": ["Oui"]})
    assert wrong.status_code == 400 and "brand's languages" in wrong.json()["error"]


def test_validate_from_the_api_names_files_and_lines(project: Path, dana: Designer) -> None:
    result = dana.call("GET", "/validate?rasa=0")
    problems = result["problems"]  # type: ignore[index]
    few = [p for p in problems if "'bot_challenge' has 5 examples" in p["message"]]
    assert few and few[0]["path"] == str(project / "data" / "nlu.yml") and few[0]["line"] == 71


def test_training_from_the_api_reports_progress_and_the_new_model_answers(
    server: LiveServer, dana: Designer
) -> None:
    say(server, "quin", "glorbix hydration schedule")
    (message,) = [m for m in inbox(dana) if m["text"] == "glorbix hydration schedule"]
    dana.call("POST", "/inbox/assign", {"message_ids": [message["id"]], "intent": "watering"})
    before = dana.call("GET", "/model")
    assert before["up_to_date"] is False and before["trained"] is False  # type: ignore[index]

    started = dana.call("POST", "/train", status=202)
    assert started["state"] == "running"  # type: ignore[index]
    conflict = dana.http.post("/train")
    assert conflict.status_code == 409
    phases, percents = set(), set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = dana.call("GET", "/train")
        phases.add(status["phase"])  # type: ignore[index]
        percents.add(status["percent"])  # type: ignore[index]
        if status["state"] != "running":  # type: ignore[index]
            break
        time.sleep(0.5)
    assert status["state"] == "succeeded", status  # type: ignore[index]
    assert any(phase.startswith("training ") for phase in phases), phases
    assert percents - {None}, percents  # the run's one bar gives the percentage
    assert status["log"]  # type: ignore[index]

    after = dana.call("GET", "/model")
    assert after["up_to_date"] is True and after["reloads"] == before["reloads"] + 1  # type: ignore[index]
    assert after["model"] == status["model"] != before["model"]  # type: ignore[index]
    assert httpx.get(f"{server.url}/health", timeout=30).json()["model"] == after["model"]  # type: ignore[index]
    assert say(server, "rae", "glorbix hydration schedule") == [
        "Most houseplants like water once the top of the soil is dry."
    ]


def test_training_is_refused_while_the_data_has_errors(project: Path, dana: Designer) -> None:
    rules = project / "data" / "rules.yml"
    good = rules.read_text()
    rules.write_text(good.replace("action: utter_watering", "action: utter_water"))
    try:
        refused = dana.http.post("/train")
        assert refused.status_code == 422
        assert any(p["line"] == 18 for p in refused.json()["problems"])
    finally:
        rules.write_text(good)


# Issue 14: suggestions, misfits, a new intent's answer, checked template edits


def test_the_inbox_suggests_the_models_likeliest_intents_and_leaves_out_requests_routed_as_asked(
    server: LiveServer, dana: Designer
) -> None:
    say(server, "sol", "I want to talk to a real person please")  # escalated, as asked
    say(server, "sol2", "zorblax fern quibble")
    found = dana.call("GET", "/inbox")
    assert found["languages"] == ["en"]  # type: ignore[index]
    groups = found["groups"]  # type: ignore[index]
    texts = {m["text"] for g in groups for m in g["messages"]}
    assert "I want to talk to a real person please" not in texts
    (group,) = [
        g for g in groups if any(m["text"] == "zorblax fern quibble" for m in g["messages"])
    ]
    likely = group["suggestions"]
    assert 1 <= len(likely) <= 3
    assert all(0 < s["likelihood"] <= 1 for s in likely)
    assert [s["likelihood"] for s in likely] == sorted(
        (s["likelihood"] for s in likely), reverse=True
    )
    assert "nlu_fallback" not in {s["intent"] for s in likely}
    assert group["suggested_intent"] == likely[0]["intent"]


def test_an_example_that_looks_like_another_intents_is_refused_until_confirmed(
    server: LiveServer, project: Path, dana: Designer
) -> None:
    # Frustrated, so it is escalated and lands in the inbox; it is about watering.
    text = (
        "this is ridiculous!!! I've asked three times how often to water my fern "
        "and nobody tells me, terrible service!!!"
    )
    say(server, "tam", text)
    (listed,) = [m for m in inbox(dana) if m["text"] == text]
    body = {"message_ids": [listed["id"]], "intent": "greet"}
    refused = dana.http.post("/inbox/assign", json=body)
    assert refused.status_code == 409, refused.text
    (warning,) = refused.json()["warnings"]
    assert "far from the examples of 'greet'" in warning and "'watering'" in warning
    assert text not in (project / "data" / "nlu.yml").read_text()
    written = dana.call("POST", "/inbox/assign", {**body, "despite_warnings": True})
    assert written["warnings"] == [warning]  # type: ignore[index]
    assert f"- {text}" in (project / "data" / "nlu.yml").read_text()


def test_a_new_intent_gets_its_answer_and_rule_and_the_bot_answers_it_after_training(
    server: LiveServer, project: Path, dana: Designer
) -> None:
    text = "do you gift wrap parcels for birthdays"
    say(server, "uma", text)
    (message,) = [m for m in inbox(dana) if m["text"] == text]
    body = {"message_ids": [message["id"]], "intent": "gift_wrapping", "new": True}
    missing = dana.http.post("/inbox/assign", json={**body, "answer": {}})
    assert missing.status_code == 400 and "missing: en" in missing.json()["error"]
    html = dana.http.post("/inbox/assign", json={**body, "answer": {"en": "<b>Yes</b>"}})
    assert html.status_code == 400 and "<b> is HTML" in html.json()["error"]
    assert not (project / "data" / "nlu" / "gift_wrapping.yml").exists()  # nothing written

    answer = "Yes: every parcel can be gift wrapped for free, just ask at checkout."
    written = dana.call("POST", "/inbox/assign", {**body, "answer": {"en": answer}})
    assert written["template"] == "utter_gift_wrapping"  # type: ignore[index]
    rules = project / "data" / "rules.yml"
    assert written["rules_file"] == str(rules)  # type: ignore[index]
    assert rules.read_text().endswith(
        "  - action: utter_watering\n\n- rule: Answer gift_wrapping\n  steps:\n"
        "  - intent: gift_wrapping\n  - action: utter_gift_wrapping\n"
    )
    domain = (project / "domain.yml").read_text()
    assert f'  utter_gift_wrapping:\n  - text: "{answer}"\n' in domain
    assert "# The Greenhouse, a plant shop's small assistant." in domain
    again = dana.http.post("/inbox/assign", json={**body, "answer": {"en": answer}})
    assert again.status_code in (404, 409)  # reviewed already

    started = dana.call("POST", "/train", status=202)
    assert started["state"] == "running"  # type: ignore[index]
    deadline = time.monotonic() + 300
    status = started
    while time.monotonic() < deadline and status["state"] == "running":  # type: ignore[index]
        time.sleep(0.5)
        status = dana.call("GET", "/train")
    assert status["state"] == "succeeded", status  # type: ignore[index]
    assert say(server, "vic", text) == [answer]


def test_template_edits_are_checked_and_a_cleared_variant_is_not_silently_deleted(
    project: Path, dana: Designer
) -> None:
    path = "/templates/utter_did_that_help"
    before = (project / "domain.yml").read_text()

    def refused(texts: list[str], **extra: object) -> str:
        reply = dana.http.put(path, json={"language": "en", "texts": texts, **extra})
        assert reply.status_code == 400, reply.text
        return str(reply.json()["error"])

    assert "{name} is not a slot" in refused(["Did that help, {name}?"])
    assert "<b> is HTML" in refused(["Did that <b>help</b>?"])
    assert "variant 2 is empty" in refused(["Did that help?", ""])
    saved = dana.call("PUT", path, {"language": "en", "texts": ["Did that help?", "Better now?"]})
    assert saved["texts"]["en"] == ["Did that help?", "Better now?"]  # type: ignore[index]
    assert "remove 1 of the 2 variants" in refused(["Did that help?"])
    assert (project / "domain.yml").read_text() != before  # the two-variant save only
    kept = dana.call(
        "PUT", path, {"language": "en", "texts": ["Did that help?"], "remove_variants": True}
    )
    assert kept["texts"]["en"] == ["Did that help?"]  # type: ignore[index]
    assert (project / "domain.yml").read_text() == before
