"""The console's side of the agents' API, through the real server: sign-in, sessions,
the anti-forgery header, snippets, canned answers, customer history and permissions.

The browser test (tests/test_console_browser.py) drives the same routes from the page.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import ConfigError
from handoff.settings import load_handoff_settings
from tests.servers import LiveServer, handoff_config, live_server_with_passwords

PASSWORDS = {"ana": "ana-secret-1", "ben": "ben-secret-1", "cleo": "cleo-secret-1"}
PASSWORDS["sam"] = "sam-secret-1"
COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"
CONSOLE = {"X-Requested-With": "fernhill-console"}
WRONG = "wrong login or password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own, with a console password for every test agent."""
    workdir = tmp_path_factory.mktemp("console-api")
    config = handoff_config(workdir)
    database = f"sqlite:///{workdir / 'bot.db'}"
    with live_server_with_passwords(workdir, database, PASSWORDS, handoff=config) as running:
        yield running


class Console:
    """A browser-like client: the session cookie, and the console's header on writes."""

    def __init__(self, server: LiveServer, login: str | None = None) -> None:
        self.http = httpx.Client(base_url=f"{server.url}/agents/api", timeout=60)
        if login is not None:
            self.sign_in(login, PASSWORDS[login])

    def sign_in(self, login: str, password: str, expect: int = 200) -> httpx.Response:
        reply = self.http.post(
            "/session", json={"login": login, "password": password}, headers=CONSOLE
        )
        assert reply.status_code == expect, reply.text
        return reply

    def call(self, method: str, path: str, expect: int = 200, **body: Any) -> Any:
        reply = self.http.request(
            method, path, json=body if method == "POST" else None, headers=CONSOLE
        )
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None


def complain(server: LiveServer, sender: str | None = None, text: str = COMPLAINT) -> str:
    """A customer on the REST channel writes; returns their sender id."""
    sender = sender or f"customer-{uuid.uuid4().hex[:10]}"
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert reply.status_code == 200, reply.text
    return sender


def thread_of(console: Console, sender: str) -> dict[str, Any]:
    (thread,) = [t for t in console.call("GET", "/queue") if t["chat_id"] == sender]
    return thread  # type: ignore[no-any-return]


