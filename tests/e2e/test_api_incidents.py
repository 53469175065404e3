"""Incidents over HTTP: log batches (and their whole-batch rejection), the log summary, the
incident timeline as JSON, Markdown and HTML, the environment timeline and the compliance
report — with the roles each route needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401


class Api:
    """The live server, seen by one fresh organization's viewer, editor and deployer."""

    def __init__(self, server: LiveServer, org: str) -> None:
        self.server = server
        self.org = org
        self.clients: dict[str, httpx.Client] = {}

    def as_(self, role: str) -> httpx.Client:
        if role not in self.clients:
            self.clients[role] = self.server.client(self.org, role)
        return self.clients[role]

    def ok(self, method: str, path: str, role: str = "deployer", status: int = 200, **kw: Any) -> Any:
        response = self.as_(role).request(method, path, **kw)
        assert response.status_code == status, response.text
        return response

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def api(server: LiveServer, org: str) -> Any:
    made = Api(server, org)
    yield made
    made.close()


def records(since: str, until: str, count: int, failing: int = 0) -> list[dict[str, Any]]:
    start, stop = datetime.fromisoformat(since), datetime.fromisoformat(until)
    step = (stop - start) / (count + 1)
    return [{"timestamp": (start + step * (i + 1)).isoformat(), "script": "svc", "environment": "production",
             "status": "failed" if i < failing else "completed", "duration_ms": 100} for i in range(count)]


def now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def incident(api: Api) -> dict[str, Any]:
    """svc v1 shipped with healthy logs, v2 shipped with a spike, rolled back for INC-7, healthy after."""
    api.ok("POST", "/v1/scripts", json={"name": "svc"}, role="editor", status=201)
    for number in (1, 2):
        api.ok("PUT", "/v1/scripts/svc/draft", json={"content": {"v": number}}, role="editor")
        api.ok("POST", "/v1/scripts/svc/publish", json={}, role="editor", status=201)
    moves = {}
    for name, version in (("good", 1), ("bad", 2)):
        api.ok("POST", "/v1/scripts/svc/environments/staging/promote", json={"version": version})
        moves[name] = api.ok("POST", "/v1/scripts/svc/environments/production/promote", json={"version": version}).json()
        if name == "good":
            api.ok("POST", "/v1/logs", json={"records": records(moves["good"]["time"], now(), 20)}, role="editor")
    spike = api.ok("POST", "/v1/logs", json={"records": records(moves["bad"]["time"], now(), 20, failing=15)}, role="editor")
    assert spike.json()["imported"] == 20
    moves["rolled"] = api.ok("POST", "/v1/scripts/svc/environments/production/rollback",
                             json={"to": 0, "incident": "INC-7", "reason": "error spike"}).json()
    api.ok("POST", "/v1/logs", json={"records": records(moves["rolled"]["time"], now(), 20)}, role="editor")
    opened = api.ok("POST", "/v1/incidents", json={"id": "INC-7", "title": "totals missing",
                                                   "started": moves["bad"]["time"]}, role="editor", status=201)
    assert opened.json()["status"] == "open"
    return moves


def test_the_incident_timeline_names_the_bad_deploy_and_confirms_recovery_as_json(api: Api, incident: dict[str, Any]) -> None:
    story = api.ok("GET", "/v1/incidents/INC-7/timeline", role="viewer").json()
    assert set(story) >= {"incident", "window", "entries", "suspect", "recovered"}
    assert set(story["window"]) == {"since", "until"}
    assert all({"time", "kind"} <= set(e) for e in story["entries"])
    assert (story["suspect"]["version"], story["suspect"]["position"]) == (2, incident["bad"]["position"])
    assert story["recovery"]["rollback"]["position"] == incident["rolled"]["position"]
    assert story["recovered"] is True
    kinds = [e["kind"] for e in story["entries"] if e["kind"] != "bucket"]
    assert kinds[-4:] == ["incident_started", "promote", "rollback", "incident_opened"]


def test_the_incident_timeline_comes_as_markdown_or_as_an_html_page(api: Api, incident: dict[str, Any]) -> None:
    markdown = api.ok("GET", "/v1/incidents/INC-7/timeline", params={"format": "md"}, role="viewer")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Postmortem: INC-7 — totals missing")
    page = api.ok("GET", "/v1/incidents/INC-7/timeline", params={"format": "html", "bucket": "1m"}, role="viewer")
    assert page.headers["content-type"].startswith("text/html")
    assert "<svg" in page.text and '<polyline class="error-rate"' in page.text


def test_a_malformed_batch_is_a_422_problem_naming_the_record_and_nothing_is_imported(
    api: Api, incident: dict[str, Any]
) -> None:
    before = api.ok("GET", "/v1/logs/summary", params={"script": "svc"}, role="viewer").json()["count"]
    batch = records(incident["good"]["time"], now(), 3) + [{"timestamp": "yesterday", "script": "svc"}]
    body = assert_problem(api.as_("editor").post("/v1/logs", json={"records": batch}), 422)
    assert body["line"] == 4 and "record 4" in body["detail"] and "nothing was imported" in body["detail"]
    assert api.ok("GET", "/v1/logs/summary", params={"script": "svc"}, role="viewer").json()["count"] == before


