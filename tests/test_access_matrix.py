"""The authorization matrix: every route of the app against every kind of caller.

The routes come from sanic's router (the app built as `python -m bot run` builds it),
so a new route fails `test_the_table_knows_every_route` until it is added to `TABLE`
with what each caller must get. The table is then played over HTTP against the real
server, on SQLite and on PostgreSQL.

Callers: nobody, a wrong token, an agent of the thread's team (a colleague of its
assignee), an agent of another team, the assignee, a supervisor, a designer, a
manager. Thread routes act on a care thread held by the assignee. Refusals: 401
without valid credentials, 403 for a role the route is not for, 404 for a thread the
caller may not see. Bodies are left invalid where a write would change something,
so that a caller let through gets the handler's own 400.
"""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import load_settings
from bot.store import Database
from bot.web.access import route_access
from bot.web.app import create_app
from handoff.passwords import hash_secret
from tests.conftest import store_url
from tests.servers import ROOT, LiveServer, handoff_config, live_server

CALLERS = ("none", "wrong", "team", "other", "assignee", "supervisor", "designer", "manager")
LOGINS = {
    "team": "ana",
    "other": "cleo",
    "assignee": "ben",
    "supervisor": "sam",
    "designer": "dana",
    "manager": "mona",
}
COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"
PEOPLE, SUPERVISORS = {"team", "other", "assignee", "supervisor"}, {"supervisor"}
DESIGNERS, READERS = {"designer", "supervisor"}, {"supervisor", "manager"}
SIGNED_IN = PEOPLE | {"designer", "manager"}


@dataclass(frozen=True)
class Case:
    """How to call a route, and what each caller gets."""

    expect: dict[str, int]
    path: str = ""  # the concrete path; {thread} is the assignee's thread
    body: Any = None
    fresh: frozenset[str] = field(default_factory=frozenset)  # callers who change the thread


def public(status: int, path: str = "", body: Any = None) -> Case:
    """Everyone, signed in or not, gets `status`."""
    return Case({caller: status for caller in CALLERS}, path, body)


def only(allowed: set[str], status: int, path: str = "", body: Any = None, **others: int) -> Case:
    """`allowed` get `status`; nobody and a wrong token 401; other roles 403 (or `others`)."""
    expect = {caller: status if caller in allowed else 403 for caller in CALLERS}
    expect.update(none=401, wrong=401, **others)
    return Case(expect, path, body)


def thread_route(
    assignee: int,
    *,
    team: int,
    supervisor: int | None = None,
    body: Any = None,
    fresh: bool = False,
) -> Case:
    """A route on the assignee's thread: another team gets 404, as for a missing thread."""
    case = only(
        PEOPLE,
        assignee,
        body=body,
        team=team,
        other=404,
        supervisor=assignee if supervisor is None else supervisor,
    )
    return Case(
        case.expect, body=body, fresh=frozenset({"assignee", "supervisor"} if fresh else ())
    )


