"""Safe promotion over HTTP: gates as problem+json, dry-run plans, overrides by role, diffs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from ledger.application import Ledger

WORKFLOW = {"blocks": [{"id": "a", "model": "{{ env.MODEL }}"}, {"id": "b"}], "connections": [["a", "b"]]}
WORKFLOW_2 = {"blocks": [{"id": "a", "model": "{{ env.MODEL }}", "t": 1}, {"id": "c"}], "connections": [["a", "c"]]}


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    settings = Settings(home=tmp_path)
    tmp_path.mkdir(exist_ok=True)
    ledger = Ledger(env=settings.eventsourcing_env())
    headers = {}
    for role in ("viewer", "editor", "deployer"):
        token = ledger.issue_token(org="acme", name=role, role=role, actor="setup").token
        headers[role] = {"Authorization": f"Bearer {token}", "x-organization-id": "acme"}
    ledger.close()
    with TestClient(create_app(settings)) as client:
        yield client, headers


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def shipped(api) -> tuple[TestClient, dict[str, dict[str, str]]]:
    client, h = api
    ok(client.post("/v1/scripts", json={"name": "svc"}, headers=h["editor"]), 201)
    ok(client.put("/v1/env/MODEL", json={"value": "m"}, headers=h["editor"]))
    for content in (WORKFLOW, WORKFLOW_2):
        ok(client.put("/v1/scripts/svc/draft", json={"content": content}, headers=h["editor"]))
        ok(client.post("/v1/scripts/svc/publish", json={}, headers=h["editor"]), 201)
    return client, h


def test_a_gate_refusal_is_a_409_problem_listing_every_gate_and_records_nothing(shipped) -> None:
    client, h = shipped
    before = ok(client.get("/v1/audit", headers=h["viewer"]))
    response = client.post("/v1/scripts/svc/environments/production/promote", json={"version": 1},
                           headers=h["deployer"])
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {g["name"]: g["passed"] for g in body["gates"]}["staging_first"] is False
    assert {"type", "title", "status", "detail"} <= set(body)
    assert ok(client.get("/v1/audit", headers=h["viewer"])) == before


def test_a_dry_run_answers_with_the_plan_and_records_nothing(shipped) -> None:
    client, h = shipped
    before = ok(client.get("/v1/audit", headers=h["viewer"]))
    plan = ok(client.post("/v1/scripts/svc/environments/production/promote",
                          json={"version": 2, "dry_run": True}, headers=h["deployer"]))
    assert (plan["current"], plan["target"], plan["would_pass"]) == (None, 2, False)
    assert plan["command"].startswith("revledger promote svc --version 2 --to production")
    assert ok(client.get("/v1/audit", headers=h["viewer"])) == before


def test_overriding_gates_needs_the_deployer_role_and_a_reason(shipped) -> None:
    client, h = shipped
    path = "/v1/scripts/svc/environments/staging/promote"
    assert client.post(path, json={"version": 1}, headers=h["editor"]).status_code == 200
    ok(client.post("/v1/scripts/svc/environments/production/promote", json={"version": 1}, headers=h["deployer"]))
    override = {"version": 2, "override_gates": True, "reason": "hotfix"}
    assert client.post(path.replace("staging", "development"), json={"version": 2}, headers=h["editor"]).status_code == 200
    denied = client.post("/v1/scripts/svc/environments/staging/promote", json=override, headers=h["editor"])
    assert denied.status_code == 403
    no_reason = client.post("/v1/scripts/svc/environments/production/promote",
                            json={"version": 2, "override_gates": True}, headers=h["deployer"])
    assert no_reason.status_code == 422
    moved = ok(client.post("/v1/scripts/svc/environments/production/promote", json=override, headers=h["deployer"]))
    assert moved["overridden_gates"] == ["staging_first"]
    row = ok(client.get("/v1/audit", params={"kind": "promote"}, headers=h["viewer"]))[-1]
    assert row["override"] is True and row["reason"] == "hotfix" and row["actor"] == "deployer"


def test_version_and_environment_diffs_are_served(shipped) -> None:
    client, h = shipped
    diff = ok(client.get("/v1/scripts/svc/diff", params={"from": "1", "to": "2"}, headers=h["viewer"]))
    assert diff["blocks"] == {"added": ["c"], "removed": ["b"], "changed": [{"id": "a", "fields": ["t"]}]}
    assert diff["connections"] == {"added": [["a", "c"]], "removed": [["a", "b"]]}
    code = ok(client.get("/v1/scripts/svc/diff", params={"from": "1", "to": "draft", "view": "code"},
                         headers=h["viewer"]))
    assert code["unified"] and code["changes"]
    ok(client.post("/v1/scripts/svc/environments/staging/promote", json={"version": 2}, headers=h["editor"]))
    envs = ok(client.get("/v1/scripts/svc/environments/diff", params={"left": "staging", "right": "production"},
                         headers=h["viewer"]))
    assert (envs["left_version"], envs["right_version"]) == (2, None)
    assert client.get("/v1/scripts/svc/diff", params={"from": "9", "to": "1"}, headers=h["viewer"]).status_code == 404
    assert json.loads(json.dumps(envs))  # plain JSON
