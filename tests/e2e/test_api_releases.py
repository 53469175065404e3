"""Releases and configuration promotion over HTTP: the release route, ``config/promote`` (with
production needing the deployer role) and ``with_config_from`` on promote."""

from __future__ import annotations

from tests.e2e.test_api_flow import publish
from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401


def test_config_promote_over_http_needs_deployer_for_production_and_plans_without_writing(
    server: LiveServer, org: str
) -> None:
    editor, deployer = server.client(org, "editor"), server.client(org, "deployer")
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    assert editor.patch("/v1/scripts/svc/env", json={"environment": "staging", "set": {"MODEL": "large"}}).status_code == 200
    before = server.log_size()

    plan = editor.post("/v1/scripts/svc/config/promote", json={"from": "staging", "to": "production", "dry_run": True})
    assert plan.status_code == 200, plan.text
    assert plan.json()["changes"][0] | {"key": "MODEL", "op": "add"} == plan.json()["changes"][0]
    assert plan.json()["position"] is None and server.log_size() == before
    assert_problem(editor.post("/v1/scripts/svc/config/promote", json={"from": "staging", "to": "production"}), 403)
    done = deployer.post("/v1/scripts/svc/config/promote", json={"from": "staging", "to": "production"})
    assert done.status_code == 200, done.text
    assert (done.json()["from"], done.json()["to"], done.json()["position"] is not None) == ("staging", "production", True)


def test_promote_with_config_from_and_the_release_route(server: LiveServer, org: str) -> None:
    editor, deployer = server.client(org, "editor"), server.client(org, "deployer")
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    publish(editor, "svc", {"steps": ["{{ env.MODEL }}"]})
    assert editor.patch("/v1/scripts/svc/env", json={"environment": "staging", "set": {"MODEL": "large"}}).status_code == 200
    assert editor.post("/v1/scripts/svc/environments/staging/promote", json={"version": 1}).status_code == 200

    refused = deployer.post("/v1/scripts/svc/environments/production/promote", json={"version": 1})
    assert refused.status_code == 409
    moved = deployer.post("/v1/scripts/svc/environments/production/promote",
                          json={"version": 1, "with_config_from": "staging"})
    assert moved.status_code == 200, moved.text
    assert [c["key"] for c in moved.json()["config_changes"]] == ["MODEL"]

    release = editor.get("/v1/scripts/svc/environments/production/release")
    assert release.status_code == 200
    body = release.json()
    assert body["version"] == 1 and len(body["config_sha256"]) == 64 and body["variables"]["MODEL"]["value"] == "large"
    staging = editor.get("/v1/scripts/svc/environments/staging/release").json()
    assert staging["config_sha256"] == body["config_sha256"] and staging["release"] == body["release"]
