"""schemathesis over the agents' OpenAPI document, with a supervisor's token, on the real
server: no 5xx, and every answer as the document says (status, content type, schema).

Bounded and repeatable for CI: a few examples per operation, derandomized. The event
stream (`/agents/api/events`) never ends, so it is left out.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.servers import LiveServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def agents_api(live_server_sqlite: LiveServer) -> Iterator[schemathesis.BaseSchema]:
    """The document as served, with a few escalated threads to act on."""
    server = live_server_sqlite
    for i in range(3):
        message = {"sender": f"fuzz-{i}", "message": "I want to talk to a human, please"}
        httpx.post(f"{server.url}/webhooks/rest/webhook", json=message, timeout=60)
    TOKENS["sam"] = server.token("sam")
    yield schemathesis.openapi.from_url(f"{server.url}/agents/api/openapi.json")


fuzzed = schemathesis.pytest.from_fixture("agents_api").exclude(path="/agents/api/events")


@fuzzed.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_agents_api_keeps_its_document(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKENS['sam']}"}, checks=CHECKS, timeout=30
    )
