"""Two-person approvals of production configuration over HTTP, against the live server: the
configuration routes answer 202 with the change request (secret values masked, sealed in the
store), approvals come from the tokens' principals, and the last one writes the change."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.test_api_approvals import team  # noqa: F401 (the fixture)
from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401

SECRET = "http-approve-me-7Tq2Wn"


def stored(server: LiveServer) -> list[tuple[str, bytes]]:
    """Every file of the server's home (ledger.db, its WAL, the read models) and, on
    PostgreSQL, every stored event and snapshot."""
    found = [(str(p), p.read_bytes()) for p in server.settings.home.rglob("*") if p.is_file()]
    if server.settings.database_url:
        import psycopg

        with psycopg.connect(server.settings.database_url) as conn:
            for table in ("revledger_events", "revledger_snapshots"):
                found += [(table, bytes(state)) for (state,) in conn.execute(f"SELECT state FROM {table}")]  # noqa: S608
    return found


def leaked(server: LiveServer, secret: str) -> list[str]:
    return [name for name, data in stored(server) if secret.encode() in data]


def accepted(response: httpx.Response) -> dict[str, Any]:
    """A covered write: 202 with the open change request."""
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert body["state"] == "open" and body["approvers"] == []
    return body


def approve(team: dict[str, httpx.Client], request: dict[str, Any]) -> dict[str, Any]:
    path = f"/v1/requests/{request['id']}/approve"
    assert team["bob"].post(path, json={}).json()["state"] == "open"
    last = team["carol"].post(path, json={})
    assert last.status_code == 200, last.text
    assert last.json()["state"] == "applied", last.json()
    return last.json()["applied"]  # type: ignore[no-any-return]


def test_a_production_secret_put_answers_202_and_is_written_sealed_by_the_last_approval(
    server: LiveServer, team: dict[str, httpx.Client]
) -> None:
    body = {"value": SECRET, "environment": "production", "secret": True}
    assert_problem(team["eve"].put("/v1/env/DB_PASSWORD", json=body), 403)  # an editor: not production

    request = accepted(team["alice"].put("/v1/env/DB_PASSWORD", json=body))

    assert (request["operation"], request["requester"], request["role"]) == ("env.set", "alice", "deployer")
    assert request["command"]["set"] == {"DB_PASSWORD": "********"}
    assert SECRET not in team["eve"].get(f"/v1/requests/{request['id']}").text
    assert SECRET not in team["eve"].get("/v1/requests").text
    get = team["root"].get("/v1/env/DB_PASSWORD", params={"environment": "production"})
    assert_problem(get, 404)
    assert leaked(server, SECRET) == []
    path = f"/v1/requests/{request['id']}/approve"
    assert "cannot approve" in assert_problem(team["alice"].post(path, json={}), 409)["detail"]
    assert "deployer" in assert_problem(team["eve"].post(path, json={}), 403)["detail"]

    applied = approve(team, request)

    assert applied["value"] == "********"
    revealed = team["root"].get("/v1/env/DB_PASSWORD", params={"environment": "production", "reveal": True})
    assert revealed.json()["value"] == SECRET
    assert leaked(server, SECRET) == []


def test_delete_import_and_overlay_routes_in_production_answer_202_staging_does_not(
    server: LiveServer, team: dict[str, httpx.Client], org: str
) -> None:
    alice = team["alice"]
    staging = alice.put("/v1/env/REGION", json={"value": "eu", "environment": "staging"})
    assert staging.status_code == 200 and staging.json()["value"] == "eu"

    imported = accepted(alice.post("/v1/env/import", params={"environment": "production", "source": ".env.prod"},
                                   content="REGION=us\nSERVICE_TOKEN=imp-9Kd3\n"))
    assert imported["command"]["set"] == {"REGION": "us", "SERVICE_TOKEN": "********"}
    assert approve(team, imported)["added"] == 2
    deleting = accepted(alice.delete("/v1/env/REGION", params={"environment": "production"}))
    assert approve(team, deleting)["key"] == "REGION"
    listed = team["root"].get("/v1/env", params={"environment": "production", "reveal": True}).json()
    assert {v["key"]: v["value"] for v in listed} == {"SERVICE_TOKEN": "imp-9Kd3"}

    overlay = accepted(alice.patch("/v1/scripts/svc/env", json={"set": {"API_KEY": "ovl-3Hs8"},
                                                                "environment": "production"}))
    assert overlay["script"] == "svc" and overlay["command"]["set"] == {"API_KEY": "********"}
    assert approve(team, overlay)["set"] == ["API_KEY"]
    scriptum = accepted(alice.patch("/v1/scriptum/scripts/svc/env",
                                    json={"delete": ["API_KEY"], "environment": "production"}))
    assert scriptum["command"]["delete"] == ["API_KEY"]
    approve(team, scriptum)
    assert team["root"].get("/v1/scripts/svc/env", params={"environment": "production"}).json()["variables"] == {}
    assert leaked(server, "imp-9Kd3") == [] and leaked(server, "ovl-3Hs8") == []


def test_the_remote_client_answers_a_configuration_write_with_the_request(
    server: LiveServer, team: dict[str, httpx.Client], org: str
) -> None:
    from api.client import LedgerClient
    from ledger.approvals import RequestView

    token = team["alice"].headers["Authorization"].removeprefix("Bearer ")
    client = LedgerClient(server.url, token)

    request = client.set_variable(org=org, key="MODEL", value="gpt-5", actor="ignored", environment="production")

    assert isinstance(request, RequestView) and request.requester == "alice"
    assert request.command["set"] == {"MODEL": "gpt-5"}  # not a secret: shown as it is
    assert client.set_variable(org=org, key="MODEL", value="gpt-5", actor="x", environment="staging").value == "gpt-5"


def test_config_promote_into_production_answers_202_and_copies_when_approved(
    server: LiveServer, team: dict[str, httpx.Client]
) -> None:
    root = team["root"]
    assert root.patch("/v1/scripts/svc/env", json={"set": {"MODEL": "gpt-5"}, "environment": "staging"}).status_code == 200
    path = "/v1/scripts/svc/config/promote"
    assert team["alice"].post(path, json={"from": "staging", "to": "production", "dry_run": True}).status_code == 200

    request = accepted(team["alice"].post(path, json={"from": "staging", "to": "production"}))

    assert request["operation"] == "config.promote" and request["plan"]["changes"][0]["key"] == "MODEL"
    assert approve(team, request)["changes"][0]["op"] == "add"
    overlay = root.get("/v1/scripts/svc/env", params={"environment": "production"}).json()
    assert overlay["variables"]["MODEL"]["value"] == "gpt-5"
