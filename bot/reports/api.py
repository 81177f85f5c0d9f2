"""The reports' JSON API, under the agents' API: for supervisors and managers.

GET /agents/api/reports?from&to&channel&team&agent&language&sections  every figure
GET /agents/api/reports/<section>?...           one section (volume, speed, ...)
GET /agents/api/reports/threads?...&customer&q&rating&state&limit&before  thread list
GET /agents/api/reports/threads.csv?...         every matching thread with its times
GET /agents/api/reports/threads/<id>            a thread's transcript

Supervisors see everything. Managers see the figures but no customer's words: the
complaint topics come without their example messages, the CSV without customers'
names, and the thread list and transcripts are refused.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.errors import BadRequest
from bot.reports.filters import MAX_DAYS, ReportFilter, from_query, parse_day
from bot.reports.openapi import REPORT_PATHS
from bot.reports.report import SECTIONS, ReportSettings, build_report, build_section
from bot.reports.threads import CSV_COLUMNS, ThreadSearch, search_threads, thread_rows, transcript
from bot.web.access import allow, caller
from bot.web.agents_api import AgentsApi
from bot.web.openapi import OPENAPI
from core.access import REPORT_READERS, SUPERVISORS
from core.actors import Actor


class ReportsApi:
    """Report routes beside an `AgentsApi` (its service, store and sign-in)."""

    def __init__(self, agents_api: AgentsApi) -> None:
        self.agents_api = agents_api

    def blueprint(self) -> Blueprint:
        """The routes; they are also added to the agents' OpenAPI document."""
        OPENAPI["paths"].update(REPORT_PATHS)
        api = Blueprint("reports_api", url_prefix="/agents/api/reports")
        api.add_route(allow(REPORT_READERS, self.report), "", methods=["GET"])
        api.add_route(allow(SUPERVISORS, self.threads), "/threads", methods=["GET"])
        api.add_route(allow(REPORT_READERS, self.threads_csv), "/threads.csv", methods=["GET"])
        transcript = allow(SUPERVISORS, self.transcript)
        api.add_route(transcript, "/threads/<thread_id:int>", methods=["GET"])
        api.add_route(allow(REPORT_READERS, self.section), "/<name:str>", methods=["GET"])
        return api

    async def report(self, request: Request) -> HTTPResponse:
        """Every section (or those named in `sections`, comma-separated)."""
        actor = caller(request)
        wanted = [s for s in str(request.args.get("sections") or "").split(",") if s.strip()]
        unknown = [name for name in wanted if name not in SECTIONS]
        if unknown:
            raise BadRequest(f"unknown sections {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
        built = await build_report(
            self._engine, self._filter(request), self._settings(), wanted or None
        )
        return response.json(_for(actor, built))

    async def section(self, request: Request, name: str) -> HTTPResponse:
        """One section, with the seconds it took."""
        actor = caller(request)
        value, seconds = await build_section(
            self._engine, name, self._filter(request), self._settings()
        )
        return response.json(_for(actor, {name: value, "seconds": {name: round(seconds, 3)}}))

    async def threads(self, request: Request) -> HTTPResponse:
        """A page of threads matching the search, newest first (supervisors only)."""
        search = ThreadSearch.from_query(request.args)
        async with self._engine.connect() as conn:
            found = await search_threads(conn, self._filter(request, default_days=None), search)
        return response.json(found)

    async def threads_csv(self, request: Request) -> None:
        """Every matching thread with its times, as CSV (managers get no customer names)."""
        actor = caller(request)
        search = ThreadSearch.from_query(request.args) if actor.supervisor else ThreadSearch()
        report = self._filter(request, default_days=None)
        stream = await request.respond(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="threads.csv"'},
        )
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, CSV_COLUMNS)
        writer.writeheader()
        count = 0
        async for row in thread_rows(self._engine, report, search):
            if not actor.supervisor:
                row["customer"] = None
            writer.writerow(row)
            count += 1
            if count % 1000 == 0:
                await stream.send(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        await stream.send(buffer.getvalue())
        await stream.eof()

    async def transcript(self, request: Request, thread_id: int) -> HTTPResponse:
        """A past or open thread's messages and notes (supervisors only)."""
        async with self._engine.connect() as conn:
            return response.json(await transcript(conn, thread_id))

    # Inside

    @property
    def _engine(self) -> Any:
        return self.agents_api.services.store.engine

    def _settings(self) -> ReportSettings:
        handoff = self.agents_api.service.settings
        return ReportSettings(
            sla_minutes=handoff.sla.first_response_minutes,
            handle_time_minutes=handoff.routing.handle_time_minutes,
            names={agent.login: agent.display_name for agent in handoff.agents},
            clock=self.agents_api.services.clock,
        )

    def _filter(self, request: Request, default_days: int | None = 7) -> ReportFilter:
        args = {name: request.args.get(name) for name in request.args}
        if default_days is None and not args.get("from"):
            # The thread list searches the longest range allowed by default.
            last = parse_day(args["to"], "to") if args.get("to") else date.today()
            args["from"] = (last - timedelta(days=MAX_DAYS)).isoformat()
        return from_query(args)


def _for(actor: Actor, report: dict[str, Any]) -> dict[str, Any]:
    """The report as `actor` may read it: managers get no customer's words."""
    if actor.supervisor or "topics" not in report:
        return report
    topics = report["topics"]
    return {
        **report,
        "topics": {
            **topics,
            "topics": [{**topic, "examples": []} for topic in topics["topics"]],
        },
    }
