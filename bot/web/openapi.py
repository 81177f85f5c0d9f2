"""The OpenAPI 3 document of the agents' API (served at /agents/api/openapi.json)."""

from __future__ import annotations

from typing import Any

from bot.web import schemas
from bot.web.validation import MAX_ID, MIN_ID, Body

# Every operation can answer these: bad input, no or wrong credentials, a role that may
# not, an unknown thread, a method the path does not take (with `Allow`), a body over
# `server.max_request_bytes`, an engine or a store not ready.
COMMON_ERRORS = ("400", "401", "403", "404", "405", "413", "503")


def _body(schema: Body) -> dict[str, Any]:
    content = {"application/json": {"schema": schema.json_schema()}}
    return {"required": True, "content": content}


def id_parameter(name: str) -> dict[str, Any]:
    """A path id: a whole number within the store's id column."""
    schema = {"type": "integer", "minimum": MIN_ID, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _operation(summary: str, ok: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            ok: {"description": "done"}
            if ok == "204"
            else {"description": "done", "content": {"application/json": {}}},
            **{code: {"$ref": "#/components/responses/Error"} for code in COMMON_ERRORS},
            "409": {"$ref": "#/components/responses/Error"},
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


_THREAD_ID = [id_parameter("thread_id")]
_TEXT = _body(schemas.AGENT_TEXT)


def _sign_in() -> dict[str, Any]:
    operation = _operation(
        "Sign in to the console: sets an HttpOnly session cookie; 429 after repeated failures",
        "200",
        _body(schemas.SIGN_IN),
    )
    operation["responses"]["429"] = {"$ref": "#/components/responses/Error"}
    return {**operation, "security": []}


def _thread_action(summary: str, ok: str = "200", body: dict[str, Any] | None = None) -> Any:
    return {"parameters": _THREAD_ID, "post": _operation(summary, ok, body)}


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Agents' API",
        "version": "1",
        "description": "Take over escalated threads: queue, claim, reply, notes, transfer, "
        "resolve, hand back, presence. Authenticate with `Authorization: Bearer <token>`, "
        "or sign in (`POST /agents/api/session`) for the console's session cookie; with the "
        "cookie, requests that change something must send an `X-Requested-With` header. "
        "Every thread carries `allowed_actions`: what the caller may do with it now, among "
        "claim, reply, note, transfer, resolve, hand_back and reassign.",
    },
    "security": [{"bearer": []}, {"session": []}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "fernhill_console"},
        },
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
                "Set presence; offline re-queues the agent's threads; online off shift is 409",
                "200",
                _body(schemas.PRESENCE),
            )
        },
        "/agents/api/heartbeat": {
            "post": _operation(
                "Still there: send every `next_heartbeat_seconds`, or be made offline "
                "(threads re-queued) after `presence.offline_after_seconds`",
                "200",
            )
        },
        "/agents/api/agents": {"get": _operation("Agents with presence and load", "200")},
        "/agents/api/audit": {
            "get": _operation("Sign-ins, failures, sign-outs, tokens issued, revokes", "200")
        },
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
            _body(schemas.TRANSFER),
        ),
        "/agents/api/threads/{thread_id}/resolve": _thread_action(
            "Resolve; the customer is asked for a 1-5 rating"
        ),
        "/agents/api/threads/{thread_id}/hand-back": _thread_action(
            "Give the thread back to the bot"
        ),
        "/agents/api/threads/{thread_id}/history": {
            "parameters": _THREAD_ID,
            "get": _operation("The customer's other threads, newest first", "200"),
        },
        "/agents/api/session": {
            "post": _sign_in(),
            "delete": _operation("Sign out: the session cookie stops working", "204"),
        },
        "/agents/api/teams": {"get": _operation("Teams a thread can be transferred to", "200")},
        "/agents/api/canned": {
            "get": {
                **_operation("Canned answers: the caller's snippets, then templates", "200"),
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": "words that must all appear in the title or text",
                        "schema": {"type": "string"},
                    }
                ],
            }
        },
        "/agents/api/snippets": {
            "get": _operation("The caller's snippets", "200"),
            "post": _operation(
                "Save a snippet",
                "201",
                _body(schemas.SNIPPET),
            ),
        },
        "/agents/api/snippets/{snippet_id}": {
            "parameters": [id_parameter("snippet_id")],
            "delete": _operation("Delete one of the caller's snippets", "204"),
        },
        "/agents/api/events": {
            "get": {
                "summary": "Server-sent events: escalations, messages, moves",
                "responses": {"200": {"description": "text/event-stream"}},
            }
        },
    },
}
