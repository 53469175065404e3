"""Releases and configuration promotion over HTTP: the release route, ``config/promote`` (with
production needing the deployer role) and ``with_config_from`` on promote."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

from tests.e2e.test_api_flow import publish
from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401
from tests.e2e.test_secrets_at_rest import stored_bytes


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
    before = server.log_size()
    plan = deployer.post("/v1/scripts/svc/environments/production/promote",
                         json={"version": 1, "with_config_from": "staging", "dry_run": True})
    assert plan.status_code == 200, plan.text
    assert plan.json()["would_pass"] is True and [c["key"] for c in plan.json()["config_promotion"]] == ["MODEL"]
    assert server.log_size() == before
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


def test_secrets_are_copied_over_http_resealed_for_the_target_and_never_stored_in_plaintext(
    server: LiveServer, org: str
) -> None:
    editor, deployer, admin = (server.client(org, role) for role in ("editor", "deployer", "admin"))
    key, password, old = (f"{prefix}-{org}" for prefix in ("sk-http-stag", "pw-http-stag", "sk-http-prod"))
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    publish(editor, "svc", {"steps": ["{{ env.API_KEY }}", "{{ env.DB_PASSWORD }}"]})
    assert editor.put("/v1/env/DB_PASSWORD", json={"value": password, "secret": True, "environment": "staging"},
                      ).status_code == 200
    assert editor.patch("/v1/scripts/svc/env", json={"environment": "staging", "set": {"API_KEY": key}}).status_code == 200
    assert deployer.patch("/v1/scripts/svc/env", json={"environment": "production", "set": {"API_KEY": old}}
                          ).status_code == 200
    assert editor.post("/v1/scripts/svc/environments/staging/promote", json={"version": 1}).status_code == 200

    plan = deployer.post("/v1/scripts/svc/config/promote",
                         json={"from": "staging", "to": "production", "include_tenant": True, "dry_run": True})
    done = deployer.post("/v1/scripts/svc/config/promote",
                         json={"from": "staging", "to": "production", "include_tenant": True})
    moved = deployer.post("/v1/scripts/svc/environments/production/promote", json={"version": 1})

    assert done.status_code == 200, done.text
    assert moved.status_code == 200, moved.text
    changes = {c["key"]: (c["op"], c["secret"], c["from_fingerprint"] is not None) for c in done.json()["changes"]}
    assert changes == {"API_KEY": ("change", True, True), "DB_PASSWORD": ("add", True, False)}
    assert done.json()["changes"] == plan.json()["changes"]
    production = admin.get("/v1/scripts/svc/config", params={"environment": "production", "reveal": "true"}).json()
    staging = admin.get("/v1/scripts/svc/config", params={"environment": "staging", "reveal": "true"}).json()
    assert {k: v["value"] for k, v in production["variables"].items()} == {"API_KEY": key, "DB_PASSWORD": password}
    same = ("value", "fingerprint", "secret")
    assert [[v[f] for f in same] for v in production["variables"].values()] == [
        [v[f] for f in same] for v in staging["variables"].values()]
    for secret in (key, password, old):
        assert secret not in plan.text + done.text + moved.text
    settings = server.settings
    if settings.database_url is None:
        db = settings.home / "ledger.db"
        found = subprocess.run(["grep", "-a", "-c", "-e", key, "-e", password, str(db)], capture_output=True, text=True)
        assert found.stdout.strip() == "0", found.stdout
    stored = stored_bytes(SimpleNamespace(home=settings.home, database_url=settings.database_url))
    assert [name for name, data in stored for s in (key, password, old) if s.encode() in data] == []


def test_history_over_http_lists_configuration_only_releases(server: LiveServer, org: str) -> None:
    editor = server.client(org, "editor")
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    publish(editor, "svc", {"steps": ["{{ env.MODEL }}"]})
    assert editor.patch("/v1/scripts/svc/env", json={"environment": "staging", "set": {"MODEL": "a"}}).status_code == 200
    assert editor.post("/v1/scripts/svc/environments/staging/promote", json={"version": 1}).status_code == 200
    first = editor.get("/v1/scripts/svc/environments/staging/release").json()
    assert editor.patch("/v1/scripts/svc/env", json={"environment": "staging", "set": {"MODEL": "b"}}).status_code == 200

    plain = editor.get("/v1/scripts/svc/history", params={"environment": "staging"}).json()
    assert [e["kind"] for e in plain] == ["promote", "publish"]  # config releases only when asked
    history = editor.get("/v1/scripts/svc/history", params={"environment": "staging", "releases": "true"})

    assert history.status_code == 200, history.text
    latest = history.json()[0]
    now = editor.get("/v1/scripts/svc/environments/staging/release").json()
    assert (latest["kind"], latest["version"], latest["previous_version"]) == ("config", 1, 1)
    assert (latest["release"], latest["previous_release"]) == (now["release"], first["release"])
    assert [e["kind"] for e in history.json()[1:]] == ["promote", "publish"]


def test_rollback_with_config_over_http_restores_the_earlier_secret(server: LiveServer, org: str) -> None:
    editor, deployer, admin = (server.client(org, role) for role in ("editor", "deployer", "admin"))
    old, new = f"sk-http-old-{org}", f"sk-http-new-{org}"
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    publish(editor, "svc", {"steps": ["{{ env.API_KEY }}"]})
    publish(editor, "svc", {"steps": ["{{ env.API_KEY }}", 2]})
    for environment, value in (("staging", new), ("production", old)):
        client = deployer if environment == "production" else editor
        assert client.patch("/v1/scripts/svc/env", json={"environment": environment, "set": {"API_KEY": value}}
                            ).status_code == 200
    for version, environment, body in ((1, "staging", {}), (1, "production", {}), (2, "staging", {}),
                                       (2, "production", {"with_config_from": "staging"})):
        moved = deployer.post(f"/v1/scripts/svc/environments/{environment}/promote", json={"version": version, **body})
        assert moved.status_code == 200, moved.text

    plan = deployer.post("/v1/scripts/svc/environments/production/rollback",
                         json={"to": 1, "with_config": True, "dry_run": True})
    rolled = deployer.post("/v1/scripts/svc/environments/production/rollback",
                           json={"to": 1, "with_config": True, "reason": "bad key"})

    assert rolled.status_code == 200, rolled.text
    [change] = plan.json()["config_promotion"]
    assert (change["key"], change["op"], change["secret"]) == ("API_KEY", "change", True)
    assert rolled.json()["config_changes"] == plan.json()["config_promotion"]
    config = admin.get("/v1/scripts/svc/config", params={"environment": "production", "reveal": "true"}).json()
    assert config["variables"]["API_KEY"]["value"] == old
    assert old not in plan.text + rolled.text and new not in plan.text + rolled.text
