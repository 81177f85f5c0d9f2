"""The reports' routes in the agents' OpenAPI document (added by `ReportsApi.blueprint`)."""

from __future__ import annotations

from typing import Any

from bot.reports.report import SECTIONS


def _query(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind}}  # fmt: skip


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": "#/components/responses/Error"} for code in codes}


FILTER = [
    _query("from", "first day, YYYY-MM-DD (UTC); default: 6 days before `to`"),
    _query("to", "last day, included; default: today"),
    _query("channel", "only this channel"),
    _query("team", "only threads of this team"),
    _query("agent", "only threads of this agent (login)"),
    _query("language", "only threads in this language"),
]
SEARCH = [
    _query("customer", "part of the customer's name or channel id"),
    _query("q", "words in the messages"),
    _query("rating", "1 to 5", "integer"),
    _query("state", "bot, queued, with_agent or resolved"),
    _query("limit", "page size, 1-200 (default 50)", "integer"),
    _query("before", "the `next_before` of the previous page", "integer"),
]
ROLES = "Supervisors and managers (managers get no example messages)."


def _get(summary: str, parameters: list[dict[str, Any]], content: str = "application/json") -> Any:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "done", "content": {content: {}}},
                **_errors("400", "401", "403", "404"),
            },
        }
    }


REPORT_PATHS: dict[str, Any] = {
    "/agents/api/reports": _get(
        f"The care report: every section, or those in `sections` (comma-separated). {ROLES}",
        [*FILTER, _query("sections", f"some of: {', '.join(SECTIONS)}")],
    ),
    "/agents/api/reports/{section}": {
        **_get(f"One section of the report: {', '.join(SECTIONS)}. {ROLES}", FILTER),
        "parameters": [
            {"name": "section", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
    },
    "/agents/api/reports/threads": _get(
        "Search threads, newest first, a page at a time (supervisors only)", [*FILTER, *SEARCH]
    ),
    "/agents/api/reports/threads.csv": _get(
        "Every matching thread with its times, as CSV (managers: no customer names)",
        [*FILTER, *SEARCH],
        "text/csv",
    ),
    "/agents/api/reports/threads/{thread_id}": {
        **_get("A thread's transcript (supervisors only)", []),
        "parameters": [
            {"name": "thread_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
    },
}