THREADS = "/agents/api/threads/<thread_id:int>"
TABLE: dict[tuple[str, str], Case] = {
    # Customers' side: channels, the chat page, health. Public, each checks its own input.
    ("GET", "/"): public(302),
    ("GET", "/health"): public(200),
    ("GET", "/chat"): public(200, "/chat/"),
    ("GET", "/chat/static/<__file_uri__:path>"): public(200, "/chat/static/chat.js"),
    ("HEAD", "/chat/static/<__file_uri__:path>"): public(200, "/chat/static/chat.js"),
    ("GET", "/chat/api/messages"): public(400),
    ("POST", "/chat/api/messages"): public(400, body={}),
    ("GET", "/chat/api/events"): public(400),
    ("POST", "/chat/api/acks"): public(400, body={}),
    ("POST", "/chat/api/contact"): public(400, body={}),
    ("GET", "/webhooks/rest"): public(200, "/webhooks/rest/"),
    ("POST", "/webhooks/rest/webhook"): public(400, body={}),
    ("GET", "/webhooks/<channel:str>/webhook"): public(404, "/webhooks/nosuch/webhook"),
    ("POST", "/webhooks/<channel:str>/webhook"): public(404, "/webhooks/nosuch/webhook", {}),
    # The console's page and signing in and out.
    ("GET", "/console"): public(200, "/console/"),
    ("GET", "/console/static/<__file_uri__:path>"): public(200, "/console/static/api.js"),
    ("HEAD", "/console/static/<__file_uri__:path>"): public(200, "/console/static/api.js"),
    ("GET", "/console/static/base.css"): public(200),
    ("HEAD", "/console/static/base.css"): public(200),
    # Signing in and out: public, and the handler wants the console's anti-forgery header.
    ("POST", "/agents/api/session"): public(403, body={}),
    ("DELETE", "/agents/api/session"): public(403),
    ("GET", "/agents/api/openapi.json"): public(200),
    # Agents and supervisors.
    ("GET", "/agents/api/me"): only(SIGNED_IN, 200),
    ("GET", "/agents/api/queue"): only(PEOPLE, 200),
    ("GET", "/agents/api/events"): only(PEOPLE, 200),
    ("POST", "/agents/api/presence"): only(PEOPLE, 400, body={}),
    ("POST", "/agents/api/heartbeat"): only(PEOPLE, 200),
    ("GET", "/agents/api/agents"): only(PEOPLE, 200),
    ("GET", "/agents/api/teams"): only(PEOPLE, 200),
    ("GET", "/agents/api/canned"): only(PEOPLE, 200, "/agents/api/canned?q=delivery"),
    ("GET", "/agents/api/snippets"): only(PEOPLE, 200),
    ("POST", "/agents/api/snippets"): only(PEOPLE, 400, body={}),
    ("DELETE", "/agents/api/snippets/<snippet_id:int>"): only(
        PEOPLE,
        404,
        "/agents/api/snippets/99999",  # the handler's: "you have no snippet"
    ),
    ("GET", "/agents/api/audit"): only(SUPERVISORS, 200),
    # A thread: its team reads it, its assignee and supervisors act on it.
    ("GET", THREADS): thread_route(200, team=200),
    ("GET", f"{THREADS}/history"): thread_route(200, team=200),
    ("POST", f"{THREADS}/claim"): thread_route(409, team=409),  # taken already
    # The body is read first: a colleague who may see the thread gets the 400 too.
    ("POST", f"{THREADS}/reply"): thread_route(400, team=400, body={}),
    ("POST", f"{THREADS}/notes"): thread_route(400, team=400, body={}),
    ("POST", f"{THREADS}/transfer"): thread_route(409, team=403, body={}),  # to nobody
    ("POST", f"{THREADS}/resolve"): thread_route(200, team=403, fresh=True),
    ("POST", f"{THREADS}/hand-back"): thread_route(200, team=403, fresh=True),
    # Reports: figures for supervisors and managers, customers' words for supervisors.
    ("GET", "/agents/api/reports"): only(READERS, 200),
    ("GET", "/agents/api/reports/<name:str>"): only(READERS, 200, "/agents/api/reports/volume"),
    ("GET", "/agents/api/reports/threads"): only(SUPERVISORS, 200),
    ("GET", "/agents/api/reports/threads.csv"): only(READERS, 200),
    ("GET", "/agents/api/reports/threads/<thread_id:int>"): only(SUPERVISORS, 200),
    # The designers' review inbox and model.
    ("GET", "/designer/api/inbox"): only(DESIGNERS, 200),
    ("POST", "/designer/api/inbox/assign"): only(DESIGNERS, 400, body={}),
    ("POST", "/designer/api/inbox/dismiss"): only(DESIGNERS, 400, body={}),
    ("GET", "/designer/api/intents"): only(DESIGNERS, 200),
    ("GET", "/designer/api/templates"): only(DESIGNERS, 200),
    ("PUT", "/designer/api/templates/<name:str>"): only(
        DESIGNERS, 400, "/designer/api/templates/utter_greet", {}
    ),
    ("GET", "/designer/api/validate"): only(DESIGNERS, 200, "/designer/api/validate?rasa=0"),
    ("GET", "/designer/api/train"): only(DESIGNERS, 200),
    ("GET", "/designer/api/model"): only(DESIGNERS, 200),
    ("POST", "/designer/api/model/reload"): only(DESIGNERS, 503),  # its model file is gone
    # Last: the first allowed caller (the supervisor, in CALLERS' order) starts a real
    # training; the designer's then finds it under way.
    ("POST", "/designer/api/train"): only(DESIGNERS, 409, supervisor=202),
}


def app_routes() -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from sanic's router."""
    settings = load_settings()
    app = create_app(settings, Path(settings.engine.model_dir) / "unused.tar.gz", name="matrix")
    return {(method, f"/{route.path}") for route in app.router.routes for method in route.methods}


def test_the_table_knows_every_route_and_every_route_declares_its_access() -> None:
    settings = load_settings()
    app = create_app(settings, Path(settings.engine.model_dir) / "unused.tar.gz", name="matrix2")
    undeclared = [route.path for route in app.router.routes if route_access(route) is None]
    assert undeclared == []
    routes = app_routes()
    assert sorted(routes - set(TABLE)) == [], "routes the matrix does not know: add them"
    assert sorted(set(TABLE) - routes) == [], "the matrix lists routes the app no longer has"


MATRIX_AGENTS = """
teams:
  care: {name: Customer care, topics: [orders, delivery, returns, account]}
  billing: {name: Billing, topics: [payments]}
routing: {default_team: care, handle_time_minutes: 4}
agents:
  - {login: ana, display_name: Ana, teams: [care], languages: [en], hours: always, capacity: 3}
  - {login: ben, display_name: Ben, teams: [care], languages: [en], hours: always, capacity: 20}
  - {login: cleo, display_name: Cleo, teams: [billing], languages: [en], hours: always,
     capacity: 3}
  - {login: sam, display_name: Sam, role: supervisor, teams: [care, billing], hours: always,
     capacity: 5}
  - {login: dana, display_name: Dana, role: designer}
  - {login: mona, display_name: Mona, role: manager}
"""


