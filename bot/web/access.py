"""Authorization by default: every route says who may call it, and one check enforces it.

Routes are registered with `allow(rule, method)` (rules in `core.access`); the app's
request middleware (`authorize`) reads the rule of the matched route before any
handler runs, signs the caller in, refuses a wrong role (403) or a thread they may
not see (404, as a missing one), and puts the caller on `request.ctx.actor`. A route
that declares nothing is refused (and logged): it can never be open by accident.
Static assets are public; a channel's routes are the customers' (`declare_public`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sanic import Blueprint, Request
from sanic_routing import Route

from bot.web.requests import Handler, handler
from core.access import Access, judge, may_see, public
from core.actors import Actor
from core.errors import Forbidden, NotFound, Unauthorized

if TYPE_CHECKING:
    from bot.runtime import Services

logger = logging.getLogger(__name__)
ASSETS = public("static files of the pages")
UNDECLARED = "this route declares no access rule, so nobody may call it"


def allow(rule: Access, method: Handler) -> Handler:
    """A route handler for `method`, callable by whom `rule` says."""
    wrapped = handler(method)
    wrapped.access = rule  # type: ignore[attr-defined]
    return wrapped


def route_access(route: Route) -> Access | None:
    """The rule a route declared (static assets: public), or None."""
    if route.ctx.static:
        return ASSETS
    found = getattr(route.handler, "access", None)
    return found if isinstance(found, Access) else None


def declare_public(blueprint: Blueprint, rule: Access) -> None:
    """Mark every route of a registered blueprint (a channel's) with the same rule."""
    for registered in blueprint.routes:
        registered.handler.access = rule


def caller(request: Request) -> Actor:
    """The signed-in caller that `authorize` found for this request."""
    actor = getattr(request.ctx, "actor", None)
    if not isinstance(actor, Actor):
        raise Unauthorized("sign in, or send 'Authorization: Bearer <token>'")
    return actor


async def authorize(request: Request) -> None:
    """Request middleware: enforce the matched route's rule before its handler runs."""
    route = getattr(request, "route", None)
    if route is None:
        return  # no route matched: sanic answers 404 or 405 itself
    rule = route_access(route)
    if rule is None:
        logger.error("%s %s: %s", request.method, request.path, UNDECLARED)
        raise Forbidden(UNDECLARED)
    if rule.public:
        return
    services: Services = request.app.ctx.services
    actor = await services.auth.actor(request)  # 401, or 403 for a forged cookie write
    denial = judge(rule, actor)
    if denial is not None:
        raise Forbidden(denial.message)
    if rule.thread:
        thread_id = request.match_info.get("thread_id")
        thread = await services.handoff.threads.thread(thread_id) if thread_id else None
        if thread is None or not may_see(actor, thread):
            raise NotFound(f"no thread {thread_id}")
    request.ctx.actor = actor
