"""Input the server must refuse with a 4xx problem, never store or crash on: alias bombs, lone
surrogates, absurd durations, malformed bodies; a damaged store answers a stable 500 problem;
authentication comes before the body; OPTIONS and 405 list the path's methods."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer, admin, assert_problem, org, server  # noqa: F401

JSON = {"content-type": "application/json"}


def alias_bomb(levels: int = 6, width: int = 10) -> str:
    """The 383-byte draft of the report: l0 a string, each lN a list of ten aliases of lN-1."""
    lines = ['l0: &l0 "xxxxxxxxxx"']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def svc(admin: httpx.Client) -> httpx.Client:
    admin.post("/v1/scripts", json={"name": "svc"})
    return admin


def test_an_alias_bomb_draft_is_a_413_problem_and_records_nothing(server: LiveServer, svc: httpx.Client) -> None:
    before = server.log_size()
    response = svc.put("/v1/scripts/svc/draft", json={"content": alias_bomb(), "format": "yaml"})
    body = assert_problem(response, 413, "content-too-large")
    assert "nodes" in body["detail"] or "REVLEDGER_MAX_CONTENT_BYTES" in body["detail"]
    assert server.log_size() == before


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/v1/scripts/svc/draft", b'{"content": {"k": "\\udfff"}}'),
        ("/v1/scripts/svc/draft", b'{"content": "\\ud800", "format": "text"}'),
        ("/v1/logs", b'{"records": [{"timestamp": "2026-01-01T00:00:00Z", "script": "svc", '
                     b'"environment": "production", "status": "ok", "message": "\\udfff"}]}'),
    ],
)
def test_a_lone_surrogate_is_a_422_problem(server: LiveServer, svc: httpx.Client, path: str, raw: bytes) -> None:
    before = server.log_size()
    method = "PUT" if path.endswith("draft") else "POST"
    assert_problem(svc.request(method, path, content=raw, headers=JSON), 422)
    assert server.log_size() == before


@pytest.mark.parametrize(
    "path",
    [
        "/v1/timeline?since=2026-01-01T00:00:00Z&bucket=99999999999999999999d",
        "/v1/incidents/INC-9/timeline?after=9999999d",
        "/v1/incidents/INC-9/timeline?before=9999999d",
        "/v1/logs/summary?script=svc&bucket=99999999999999999999d",
    ],
)
def test_absurd_durations_are_422_problems(svc: httpx.Client, path: str) -> None:
    svc.post("/v1/incidents", json={"id": "INC-9", "title": "slow"})
    assert_problem(svc.get(path), 422, "invalid-input")


@pytest.mark.parametrize("raw", [b'{"name": "\xff"}', b'{"name": "svc"', b"\xfe\xff"])
def test_malformed_json_and_invalid_utf8_are_422_problems_of_the_common_shape(
    admin: httpx.Client, raw: bytes
) -> None:
    body = assert_problem(admin.post("/v1/scripts", content=raw, headers=JSON), 422, "invalid-request")
    assert body["title"] == "Invalid request"
    assert isinstance(body["errors"], list) and body["errors"]


@pytest.mark.parametrize("raw", [b"{not json", b'{"content": 1}', b"\xff" * 10])
def test_an_unauthenticated_request_is_401_whatever_its_body(server: LiveServer, org: str, raw: bytes) -> None:
    with server.client(org) as anonymous:
        assert_problem(anonymous.put("/v1/scripts/svc/draft", content=raw, headers=JSON), 401)
        assert_problem(anonymous.post("/v1/logs", content=raw, headers=JSON), 401)


def test_options_and_405_list_every_method_of_the_path(admin: httpx.Client) -> None:
    options = admin.options("/v1/scripts")
    assert options.status_code in (200, 204)
    assert set(options.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    refused = admin.delete("/v1/scripts")
    assert_problem(refused, 405)
    assert set(refused.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    draft = admin.options("/v1/scripts/svc/draft")
    assert {"PUT", "OPTIONS"} <= set(draft.headers["allow"].replace(" ", "").split(","))


@pytest.mark.sqlite_only  # it damages the SQLite file itself
def test_a_missing_event_mid_history_is_a_500_problem_naming_the_script(
    server: LiveServer, svc: httpx.Client
) -> None:
    for v in (1, 2, 3):
        svc.put("/v1/scripts/svc/draft", json={"content": {"v": v}})
    damage(server.settings.ledger_path, "svc")
    body = assert_problem(svc.get("/v1/scripts/svc"), 500, "damaged-store")
    assert "svc" in body["detail"] and "damaged" in body["detail"]


def damage(path: object, script: str) -> None:
    """Delete the second event of the script's history (as a damaged store would lose it)."""
    db = sqlite3.connect(str(path))
    with db:
        # Whoever damages the file can drop the guard rail triggers first (issue 15).
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            db.execute(f'DROP TRIGGER "{trigger}"')
        rows = db.execute(
            "SELECT originator_id, originator_version, state FROM stored_events ORDER BY rowid"
        ).fetchall()
        ids = {r[0] for r in rows if f'"{script}"'.encode() in r[2] and r[1] == 1}
        assert ids
        for originator in ids:
            db.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 2",
                       [originator])
    db.close()


def test_the_openapi_document_declares_the_enforced_constraints(server: LiveServer) -> None:
    doc = httpx.get(f"{server.url}/openapi.json", timeout=120).json()
    text = json.dumps(doc)
    create = doc["components"]["schemas"]["ScriptCreate"]["properties"]["name"]
    assert "pattern" in create
    env_param = next(
        p for p in doc["paths"]["/v1/scripts/{name}/environments/{env}/promote"]["post"]["parameters"]
        if p["name"] == "env"
    )
    assert env_param["schema"].get("enum") == ["development", "staging", "production"]
    name_param = next(p for p in doc["paths"]["/v1/scripts/{name}"]["get"]["parameters"] if p["name"] == "name")
    assert "pattern" in name_param["schema"]
    assert '"format": "date-time"' in text
