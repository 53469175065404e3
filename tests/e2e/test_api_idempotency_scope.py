"""Idempotency keys belong to the token that sent them; ``POST /v1/logs`` honours them, and
every log import is in the audit trail (who, how many records, which scripts)."""

from __future__ import annotations

import httpx

from tests.e2e.test_api_server import LiveServer, admin, assert_problem, org, server  # noqa: F401


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_another_token_of_the_same_org_never_gets_a_replayed_response(server: LiveServer, org: str) -> None:
    one, two = server.issue(org, "admin", name="one"), server.issue(org, "admin", name="two")
    with server.client(org, token=one) as first, server.client(org, token=two) as second:
        created = first.post("/v1/scripts", json={"name": "svc"}, headers=keyed("shared"))
        assert created.status_code == 201
        other = second.post("/v1/scripts", json={"name": "svc"}, headers=keyed("shared"))
        assert "idempotent-replayed" not in other.headers
        assert_problem(other, 409, "already-exists")
        again = first.post("/v1/scripts", json={"name": "svc"}, headers=keyed("shared"))
        assert again.headers["idempotent-replayed"] == "true"


RECORDS = [
    {"timestamp": "2026-11-25T13:00:00Z", "script": "svc", "environment": "production", "status": "ok"},
    {"timestamp": "2026-11-25T13:01:00Z", "script": "svc", "environment": "production", "status": "error"},
]


def test_a_keyed_log_import_retried_returns_the_first_response(server: LiveServer, admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    first = admin.post("/v1/logs", json={"records": RECORDS}, headers=keyed("logs-1"))
    assert first.status_code == 200, first.text
    assert first.json()["imported"] == 2
    size = server.log_size()
    retry = admin.post("/v1/logs", json={"records": RECORDS}, headers=keyed("logs-1"))
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert server.log_size() == size
    other = admin.post("/v1/logs", json={"records": RECORDS[:1]}, headers=keyed("logs-1"))
    assert_problem(other, 422, "idempotency-key")


def test_a_log_import_is_in_the_audit_trail_with_who_how_many_and_which_scripts(
    server: LiveServer, admin: httpx.Client
) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    admin.post("/v1/logs", json={"records": RECORDS})
    rows = admin.get("/v1/audit", params={"kind": "logs"}).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == "admin"
    assert row["details"]["imported"] == 2 and row["details"]["scripts"] == ["svc"]
    assert row["script"] == "svc"
