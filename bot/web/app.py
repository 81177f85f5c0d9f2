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
from bot.web.agents_api import AgentsApi
from bot.web.console_api import ConsoleApi
from bot.web.people_api import PeopleApi
from bot.web.validation import check_path_and_query
from core.errors import BotError, NotFound

logger = logging.getLogger(__name__)


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
        app.blueprint(adapter.blueprint())
    app.blueprint(agents_api.blueprint())
    app.blueprint(PeopleApi(agents_api).blueprint())
    for blueprint in ConsoleApi(agents_api).blueprints():
        app.blueprint(blueprint)
    app.blueprint(DesignerApi(DesignerView(app), agents_api).blueprint())  # type: ignore[arg-type]
    app.blueprint(ReportsApi(agents_api).blueprint())
    enabled = sorted(adapter.name for adapter in channels)

    async def health(request: Request) -> HTTPResponse:
        services: Services = request.app.ctx.services
        return response.json(
            {"status": "ok", "model": services.engine.model_name, "channels": enabled}
        )

    async def unknown_channel(request: Request, channel: str) -> HTTPResponse:
        raise NotFound(f"unknown channel {channel!r}; enabled channels: {', '.join(enabled)}")

    async def home(request: Request) -> HTTPResponse:
        return response.redirect("/chat/" if "webchat" in enabled else "/health")

    app.add_route(health, "/health", methods=["GET"])
    app.add_route(home, "/", methods=["GET"])
    app.add_route(unknown_channel, "/webhooks/<channel>/webhook", methods=["GET", "POST"])
    app.register_middleware(_check_path_and_query, "request")
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
    logger.exception("Unexpected error on %s %s", request.method, request.path, exc_info=error)
    return response.json({"error": "internal error; it has been logged"}, status=500)
