"""The reports' routes in the agents' OpenAPI document (added by `ReportsApi.blueprint`)."""

from __future__ import annotations

from typing import Any

from bot.reports.report import SECTIONS
from bot.reports.threads import MAX_PAGE_SIZE
from bot.web.openapi import COMMON_ERRORS, id_parameter
from bot.web.validation import MAX_ID, MIN_ID

NAME = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"}
SEARCH_TEXT = {"type": "string", "maxLength": 200}
DAY = {"type": "string", "format": "date"}
STATES = ["bot", "queued", "with_agent", "resolved"]
_ONE_SECTION = f"({'|'.join(SECTIONS)})"
SECTION_LIST = {"type": "string", "pattern": f"^{_ONE_SECTION}(,{_ONE_SECTION})*$"}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


def _integer(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": "#/components/responses/Error"} for code in codes}


FILTER = [
    _query("from", "first day (UTC), not after `to`, at most ten years before it; "
           "default: 6 days before `to`", DAY),
    _query("to", "last day, included; default: today", DAY),
    _query("channel", "only this channel", NAME),
    _query("team", "only threads of this team", NAME),
    _query("agent", "only threads of this agent (login)", NAME),
    _query("language", "only threads in this language", NAME),
]  # fmt: skip
SEARCH = [
    _query("customer", "part of the customer's name or channel id", SEARCH_TEXT),
    _query("q", "words in the messages", SEARCH_TEXT),
    _query("rating", "1 to 5", _integer(1, 5)),
    _query("state", "the thread's state", {"type": "string", "enum": STATES}),
    _query("limit", "page size (default 50)", _integer(1, MAX_PAGE_SIZE)),
    _query("before", "the `next_before` of the previous page", _integer(MIN_ID, MAX_ID)),
]
ROLES = "Supervisors and managers (managers get no example messages)."


def _get(summary: str, parameters: list[dict[str, Any]], content: str = "application/json") -> Any:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "done", "content": {content: {}}},
                **_errors(*COMMON_ERRORS),
            },
        }
    }


REPORT_PATHS: dict[str, Any] = {
    "/agents/api/reports": _get(
        f"The care report: every section, or those in `sections` (comma-separated). {ROLES}",
        [*FILTER, _query("sections", f"some of: {', '.join(SECTIONS)}", SECTION_LIST)],
    ),
    "/agents/api/reports/{section}": {
        **_get(f"One section of the report: {', '.join(SECTIONS)}. {ROLES}", FILTER),
        "parameters": [
            {
                "name": "section",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": list(SECTIONS)},
            }
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
        "parameters": [id_parameter("thread_id")],
    },
}
