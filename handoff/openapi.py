"""The OpenAPI 3 document of the agents' API (served at /agents/api/openapi.json)."""

from __future__ import annotations

from typing import Any


def _body(properties: dict[str, str], required: list[str]) -> dict[str, Any]:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            name: {"type": "string", "description": d} for name, d in properties.items()
        },
        "required": required,
    }
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _operation(summary: str, ok: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            ok: {"description": "done", "content": {"application/json": {}}},
            "400": {"$ref": "#/components/responses/Error"},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "409": {"$ref": "#/components/responses/Error"},
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


_THREAD_ID = [{"name": "thread_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_TEXT = _body({"text": "the message"}, ["text"])


def _thread_action(summary: str, ok: str = "200", body: dict[str, Any] | None = None) -> Any:
    return {"parameters": _THREAD_ID, "post": _operation(summary, ok, body)}


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Agents' API",
        "version": "1",
        "description": "Take over escalated threads: queue, claim, reply, notes, transfer, "
        "resolve, hand back, presence. Authenticate with `Authorization: Bearer <token>`.",
    },
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Error": {
                "description": "what was wrong",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"error": {"type": "string"}},
                            "required": ["error"],
                        }
                    }
                },
            }
        },
    },
    "paths": {
        "/agents/api/me": {"get": _operation("The agent the token belongs to", "200")},
        "/agents/api/presence": {
            "post": _operation(
                "Set presence; offline re-queues the agent's threads",
                "200",
                _body({"presence": "online, away or offline"}, ["presence"]),
            )
        },
        "/agents/api/agents": {"get": _operation("Agents with presence and load", "200")},
        "/agents/api/queue": {
            "get": _operation("Threads the agent may take or holds, oldest first", "200")
        },
        "/agents/api/threads/{thread_id}": {
            "parameters": _THREAD_ID,
            "get": _operation("A thread with its transcript and recorded moves", "200"),
        },
        "/agents/api/threads/{thread_id}/claim": _thread_action("Take a queued thread"),
        "/agents/api/threads/{thread_id}/reply": _thread_action(
            "Write to the customer, signed with the agent's name", "201", _TEXT
        ),
        "/agents/api/threads/{thread_id}/notes": _thread_action("Add a private note", "201", _TEXT),
        "/agents/api/threads/{thread_id}/transfer": _thread_action(
            "Give the thread to another agent or team",
            "200",
            _body({"agent": "an agent's login", "team": "a team's name", "reason": "why"}, []),
        ),
        "/agents/api/threads/{thread_id}/resolve": _thread_action(
            "Resolve; the customer is asked for a 1-5 rating"
        ),
        "/agents/api/threads/{thread_id}/hand-back": _thread_action(
            "Give the thread back to the bot"
        ),
        "/agents/api/events": {
            "get": {
                "summary": "Server-sent events: escalations, messages, moves",
                "responses": {"200": {"description": "text/event-stream"}},
            }
        },
    },
}
