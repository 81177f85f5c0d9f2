"""The web app: channels' and agents' routes, health, and every error mapped to JSON."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sanic import Request, Sanic, response
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse

from bot.config import Settings
from bot.designer.api import DesignerApi
from bot.reports.api import ReportsApi
from bot.runtime import Services, build_channels, start_services
from bot.web.access import allow, authorize, declare_public
from bot.web.agents_api import AgentsApi
from bot.web.console_api import ConsoleApi
from bot.web.health import dependencies, outage_response, unavailable_dependency
from bot.web.people_api import PeopleApi
from bot.web.validation import check_path_and_query
from core.access import public
from core.clock import clock_factor
from core.errors import BotError, NotFound

logger = logging.getLogger(__name__)
CUSTOMERS = public("a channel's routes: customers, checked by the channel itself")
HEALTH = public("health checks and the redirect to the chat")


def create_app(settings: Settings, model_path: Path, *, name: str = "fernhill_care") -> Sanic:
    """Build the app; everything else starts with the server, onto `app.ctx.services`.

    Args:
        settings: The validated settings.
        model_path: The trained rasa model to serve.
        name: The sanic app name (unique per process).
    """
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = settings.server.max_request_bytes
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.MOTD = False
    channels = build_channels(settings)
    agents_api = AgentsApi(app)
    for adapter in channels:
        routes = adapter.blueprint()
        app.blueprint(routes)
        declare_public(routes, CUSTOMERS)  # the channel checks its callers itself
    app.blueprint(agents_api.blueprint())
    app.blueprint(PeopleApi(agents_api).blueprint())
    for blueprint in ConsoleApi(agents_api).blueprints():
        app.blueprint(blueprint)
    app.blueprint(DesignerApi(DesignerView(app), agents_api).blueprint())  # type: ignore[arg-type]
    app.blueprint(ReportsApi(agents_api).blueprint())
    enabled = sorted(adapter.name for adapter in channels)

    async def health(request: Request) -> HTTPResponse:
        """Each dependency's state; 200 only when all are up (anyone may ask)."""
        services: Services = request.app.ctx.services
        report = await dependencies(services)
        up = all(state == "ok" for state in report.values())
        return response.json(
            {
                "status": "ok" if up else "unavailable",
                "model": services.engine.model_name,
                "channels": enabled,
                "dependencies": report,
                "clock": services.clock().isoformat(),  # the bot's time (a simulation's too)
                "clock_factor": clock_factor(services.clock),
            },
            status=200 if up else 503,
        )

    async def unknown_channel(request: Request, channel: str) -> HTTPResponse:
        raise NotFound(f"unknown channel {channel!r}; enabled channels: {', '.join(enabled)}")

    async def home(request: Request) -> HTTPResponse:
        return response.redirect("/chat/" if "webchat" in enabled else "/health")

    app.add_route(allow(HEALTH, health), "/health", methods=["GET"])
    app.add_route(allow(HEALTH, home), "/", methods=["GET"])
    unknown = allow(CUSTOMERS, unknown_channel)
    app.add_route(unknown, "/webhooks/<channel>/webhook", methods=["GET", "POST"])
    # Path ids and query text are checked first: `authorize` looks threads up by id.
    app.register_middleware(_check_path_and_query, "request")
    app.register_middleware(authorize, "request")  # every route's `Access`, before it runs
    app.error_handler.add(BotError, _bot_error)
    app.error_handler.add(SanicException, _sanic_error)
    app.error_handler.add(Exception, _unexpected_error)

    @app.before_server_start
    async def start(app: Sanic, _loop: Any) -> None:
        app.ctx.services = await start_services(settings, model_path, channels)

    @app.after_server_stop
    async def stop(app: Sanic, _loop: Any) -> None:
        services: Services | None = getattr(app.ctx, "services", None)
        if services is not None:
            await services.stop()

    return app


class DesignerView:
    """What the designers' API (`bot.designer.api`) reads of the running services."""

    def __init__(self, app: Sanic) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app.ctx.services, name)


async def _bot_error(request: Request, error: Exception) -> HTTPResponse:
    assert isinstance(error, BotError)
    if not error.quiet:
        logger.error("%s %s: %s", request.method, request.path, error.message)
    return response.json({"error": error.message}, status=error.status_code)


async def _sanic_error(request: Request, error: Exception) -> HTTPResponse:
    assert isinstance(error, SanicException)
    status = getattr(error, "status_code", 500)
    message = str(error) or "request failed"
    if status == 413:
        limit = request.app.config.REQUEST_MAX_SIZE
        message = f"the request body is over the limit of {limit} bytes"
    # A 405 carries `Allow`, as sanic's exceptions give it in their headers.
    headers = getattr(error, "headers", None)
    return response.json({"error": message}, status=status, headers=headers)


async def _check_path_and_query(request: Request) -> None:
    """Path ids in the store's range and storable text, before any handler runs."""
    check_path_and_query(request.match_info, request.args)


async def _unexpected_error(request: Request, error: Exception) -> HTTPResponse:
    dependency = unavailable_dependency(error)
    if dependency is not None:
        logger.warning("%s %s: the %s is not answering", request.method, request.path, dependency)
        return outage_response(dependency)
    logger.exception("Unexpected error on %s %s", request.method, request.path, exc_info=error)
    return response.json({"error": "internal error; it has been logged"}, status=500)
