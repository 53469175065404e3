"""Every error is an RFC 9457 problem (never a 500 for a domain error), and a refused
request records nothing: malformed JSON, wrong types, unknown fields, oversize bodies."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.errors import row_of
from api.problems import error_class, problem_type
from ledger.access import ForbiddenError, UnauthenticatedError
from ledger.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
    RefusedError,
)
from tests.e2e.test_api_server import LiveServer, admin, assert_problem, org, server  # noqa: F401

MIB = 1024 * 1024


@pytest.fixture
def ready(admin: httpx.Client) -> httpx.Client:
    admin.post("/v1/scripts", json={"name": "svc"})
    return admin


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        ("GET", "/v1/scripts/nope", None, 404, "not-found"),
        ("GET", "/v1/scripts/svc/versions/7", None, 404, "not-found"),
        ("POST", "/v1/scripts", {"name": "svc"}, 409, "already-exists"),
        ("POST", "/v1/scripts", {"name": "Not A Slug"}, 422, "invalid-input"),
        ("POST", "/v1/scripts/svc/publish", None, 409, "refused"),
        ("POST", "/v1/scripts/svc/environments/qa/promote", {"version": 1}, 422, "invalid-input"),
        ("GET", "/v1/scripts/svc/environments/staging/at?time=yesterday", None, 422, "invalid-input"),
        ("GET", "/v1/audit?kind=bogus", None, 422, "invalid-input"),
        ("PUT", "/v1/env/1BAD", {"value": "x"}, 422, "invalid-input"),
        ("DELETE", "/v1/tokens/nobody", None, 404, "not-found"),
        ("POST", "/v1/tokens", {"name": "x", "role": "root"}, 422, "invalid-input"),
    ],
)
def test_domain_errors_are_problems_with_their_status_and_type(
    server: LiveServer, ready: httpx.Client, method: str, path: str, body: object, status: int, kind: str
) -> None:
    before = server.log_size()
    assert_problem(ready.request(method, path, json=body), status, kind)
    assert server.log_size() == before


BAD_BODIES = [
    ("malformed JSON", b'{"name": "svc"', "application/json"),
    ("not JSON at all", b"name=svc", "application/json"),
    ("an unknown field", b'{"name": "svc", "owner": "me"}', "application/json"),
    ("a wrong type", b'{"name": 42}', "application/json"),
    ("a number as a string", b'{"name": "svc", "tags": "a,b"}', "application/json"),
    ("a list instead of an object", b'["svc"]', "application/json"),
    ("a missing field", b"{}", "application/json"),
    ("invalid UTF-8", b'{"name": "\xff"}', "application/json"),
    ("a form", b"name=svc", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("label", "content", "content_type"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_a_bad_body_is_a_4xx_problem_and_records_nothing(
    server: LiveServer, admin: httpx.Client, label: str, content: bytes, content_type: str
) -> None:
    before = server.log_size()
    response = admin.post("/v1/scripts", content=content, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)
    assert server.log_size() == before


def test_validation_problems_carry_the_pydantic_errors(admin: httpx.Client) -> None:
    body = assert_problem(admin.post("/v1/scripts", json={"name": 42, "extra": 1}), 422, "invalid-request")
    assert body["title"] == "Invalid request"
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "name"), ("body", "extra")}
    assert {e["type"] for e in body["errors"]} == {"string_type", "extra_forbidden"}
    assert "and 1 more" in body["detail"]


def test_wrong_types_are_not_coerced(server: LiveServer, admin: httpx.Client) -> None:
    assert_problem(admin.post("/v1/scripts/svc/environments/staging/promote", json={"version": "1"}), 422)
    assert_problem(admin.put("/v1/env/A", json={"value": "1", "secret": "yes"}), 422)


@pytest.mark.parametrize("path", ["/v1/scripts", "/v1/env/import"])
def test_a_body_over_one_mib_is_a_413_problem_declared_or_streamed(
    server: LiveServer, admin: httpx.Client, path: str
) -> None:
    before = server.log_size()
    declared = admin.post(path, content=b"x" * (MIB + 1), headers={"content-type": "application/json"})
    assert_problem(declared, 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(17):
            yield b"A" * 65536

    streamed = admin.post(path, content=chunks(), headers={"content-type": "application/json"})
    assert_problem(streamed, 413)
    assert server.log_size() == before


def test_a_body_just_under_the_limit_is_read(admin: httpx.Client) -> None:
    text = "A=" + "x" * (MIB - 100) + "\n"
    response = admin.post("/v1/env/import", content=text.encode())
    assert response.status_code == 200


def test_gate_refusals_carry_each_gate_as_a_member(server: LiveServer, admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    admin.put("/v1/scripts/svc/draft", json={"content": {"v": 1}})
    admin.post("/v1/scripts/svc/publish")
    body = assert_problem(admin.post("/v1/scripts/svc/environments/production/promote", json={"version": 1}), 409)
    assert "gates" in body
    assert all({"name", "passed", "detail"} <= set(gate) for gate in body["gates"])


@pytest.mark.parametrize(
    "error",
    [LedgerError, InvalidInputError, NotFoundError, AlreadyExistsError, RefusedError, ConflictError,
     UnauthenticatedError, ForbiddenError],
)
def test_each_problem_type_maps_back_to_its_error_class(error: type[LedgerError]) -> None:
    assert problem_type(error).startswith("urn:revledger:problem:")
    assert error_class(problem_type(error), row_of(error).status) is error


def test_an_unknown_problem_type_maps_by_status() -> None:
    assert error_class("about:blank", 401) is UnauthenticatedError
    assert error_class("about:blank", 404) is LedgerError


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/scripts/svc/draft", {"content": "[" * 5000 + "]" * 5000, "format": "json"}),
        ("PUT", "/v1/scripts/svc/draft", {"content": "a: " + "[" * 5000 + "]" * 5000, "format": "yaml"}),
        ("GET", "/v1/scripts/svc/environments/staging/at?time=9999-12-31T23:59:59-23:59", None),
        ("GET", "/v1/environments/staging/at?time=0001-01-01T00:00:00%2B23:59", None),
        ("GET", "/v1/scripts/svc/config?environment=staging&at=9999-12-31T23:59:59-23:59", None),
        ("GET", "/v1/audit?since=0001-01-01T00:00:00%2B23:59", None),
        ("GET", f"/v1/audit?after={10**30}", None),
        ("POST", "/v1/scripts/svc/environments/staging/promote", {"version": 10**30}),
    ],
    ids=["deep json text", "deep yaml text", "time past year 9999", "time before year 1",
         "config at past year 9999", "since before year 1", "position past int64", "huge version"],
)
def test_extreme_input_is_a_4xx_problem_not_a_crash(
    server: LiveServer, ready: httpx.Client, method: str, path: str, body: object
) -> None:
    before = server.log_size()
    response = ready.request(method, path, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)
    assert server.log_size() == before
