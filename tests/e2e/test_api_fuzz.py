"""Schemathesis fuzzes every operation of the live server's OpenAPI document, with data that
fits the schema and data that does not, a bounded number of examples each: whatever it
sends, the server never answers with a 5xx.

Requests carry a valid admin token, so they get past authentication into the routes.
(Schemathesis's own pytest loader does not run on pytest 9, so the test drives its
Hypothesis strategies directly.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api.main import create_app
from api.settings import Settings
from tests.e2e.test_api_server import LiveServer, server  # noqa: F401

#: The fuzzing is about the HTTP layer, the same on either store: SQLite only, to keep CI short.
pytestmark = pytest.mark.sqlite_only

FUZZ_ORG = "fuzz-org"
EXAMPLES = 20  # per operation and mode: about 20 s for the whole document


def cases() -> list[tuple[str, schemathesis.GenerationMode]]:
    """``METHOD /path`` of every operation, from the app's schema (no server needed), in
    positive mode, and in negative mode when it takes any input to get wrong."""
    document = create_app(Settings(home=Path("unused"))).openapi()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            found.append((label, schemathesis.GenerationMode.POSITIVE))
            if operation.get("requestBody") or any(map(constrained, operation.get("parameters", []))):
                found.append((label, schemathesis.GenerationMode.NEGATIVE))
    return found


def constrained(parameter: dict[str, Any]) -> bool:
    """Whether some value of the parameter is invalid (any string is a valid name or header)."""
    text = json.dumps(parameter["schema"])
    return any(f'"{word}"' in text for word in ("integer", "boolean", "enum", "maxLength", "minimum", "maximum"))


@pytest.fixture(scope="module")
def api_schema(server: LiveServer) -> Any:
    with server.client(FUZZ_ORG, "admin") as admin:  # something to find, for some routes
        admin.post("/v1/scripts", json={"name": "svc"})
        admin.put("/v1/scripts/svc/draft", json={"content": {"v": 1}})
        admin.post("/v1/scripts/svc/publish")
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


@pytest.mark.parametrize(("label", "mode"), cases())
def test_no_request_gets_a_server_error(
    api_schema: Any, server: LiveServer, label: str, mode: schemathesis.GenerationMode
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None
    headers = {"Authorization": f"Bearer {server.token(FUZZ_ORG, 'admin')}", "x-organization-id": FUZZ_ORG}

    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def fuzz(case: Any) -> None:
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