def matrix_config(workdir: Path) -> Path:
    """The real detection settings with the matrix's agents (a manager among them)."""
    path = handoff_config(workdir)
    detection = path.read_text().split("\nteams:")[0]
    path.write_text(f"{detection}\n{MATRIX_AGENTS}")
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The bot with the matrix's agents; its models in a folder of its own, since the
    designer's call starts a training that writes there."""
    workdir = tmp_path_factory.mktemp(f"matrix-{request.param}")
    models = workdir / "models"
    models.mkdir()
    for model in (ROOT / load_settings().engine.model_dir).glob("*.tar.gz"):
        shutil.copy2(model, models / model.name)
    options = {
        "handoff": matrix_config(workdir),
        "extra_env": {"BOT_ENGINE_MODEL_DIR": str(models)},
    }
    with ExitStack() as stack:
        url = stack.enter_context(store_url(request.param, workdir))
        server = stack.enter_context(live_server(workdir, url, **options))
        for model in models.glob("*.tar.gz"):
            model.unlink()  # loaded already; a reload now answers 503 instead of loading again
        yield server


async def issue_tokens(server: LiveServer) -> dict[str, str]:
    """A token per signed-in caller, stored as `agents token` stores them."""
    store = Database.connect(server.database_url)
    try:
        ids = await store.agents.sync_agents(LOGINS.values())
        tokens = {}
        expires = datetime.now(timezone.utc) + timedelta(days=1)
        for caller, login in LOGINS.items():
            tokens[caller] = secrets.token_urlsafe(24)
            await store.credentials.add_credential(
                ids[login], "token", hash_secret(tokens[caller]), expires
            )
    finally:
        await store.close()
    tokens["wrong"] = "not-a-token"
    return tokens


def headers(tokens: dict[str, str], caller: str) -> dict[str, str]:
    return {} if caller == "none" else {"Authorization": f"Bearer {tokens[caller]}"}


def held_thread(server: LiveServer, tokens: dict[str, str]) -> int:
    """A new care thread, claimed by the assignee (Ben)."""
    sender = f"matrix-{uuid.uuid4().hex[:10]}"
    said = httpx.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": COMPLAINT},
        timeout=300,
    )
    assert said.status_code == 200, said.text
    queue = httpx.get(
        f"{server.url}/agents/api/queue", headers=headers(tokens, "assignee"), timeout=180
    ).json()
    (thread,) = [t for t in queue if t["chat_id"] == sender]
    claimed = httpx.post(
        f"{server.url}/agents/api/threads/{thread['id']}/claim",
        headers=headers(tokens, "assignee"),
        timeout=180,
    )
    assert claimed.status_code == 200, claimed.text
    return int(thread["id"])


def call(
    client: httpx.Client, method: str, path: str, body: Any, caller_headers: dict[str, str]
) -> int:
    """One request; a stream's status without waiting for its end (0: no answer).

    One client for the whole table (a new one costs more than most of its requests),
    its cookies cleared before each: only `caller_headers` say who calls.
    """
    client.cookies.clear()
    try:
        with client.stream(
            method, path, json=body, headers=caller_headers, follow_redirects=False
        ) as reply:
            return reply.status_code
    except httpx.TimeoutException:
        print(f"{method} {path}: no answer in 180 s")
        return 0


async def test_every_route_answers_every_caller_as_the_table_says(
    matrix_server: LiveServer,
) -> None:
    tokens = await issue_tokens(matrix_server)
    shared = held_thread(matrix_server, tokens)
    got: dict[tuple[str, str], dict[str, int]] = {}
    with httpx.Client(base_url=matrix_server.url, timeout=180) as client:
        for (method, route), case in TABLE.items():
            for caller in CALLERS:
                thread = held_thread(matrix_server, tokens) if caller in case.fresh else shared
                path = case.path or route
                path = path.replace("<thread_id:int>", str(thread))
                code = call(client, method, path, case.body, headers(tokens, caller))
                got.setdefault((method, route), {})[caller] = code
    print_matrix(got)
    wrong = {
        key: {c: (got[key][c], case.expect[c]) for c in CALLERS if got[key][c] != case.expect[c]}
        for key, case in TABLE.items()
    }
    assert {key: diff for key, diff in wrong.items() if diff} == {}


def print_matrix(got: dict[tuple[str, str], dict[str, int]]) -> None:
    """The matrix as a Markdown table (pytest -s shows it)."""
    print("\n| route | " + " | ".join(CALLERS) + " |")
    print("| --- |" + " --- |" * len(CALLERS))
    for (method, route), codes in got.items():
        print(f"| {method} {route} | " + " | ".join(str(codes[c]) for c in CALLERS) + " |")
