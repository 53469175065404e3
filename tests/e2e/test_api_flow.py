"""The API end to end, as a CI pipeline would drive it with curl: publish, promote through
staging to production, smoke-check, roll back; configuration; reads right after writes."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer, admin, assert_problem, org, server  # noqa: F401


def iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, f"{text} has no offset"
    return moment


def publish(client: httpx.Client, name: str, content: object, label: str | None = None) -> int:
    assert client.put(f"/v1/scripts/{name}/draft", json={"content": content}).status_code == 200
    response = client.post(f"/v1/scripts/{name}/publish", json={"label": label})
    assert response.status_code == 201, response.text
    return int(response.json()["version"])


def test_publish_promote_through_staging_to_production_then_roll_back(
    server: LiveServer, org: str
) -> None:
    editor = server.client(org, "editor")
    deployer = server.client(org, "deployer")

    created = editor.post("/v1/scripts", json={"name": "invoice-parser", "description": "Parse", "tags": ["billing"]})
    assert created.status_code == 201
    assert created.json()["latest_version"] is None
    assert created.json()["environments"] == {"development": None, "staging": None, "production": None}

    draft = editor.put("/v1/scripts/invoice-parser/draft", json={"content": "steps:\n  - parse\n", "format": "yaml"})
    assert draft.status_code == 200
    assert draft.json()["format"] == "yaml"
    assert draft.json()["status"] == "modified"

    published = editor.post("/v1/scripts/invoice-parser/publish", json={"label": "first", "note": "v1"})
    assert published.status_code == 201
    v1 = published.json()
    assert (v1["script"], v1["version"], v1["label"], v1["note"], v1["author"]) == ("invoice-parser", 1, "first", "v1", "editor")
    iso(v1["published_at"])
    v2 = publish(editor, "invoice-parser", {"steps": ["parse", "classify"]}, label="second")
    assert v2 == 2

    for version in (1, 2):
        moved = editor.post("/v1/scripts/invoice-parser/environments/staging/promote", json={"version": version})
        assert moved.status_code == 200
    staging = moved.json()
    assert (staging["script"], staging["environment"], staging["version"], staging["previous_version"]) == (
        "invoice-parser", "staging", 2, 1)

    first = deployer.post("/v1/scripts/invoice-parser/environments/production/promote",
                          json={"version": 1, "reason": "first release", "expect_current": None})
    assert first.status_code == 200
    second = deployer.post("/v1/scripts/invoice-parser/environments/production/promote",
                           json={"version": 2, "reason": "smoke passed", "expect_current": 1})
    assert second.status_code == 200
    assert (second.json()["version"], second.json()["previous_version"]) == (2, 1)

    # The smoke check reads right after the write: the pointer already shows it.
    assert editor.get("/v1/scripts/invoice-parser/environments").json() == {
        "script": "invoice-parser", "environments": {"development": None, "staging": 2, "production": 2}}
    assert editor.get("/v1/scripts/invoice-parser/versions/0").json()["version"] == 2

    rolled = deployer.post("/v1/scripts/invoice-parser/environments/production/rollback",
                           json={"to": 0, "incident": "INC-1042", "reason": "error spike"})
    assert rolled.status_code == 200
    body = rolled.json()
    assert (body["script"], body["environment"], body["version"], body["previous_version"], body["incident"]) == (
        "invoice-parser", "production", 1, 2, "INC-1042")
    assert body["kind"] == "rollback"
    assert body["actor"] == "deployer"

    # …and every read model reflects it as soon as the write has returned.
    status = editor.get("/v1/status", params={"environment": "production"}).json()
    assert [(r["script"], r["version"], r["kind"], r["incident"]) for r in status] == [
        ("invoice-parser", 1, "rollback", "INC-1042")]
    history = editor.get("/v1/scripts/invoice-parser/history", params={"environment": "production"}).json()
    assert [(h["kind"], h["version"]) for h in history] == [
        ("rollback", 1), ("promote", 2), ("promote", 1), ("publish", 2), ("publish", 1)]
    audit = editor.get("/v1/audit", params={"kind": "promote,rollback", "environment": "production"}).json()
    assert [(a["kind"], a["from_version"], a["to_version"], a["actor"]) for a in audit] == [
        ("promote", None, 1, "deployer"), ("promote", 1, 2, "deployer"), ("rollback", 2, 1, "deployer")]

    # What ran in production just before the rollback, and now.
    at = editor.get("/v1/scripts/invoice-parser/environments/production/at",
                    params={"time": body["time"]}).json()
    assert at["version"] == 1
    before = editor.get("/v1/scripts/invoice-parser/environments/production/at",
                        params={"time": second.json()["time"]}).json()
    assert (before["version"], before["set_by"]["kind"], before["until"] is not None) == (2, "promote", True)
    snapshot = editor.get("/v1/environments/production/at", params={"time": "now"}).json()
    assert [(s["script"], s["version"]) for s in snapshot] == [("invoice-parser", 1)]


def test_a_moved_pointer_refuses_an_expect_current_promotion_with_409_and_nothing_changes(
    server: LiveServer, admin: httpx.Client
) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    publish(admin, "svc", {"v": 1})
    publish(admin, "svc", {"v": 2})
    admin.post("/v1/scripts/svc/environments/staging/promote", json={"version": 1})
    before = server.log_size()
    refused = admin.post("/v1/scripts/svc/environments/staging/promote", json={"version": 2, "expect_current": None})
    body = assert_problem(refused, 409, "conflict")
    assert "expected unset" in body["detail"]
    assert server.log_size() == before
    assert admin.get("/v1/scripts/svc").json()["environments"]["staging"] == 1


def test_scripts_are_listed_and_filtered_by_tags(admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "a", "tags": ["billing", "llm"]})
    admin.post("/v1/scripts", json={"name": "b", "tags": ["billing"]})
    assert [s["name"] for s in admin.get("/v1/scripts").json()] == ["a", "b"]
    assert [s["name"] for s in admin.get("/v1/scripts", params={"tags": "llm,billing"}).json()] == ["a"]


def test_versions_are_listed_and_shown_with_their_content(admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    publish(admin, "svc", {"b": [1, 2], "a": "x"})
    publish(admin, "svc", "plain text\n")
    versions = admin.get("/v1/scripts/svc/versions").json()
    assert [(v["version"], v["format"]) for v in versions] == [(1, "json"), (2, "text")]
    assert set(versions[0]) >= {"version", "label", "note", "author", "published_at", "content_sha256"}
    assert admin.get("/v1/scripts/svc/versions/1").json()["content"] is None
    assert admin.get("/v1/scripts/svc/versions/1", params={"content": True}).json()["content"] == {"a": "x", "b": [1, 2]}
    assert admin.get("/v1/scripts/svc/versions/2", params={"content": True}).json()["content"] == "plain text\n"


@pytest.mark.parametrize(
    ("content", "fmt", "stored"),
    [
        ({"a": 1}, None, "json"),
        ('{"a": 1}', "json", "json"),
        ("a: 1\n", "yaml", "yaml"),
        ("anything at all", None, "text"),
        ([1, "two"], "yaml", "yaml"),
    ],
)
def test_a_draft_is_an_object_or_text_parsed_as_its_format(
    admin: httpx.Client, content: object, fmt: str | None, stored: str
) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    body: dict[str, object] = {"content": content}
    if fmt:
        body["format"] = fmt
    response = admin.put("/v1/scripts/svc/draft", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["format"] == stored


def test_a_draft_that_does_not_parse_is_refused_with_its_line_and_column(server: LiveServer, admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    before = server.log_size()
    body = assert_problem(admin.put("/v1/scripts/svc/draft", json={"content": "a: [1,\n", "format": "yaml"}), 422)
    assert "line" in body["detail"] and "column" in body["detail"]
    assert server.log_size() == before


def test_tenant_variables_are_set_listed_masked_and_deleted(server: LiveServer, org: str) -> None:
    editor, admin = server.client(org, "editor"), server.client(org, "admin")
    put = editor.put("/v1/env/DB_HOST", json={"value": "db.internal"})
    assert put.json() == {"key": "DB_HOST", "value": "db.internal", "secret": False,
                          "fingerprint": put.json()["fingerprint"], "environment": None}
    with server.client(org, "deployer") as deployer:  # production configuration needs a deployer (issue 10)
        secret = deployer.put("/v1/env/OPENAI_API_KEY", json={"value": "sk-live", "environment": "production"})
    assert secret.json()["secret"] is True
    assert secret.json()["value"] != "sk-live"
    listed = editor.get("/v1/env", params={"environment": "production"}).json()
    assert [(v["key"], v["value"] == "sk-live") for v in listed] == [("OPENAI_API_KEY", False)]
    revealed = admin.get("/v1/env/OPENAI_API_KEY", params={"environment": "production", "reveal": True})
    assert revealed.json()["value"] == "sk-live"
    deleted = editor.delete("/v1/env/DB_HOST")
    assert deleted.status_code == 200
    assert_problem(editor.get("/v1/env/DB_HOST"), 404, "not-found")


def test_a_dotenv_import_is_one_event_reporting_added_changed_unchanged(server: LiveServer, admin: httpx.Client) -> None:
    admin.put("/v1/env/A", json={"value": "1"})
    admin.put("/v1/env/B", json={"value": "2"})
    before = server.log_size()
    response = admin.post("/v1/env/import", content=b"# comment\nA=1\nB=changed\n\nC=3\n",
                          headers={"content-type": "text/plain"})
    assert response.status_code == 200, response.text
    assert {k: response.json()[k] for k in ("added", "changed", "unchanged")} == {"added": 1, "changed": 1, "unchanged": 1}
    assert server.log_size() == before + 1


def test_an_invalid_dotenv_import_names_the_line_and_imports_nothing(server: LiveServer, admin: httpx.Client) -> None:
    before = server.log_size()
    body = assert_problem(admin.post("/v1/env/import", content=b"GOOD=1\n1BAD=2\n", params={"source": ".env.prod"}), 422)
    assert body["detail"].startswith(".env.prod: line 2")
    assert server.log_size() == before


def test_overlays_set_and_delete_in_one_patch_and_config_resolves_with_layers(
    server: LiveServer, org: str
) -> None:
    editor, admin = server.client(org, "editor"), server.client(org, "admin")
    editor.post("/v1/scripts", json={"name": "svc"})
    editor.put("/v1/env/MODEL", json={"value": "gpt-4"})
    editor.put("/v1/env/DB_PASSWORD", json={"value": "hunter2", "secret": True})
    editor.patch("/v1/scripts/svc/env", json={"set": {"MODEL": "gpt-4.1", "LEGACY": "x"}})
    before = server.log_size()
    patched = editor.patch("/v1/scripts/svc/env", json={"set": {"TEMPERATURE": "0.0"}, "delete": ["LEGACY"], "environment": None})
    assert patched.status_code == 200
    assert (patched.json()["set"], patched.json()["deleted"]) == (["TEMPERATURE"], ["LEGACY"])
    assert server.log_size() == before + 1
    assert set(editor.get("/v1/scripts/svc/env").json()["variables"]) == {"MODEL", "TEMPERATURE"}

    config = editor.get("/v1/scripts/svc/config", params={"environment": "production"}).json()
    assert {k: v["layer"] for k, v in config["variables"].items()} == {
        "DB_PASSWORD": "tenant", "MODEL": "overlay", "TEMPERATURE": "overlay"}
    assert config["variables"]["DB_PASSWORD"]["value"] != "hunter2"
    revealed = admin.get("/v1/scripts/svc/config", params={"environment": "production", "reveal": True}).json()
    assert revealed["variables"]["DB_PASSWORD"]["value"] == "hunter2"


def test_config_at_an_instant_shows_the_layers_as_they_were(admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    first = admin.put("/v1/env/MODEL", json={"value": "gpt-4"})
    assert first.status_code == 200
    at = admin.get("/v1/audit", params={"kind": "env"}).json()[-1]["time"]
    admin.put("/v1/env/MODEL", json={"value": "gpt-5"})
    then = admin.get("/v1/scripts/svc/config", params={"environment": "staging", "at": at}).json()
    now = admin.get("/v1/scripts/svc/config", params={"environment": "staging"}).json()
    assert then["variables"]["MODEL"]["value"] == "gpt-4"
    assert now["variables"]["MODEL"]["value"] == "gpt-5"
    assert iso(then["at"]) == iso(at)


def test_the_audit_trail_pages_by_position_and_speaks_csv_and_ndjson(admin: httpx.Client) -> None:
    for name in ("a", "b", "c", "d", "e"):
        admin.post("/v1/scripts", json={"name": name})
    scripts = {"kind": "script"}  # (the admin token's own issue is in the trail too)
    first = admin.get("/v1/audit", params={"limit": 2, **scripts})
    assert [r["script"] for r in first.json()] == ["a", "b"]
    assert 'rel="next"' in first.headers["link"]
    after = first.json()[-1]["position"]
    second = admin.get("/v1/audit", params={"limit": 2, "after": after, **scripts}).json()
    assert [r["script"] for r in second] == ["c", "d"]
    last = admin.get("/v1/audit", params={"limit": 2, "after": second[-1]["position"], **scripts})
    assert [r["script"] for r in last.json()] == ["e"]
    assert "link" not in last.headers

    csv = admin.get("/v1/audit", params={"format": "csv", **scripts})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "position,time,org,actor,kind,script,environment,from_version,to_version,keys,reason,incident"
    assert len(csv.text.splitlines()) == 6
    ndjson = admin.get("/v1/audit", params={"format": "ndjson", "script": "c"})
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert len(ndjson.text.splitlines()) == 1


def test_times_are_iso_8601_with_an_offset(admin: httpx.Client) -> None:
    created = admin.post("/v1/scripts", json={"name": "svc"}).json()
    iso(created["created_at"])
    assert created["created_at"].endswith("+00:00")
