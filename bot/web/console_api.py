"""The agents' web console: its page at /console, and the API routes only it needs.

GET    /console                               the console (assets under /console/static,
                                              ES modules as they are, and the web chat's
                                              base.css)
POST   /agents/api/session {"login","password"}  sign in: sets the session cookie
DELETE /agents/api/session                    sign out: the agent goes offline, their
                                              threads go to someone who is there
GET    /agents/api/teams                      teams to transfer to
GET    /agents/api/canned?q=words             templates and the caller's snippets
GET    /agents/api/snippets                   the caller's snippets
POST   /agents/api/snippets {"title","text"}  save a snippet
DELETE /agents/api/snippets/<id>              delete one of the caller's snippets
GET    /agents/api/threads/<id>/history       the customer's other threads

Everything else the console does goes through the agents' API (`bot.web.agents_api`), with
the same permissions whichever way the caller signed in.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.web.access import allow, caller
from bot.web.agents_api import AgentsApi, actor_json
from bot.web.auth import check_same_origin
from bot.web.requests import read_body
from bot.web.schemas import SIGN_IN, SNIPPET
from core.access import PEOPLE, THREAD, public
from core.actors import Actor, Snippet
from core.errors import BadRequest, NotFound, Unauthorized
from core.ports import AgentStore
from handoff.canned import search, snippet_answers, template_answers

PAGE = Path(__file__).resolve().parent / "console"
BASE_STYLES = PAGE.parent / "static" / "base.css"  # shared with the web chat
MAX_TITLE_CHARS = 128
MAX_LOGIN_CHARS = 64
PREVIEW_CHARS = 140
CONSOLE_PAGE = public("the console's page; it asks for a sign-in itself")
SIGNING_IN = public("signing in: throttled, audited")
SIGN_OUT = public("ends the caller's own session, if the request carries one")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ConsoleApi:
    """The console's page and its own routes, beside an `AgentsApi`."""

    def __init__(self, agents_api: AgentsApi) -> None:
        self.agents_api = agents_api

    @property
    def store(self) -> AgentStore:
        """The agents' repository (their snippets)."""
        return self.agents_api.services.store.agents

    def blueprints(self) -> list[Blueprint]:
        """The page with its assets, and the console's API routes."""
        page = Blueprint("agents_console_page", url_prefix="/console")
        page.add_route(allow(CONSOLE_PAGE, self.page), "/", methods=["GET"])
        page.static("/static/base.css", str(BASE_STYLES), name="base_styles")
        page.static("/static", str(PAGE))
        api = Blueprint("agents_console_api", url_prefix="/agents/api")
        api.add_route(allow(SIGNING_IN, self.sign_in), "/session", methods=["POST"])
        api.add_route(allow(SIGN_OUT, self.sign_out), "/session", methods=["DELETE"])
        api.add_route(allow(PEOPLE, self.teams), "/teams", methods=["GET"])
        api.add_route(allow(PEOPLE, self.canned), "/canned", methods=["GET"])
        api.add_route(allow(PEOPLE, self.snippets), "/snippets", methods=["GET"])
        api.add_route(allow(PEOPLE, self.add_snippet), "/snippets", methods=["POST"])
        api.add_route(
            allow(PEOPLE, self.delete_snippet), "/snippets/<snippet_id:int>", methods=["DELETE"]
        )
        api.add_route(
            allow(THREAD, self.history), "/threads/<thread_id:int>/history", methods=["GET"]
        )
        return [page, api]

    async def page(self, request: Request) -> HTTPResponse:
        """The console page."""
        return await response.file(PAGE / "console.html", headers=PAGE_HEADERS)

    async def sign_in(self, request: Request) -> HTTPResponse:
        """Check a login and password; the session secret goes only into the cookie."""
        check_same_origin(request)
        body = read_body(request, SIGN_IN)
        login, password = body["login"].strip(), body["password"]
        if not login or not password:
            raise BadRequest("enter your login and your password")
        if len(login) > MAX_LOGIN_CHARS or len(password) > 1024:
            raise BadRequest("the login or the password is too long")
        auth = self.agents_api.auth
        signed_in = await auth.sign_in(login, password, request.remote_addr or request.ip)
        reply = response.json(
            {**actor_json(signed_in.actor), "expires_at": _iso(signed_in.expires_at)}
        )
        auth.set_cookie(reply, request, signed_in)
        return reply

    async def sign_out(self, request: Request) -> HTTPResponse:
        """End the session and clear its cookie."""
        check_same_origin(request)
        auth = self.agents_api.auth
        try:
            actor: Actor | None = await auth.actor(request)
        except Unauthorized:
            actor = None  # an expired session signs out all the same
        await auth.sign_out(request)
        if actor is not None and actor.role in ("agent", "supervisor"):
            await self.agents_api.service.presence.sign_out(actor)
        reply = response.empty()
        self.agents_api.auth.clear_cookie(reply)
        return reply

    async def teams(self, request: Request) -> HTTPResponse:
        """The teams a thread can be transferred to."""
        teams = self.agents_api.service.settings.teams
        return response.json([{"id": key, "name": team.name} for key, team in teams.items()])

    async def canned(self, request: Request) -> HTTPResponse:
        """Canned answers containing every word of `q`: the caller's snippets first."""
        actor = caller(request)
        service = self.agents_api.service
        answers = [
            *snippet_answers(await self.store.snippets(actor.id)),
            *template_answers(
                service.notices.templates.responses, service.settings.console.canned_exclude
            ),
        ]
        found = search(answers, request.args.get("q", ""))
        return response.json([vars(answer) for answer in found])

    async def snippets(self, request: Request) -> HTTPResponse:
        """The caller's snippets."""
        actor = caller(request)
        return response.json([_snippet_json(s) for s in await self.store.snippets(actor.id)])

    async def add_snippet(self, request: Request) -> HTTPResponse:
        """Save a snippet for the caller."""
        actor = caller(request)
        body = read_body(request, SNIPPET)
        title, text = body["title"].strip(), body["text"].strip()
        if not title or not text:
            raise BadRequest("a snippet needs a title and a text")
        if len(title) > MAX_TITLE_CHARS:
            raise BadRequest(f"the title is over {MAX_TITLE_CHARS} characters")
        limit = self.agents_api.service.max_text_chars
        if len(text) > limit:
            raise BadRequest(f"the text is {len(text)} characters long; the limit is {limit}")
        snippet = await self.store.add_snippet(actor.id, title, text)
        return response.json(_snippet_json(snippet), status=201)

    async def delete_snippet(self, request: Request, snippet_id: int) -> HTTPResponse:
        """Delete one of the caller's snippets."""
        actor = caller(request)
        if not await self.store.delete_snippet(actor.id, snippet_id):
            raise NotFound(f"you have no snippet {snippet_id}")
        return response.empty()

    async def history(self, request: Request, thread_id: int) -> HTTPResponse:
        """The customer's other threads, newest first, for whoever may see this one."""
        actor = caller(request)
        service = self.agents_api.service
        thread = await service.actions.thread_for(actor, thread_id)
        name = await service.threads.customer_name(thread.customer_id)
        summaries = await service.threads.customer_threads(thread.customer_id)
        return response.json(
            {
                "customer": {"id": thread.customer_id, "name": name},
                "threads": [
                    {
                        "id": s.id,
                        "state": s.state.value,
                        "created_at": _iso(s.created_at),
                        "closed_at": _iso(s.closed_at),
                        "escalation_reason": s.escalation_reason,
                        "rating": s.rating,
                        "agent": service.agent_name(s.agent_id),
                        "messages": s.message_count,
                        "preview": _preview(s.preview),
                    }
                    for s in summaries
                    if s.id != thread.id
                ],
            }
        )


def _snippet_json(snippet: Snippet) -> dict[str, Any]:
    return {
        "id": snippet.id,
        "title": snippet.title,
        "text": snippet.text,
        "created_at": _iso(snippet.created_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _preview(text: str | None) -> str | None:
    if text is None or len(text) <= PREVIEW_CHARS:
        return text
    return text[: PREVIEW_CHARS - 1].rstrip() + "…"