def database(server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(server.database_url.removeprefix("sqlite:///"))


def test_sign_in_sets_a_strict_http_only_cookie_and_stores_only_a_hash(
    server: LiveServer,
) -> None:
    console = Console(server)
    reply = console.sign_in("ana", PASSWORDS["ana"])
    assert reply.json()["display_name"] == "Ana" and reply.json()["expires_at"]
    cookie = reply.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/;", "Max-Age=43200"):
        assert attribute in cookie, cookie
    assert console.call("GET", "/me")["login"] == "ana"

    with database(server) as db:
        (stored,) = db.execute(
            "SELECT c.secret_hash FROM agent_credentials c JOIN agents a ON a.id = c.agent_id "
            "WHERE a.login = 'ana' AND c.kind = 'password' AND c.revoked_at IS NULL"
        ).fetchall()[0]
        sessions = [row[0] for row in db.execute("SELECT secret_hash FROM agent_sessions")]
    assert stored.startswith("scrypt$") and PASSWORDS["ana"] not in stored
    secret = console.http.cookies["fernhill_console"]
    assert secret not in sessions and len(secret) >= 40


def test_wrong_credentials_get_one_message_whatever_was_wrong(server: LiveServer) -> None:
    console = Console(server)
    for login, password in (("ana", "not-her-password"), ("nobody", "whatever1"),
                            ("ANA", PASSWORDS["ana"])):  # fmt: skip
        reply = console.sign_in(login, password, expect=401)
        assert reply.json() == {"error": WRONG}
        assert "set-cookie" not in reply.headers
    assert console.http.get("/me").status_code == 401
    empty = console.sign_in("ana", "", expect=400)
    assert "password" in empty.json()["error"]
    forged = console.http.post("/session", json={"login": "ana", "password": PASSWORDS["ana"]})
    assert forged.status_code == 403 and "x-requested-with" in forged.json()["error"]


def test_repeated_failures_are_throttled_per_login(server: LiveServer) -> None:
    console = Console(server)
    for _ in range(5):
        console.sign_in("mallory", "guess-guess", expect=401)
    throttled = console.sign_in("mallory", "guess-guess", expect=429)
    assert "too many failed sign-ins; try again in 15 minutes" in throttled.json()["error"]
    Console(server, "ben")  # other logins from the same address still sign in


def test_a_new_password_replaces_the_old_one(server: LiveServer) -> None:
    result = server.cli("agents", "password", "cleo", stdin="cleo-secret-2\n")
    assert result.returncode == 0, result.stderr
    try:
        Console(server).sign_in("cleo", PASSWORDS["cleo"], expect=401)
        Console(server).sign_in("cleo", "cleo-secret-2")
    finally:
        server.cli("agents", "password", "cleo", stdin=f"{PASSWORDS['cleo']}\n")


def test_the_password_command_refuses_weak_passwords_and_unknown_agents(
    server: LiveServer,
) -> None:
    short = server.cli("agents", "password", "ana", stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    unknown = server.cli("agents", "password", "zoe", stdin="long-enough-1\n")
    assert unknown.returncode == 2 and "no agent 'zoe'" in unknown.stderr
    Console(server, "ana")  # unchanged


def test_signing_out_ends_the_session(server: LiveServer) -> None:
    console = Console(server, "ana")
    secret = console.http.cookies["fernhill_console"]
    reply = console.http.delete("/session", headers=CONSOLE)
    assert reply.status_code == 204
    assert "Max-Age=0" in reply.headers["set-cookie"]
    stale = httpx.get(
        f"{server.url}/agents/api/me", cookies={"fernhill_console": secret}, timeout=30
    )
    assert stale.status_code == 401 and "signed out" in stale.json()["error"]


def test_an_expired_session_is_refused(server: LiveServer) -> None:
    console = Console(server, "ben")
    console.call("GET", "/me")
    with database(server) as db:
        db.execute(
            "UPDATE agent_sessions SET expires_at = '2000-01-01 00:00:00.000000' "
            "WHERE agent_id = (SELECT id FROM agents WHERE login = 'ben')"
        )
    expired = console.http.get("/me")
    assert expired.status_code == 401
    assert expired.json() == {"error": "your session has expired; sign in again"}
    assert console.http.get("/events").status_code == 401


def test_cookie_writes_need_the_console_header_and_our_origin(server: LiveServer) -> None:
    console = Console(server, "ana")
    plain = console.http.post("/presence", json={"presence": "away"})
    assert plain.status_code == 403 and "x-requested-with" in plain.json()["error"]
    foreign = console.http.post(
        "/presence", json={"presence": "away"}, headers={**CONSOLE, "Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403 and "evil.example" in foreign.json()["error"]
    same = console.http.post(
        "/presence", json={"presence": "away"}, headers={**CONSOLE, "Origin": server.url}
    )
    assert same.status_code == 200, same.text
    assert console.http.get("/queue").status_code == 200  # reads need no header
    token = httpx.post(
        f"{server.url}/agents/api/presence",
        json={"presence": "offline"},
        headers={"Authorization": f"Bearer {server.token('ana')}"},
        timeout=30,
    )
    assert token.status_code == 200  # a bearer token is never sent by a browser on its own


def test_snippets_are_private_and_found_with_the_templates(server: LiveServer) -> None:
    ana, ben = Console(server, "ana"), Console(server, "ben")
    snippet = ana.call(
        "POST", "/snippets", 201, title="Broken on arrival",
        text="I'm sorry it arrived broken; I've booked a free replacement for you.",
    )  # fmt: skip
    assert [s["title"] for s in ana.call("GET", "/snippets")] == ["Broken on arrival"]
    assert ben.call("GET", "/snippets") == []

    found = ana.call("GET", "/canned?q=broken")
    assert found[0] == {
        "kind": "snippet", "key": str(snippet["id"]), "title": "Broken on arrival",
        "text": snippet["text"],
    }  # fmt: skip
    assert "Broken on arrival" not in [a["title"] for a in ben.call("GET", "/canned?q=broken")]
    delivery = ana.call("GET", "/canned?q=delivery costs")
    assert delivery and delivery[0]["title"].startswith("Delivery costs")
    assert all("delivery" in (a["title"] + a["text"]).lower() for a in delivery)
    everything = ana.call("GET", "/canned")
    titles = " ".join(a["title"].lower() for a in everything)
    assert "handoff" not in titles and "iamabot" not in titles  # the bot's own words stay out
    assert not any("{" in a["text"] for a in everything)
    assert ana.call("GET", "/canned?q=xyzzy plugh") == []

    ben.call("DELETE", f"/snippets/{snippet['id']}", 404)
    ana.call("POST", "/snippets", 400, title="  ", text="no title")
    ana.call("POST", "/snippets", 400, title="x" * 129, text="too long a title")
    ana.call("DELETE", f"/snippets/{snippet['id']}", 204)
    assert ana.call("GET", "/snippets") == []


def test_an_agent_sees_only_their_teams_threads_and_the_customers_history(
    server: LiveServer,
) -> None:
    ana, cleo, sam = Console(server, "ana"), Console(server, "cleo"), Console(server, "sam")
    for console in (ana, cleo, sam):
        console.call("POST", "/presence", presence="away")  # nobody is routed to: it waits
    customer = complain(server)
    first = thread_of(sam, customer)
    sam.call("POST", f"/threads/{first['id']}/resolve")
    complain(server, customer, "5")  # the rating closes the first thread
    complain(server, customer, "I want to talk to a real person please")
    thread = thread_of(ana, customer)
    assert thread["id"] != first["id"] and thread["team"] == "care"

    assert all(t["id"] != thread["id"] for t in cleo.call("GET", "/queue"))
    cleo.call("GET", f"/threads/{thread['id']}", 404)  # another team's: as if missing
    cleo.call("GET", f"/threads/{thread['id']}/history", 404)
    cleo.call("POST", f"/threads/{thread['id']}/claim", 404)

    history = ana.call("GET", f"/threads/{thread['id']}/history")
    assert history["customer"]["id"] == thread["customer_id"]
    (earlier,) = history["threads"]
    assert earlier["id"] == first["id"] and earlier["rating"] == 5
    assert earlier["state"] == "resolved" and earlier["preview"] == COMPLAINT
    assert "complaint" in earlier["escalation_reason"]

    teams = ana.call("GET", "/teams")
    assert {"id": "care", "name": "Customer care"} in teams
    agents = ana.call("GET", "/agents")
    assert {a["login"] for a in agents} == {"ana", "ben", "cleo", "sam"}
    sam.call("POST", f"/threads/{thread['id']}/transfer", team="billing")
    assert thread_of(cleo, customer)["team"] == "billing"  # a supervisor moves any thread
    sam.call("POST", f"/threads/{thread['id']}/resolve")
    for console in (ana, cleo, sam):
        console.call("POST", "/presence", presence="offline")


def test_signing_out_gives_the_agents_threads_to_someone_there(server: LiveServer) -> None:
    ana, ben, sam = Console(server, "ana"), Console(server, "ben"), Console(server, "sam")
    ben.call("POST", "/presence", presence="away")
    ana.call("POST", "/presence", presence="online")
    customer = complain(server)
    thread = thread_of(sam, customer)
    assert thread["agent"] == "Ana"
    beat = ana.call("POST", "/heartbeat")
    assert beat == {"presence": "online", "next_heartbeat_seconds": 20.0}
    ben.call("POST", "/presence", presence="online")

    ana.call("DELETE", "/session", 204)

    presence = {a["login"]: a["presence"] for a in sam.call("GET", "/agents")}
    assert presence["ana"] == "offline" and presence["ben"] == "online"
    moved = thread_of(sam, customer)
    assert moved["agent"] == "Ben"
    moves = sam.call("GET", f"/threads/{thread['id']}")["events"]
    assert [(m["event"], m["reason"]) for m in moves[-2:]] == [
        ("requeue", "Ana signed out"),
        ("assign", None),
    ]
    ana.call("POST", "/heartbeat", 401)  # the console learns it is signed out
    sam.call("POST", f"/threads/{thread['id']}/resolve")
    for console in (ben, sam):
        console.call("POST", "/presence", presence="offline")


def test_the_console_page_is_served_with_its_assets_and_no_outside_links(
    server: LiveServer,
) -> None:
    page = httpx.get(f"{server.url}/console", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    linked = re.findall(r'(?:href|src)="/console/static/([\w.-]+)"', page.text)
    assert "console.css" in linked and "main.js" in linked, linked
    served, waiting = set(), list(linked)
    while waiting:  # the page's assets and every ES module they import, as they are
        asset = waiting.pop()
        if asset in served:
            continue
        served.add(asset)
        reply = httpx.get(f"{server.url}/console/static/{asset}", timeout=30)
        assert reply.status_code == 200, asset
        kind = "javascript" if asset.endswith(".js") else "text/css"
        assert kind in reply.headers["content-type"], (asset, reply.headers["content-type"])
        # XML namespace names (SVG's) are identifiers, not links: nothing is fetched there.
        text = reply.text.replace('"http://www.w3.org/2000/svg"', '""')
        assert "http://" not in text and "https://" not in text, asset
        waiting += re.findall(r'(?:from|import) "\./([\w.-]+)"', reply.text)
    assert {"api.js", "store.js", "permissions.js", "review.js", "base.css"} <= served, served
    assert "https://" not in page.text and "http://" not in page.text


def test_the_openapi_document_lists_the_console_routes(server: LiveServer) -> None:
    document = httpx.get(f"{server.url}/agents/api/openapi.json", timeout=30).json()
    for path in ("/session", "/teams", "/canned", "/snippets", "/snippets/{snippet_id}",
                 "/threads/{thread_id}/history"):  # fmt: skip
        assert f"/agents/api{path}" in document["paths"], path
    assert "session" in document["components"]["securitySchemes"]
    assert document["paths"]["/agents/api/session"]["post"]["security"] == []


def test_console_settings_are_checked_at_start(tmp_path: Path) -> None:
    config = handoff_config(tmp_path)
    config.write_text(config.read_text() + "console: {session_hours: 0}\n")
    with pytest.raises(ConfigError, match=r"console\.session_hours: must be above 0"):
        load_handoff_settings(config)
    config.write_text(config.read_text().replace("session_hours: 0", "sesion_hours: 2"))
    with pytest.raises(ConfigError, match=r"did you mean 'console\.session_hours'"):
        load_handoff_settings(config)