def test_a_batch_may_be_json_lines_text_named_by_its_source_and_numbered_as_lines(
    api: Api, incident: dict[str, Any]
) -> None:
    editor = api.as_("editor")
    good = json.dumps({"timestamp": now(), "script": "svc", "environment": "staging", "status": "ok"})
    spaced = json.dumps({"timestamp": now(), "script": "svc", "environment": "staging", "status": "ok",
                         "message": "a\u2028b"}, ensure_ascii=False)
    body = editor.post("/v1/logs", json={"lines": f"{good}\r\n\n{spaced}\n", "source": "a.jsonl"})
    assert body.status_code == 200, body.text  # \u2028 inside a record does not split it
    assert (body.json()["source"], body.json()["imported"]) == ("a.jsonl", 2)
    refused = assert_problem(editor.post("/v1/logs", json={"lines": f"{good}\n\nnot json\n", "source": "b.jsonl"}), 422)
    assert refused["line"] == 3 and refused["detail"].startswith("b.jsonl: line 3: not valid JSON")
    for both_or_neither in ({"records": [], "lines": ""}, {"source": "c.jsonl"}):
        assert_problem(editor.post("/v1/logs", json=both_or_neither), 422)


def test_the_log_summary_has_the_stable_shape(api: Api, incident: dict[str, Any]) -> None:
    summary = api.ok("GET", "/v1/logs/summary", params={"script": "svc", "bucket": "5m"}, role="viewer").json()
    assert [(v["version"], v["count"], v["errors"]) for v in summary["by_version"]] == [(1, 40, 0), (2, 20, 15)]
    assert all(set(b) == {"start", "version", "count", "errors", "error_rate"} for b in summary["buckets"])


def test_the_environment_timeline_and_the_compliance_report_answer_over_http(api: Api, incident: dict[str, Any]) -> None:
    story = api.ok("GET", "/v1/timeline", params={"since": incident["good"]["time"], "environment": "production"},
                   role="viewer").json()
    assert story["incident"] is None and story["suspect"]["version"] == 2
    report = api.ok("GET", "/v1/reports/compliance", params={"since": incident["good"]["time"]}, role="viewer").json()
    assert [(r["kind"], r["to_version"], r["staged_first"], r["incident"]) for r in report["rows"]] == [
        ("promote", 1, True, None), ("promote", 2, True, None), ("rollback", 1, True, "INC-7")]
    assert {f["kind"] for f in report["findings"]} == {"no_smoke"}
    csv = api.ok("GET", "/v1/reports/compliance", params={"since": incident["good"]["time"], "format": "csv"},
                 role="viewer")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("time,actor,script,kind,from_version,to_version,staged_first")


def test_importing_logs_and_opening_incidents_need_the_editor_role_but_reading_needs_only_a_viewer(
    api: Api, incident: dict[str, Any]
) -> None:
    batch = json.dumps({"records": records(incident["good"]["time"], now(), 1)})
    viewer = api.as_("viewer")
    assert_problem(viewer.post("/v1/logs", content=batch, headers={"content-type": "application/json"}), 403)
    assert_problem(viewer.post("/v1/incidents", json={"id": "INC-8", "title": "t"}), 403)
    assert api.ok("GET", "/v1/incidents/INC-7", role="viewer").json()["title"] == "totals missing"
    closed = api.ok("POST", "/v1/incidents/INC-7/close", json={"resolution": "rolled back"}, role="editor").json()
    assert (closed["status"], closed["closed_by"], closed["resolution"]) == ("closed", "editor", "rolled back")


def test_an_unknown_incident_is_a_404_problem(api: Api) -> None:
    body = assert_problem(api.as_("viewer").get("/v1/incidents/INC-404/timeline"), 404, "not-found")
    assert "no incident INC-404" in body["detail"]


def test_a_promotion_can_be_tagged_with_an_incident_and_the_incidents_timeline_tells_it(api: Api) -> None:
    api.ok("POST", "/v1/scripts", json={"name": "svc"}, role="editor", status=201)
    for number in (1, 2):
        api.ok("PUT", "/v1/scripts/svc/draft", json={"content": {"v": number}}, role="editor")
        api.ok("POST", "/v1/scripts/svc/publish", json={}, role="editor", status=201)
    api.ok("POST", "/v1/scripts/svc/environments/staging/promote", json={"version": 1})
    plain = api.ok("POST", "/v1/scripts/svc/environments/production/promote", json={"version": 1}).json()
    hotfix = api.ok("POST", "/v1/scripts/svc/environments/production/promote",
                    json={"version": 2, "override_gates": True, "reason": "hotfix", "incident": "INC-9"}).json()
    assert (plain["incident"], hotfix["incident"], hotfix["overridden_gates"]) == (None, "INC-9", ["staging_first"])
    story = api.ok("GET", "/v1/incidents/INC-9/timeline", role="viewer").json()
    assert story["incident"]["tagged_changes"] == [hotfix["position"]]
    assert [(e["kind"], e["override"]) for e in story["entries"] if e.get("incident") == "INC-9"] == [("promote", True)]
