"""Incidents through the CLI: a scripted incident told as one timeline, log imports and their
rejection, log summaries, and the compliance report in every format.

The scripted incident: v1 runs in production with healthy logs, a bad v2 is shipped and its
logs spike with failures, production is rolled back with an incident ID, a smoke run checks
v1, and the logs after the rollback are (or are not) healthy again. Log timestamps are placed
between the real times of the recorded changes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"
CONTENT = {"blocks": [{"id": "extract", "type": "llm.extract"}, {"id": "store", "table": "invoices"}]}
SMOKE_INPUT = json.dumps({"document": "ACME Corp\nTotal: 1,250.00"})


def spread(since: str, until: str, count: int, failing: Callable[[int], bool] = lambda i: False,
           script: str = "svc") -> list[str]:
    """``count`` JSON Lines spread strictly inside (since, until), some failing."""
    start, stop = datetime.fromisoformat(since), datetime.fromisoformat(until)
    step = (stop - start) / (count + 1)
    return [
        json.dumps({"timestamp": (start + step * (i + 1)).isoformat(), "script": script,
                    "environment": "production", "status": "failed" if failing(i) else "completed",
                    "duration_ms": 900 if failing(i) else 120, "run_id": f"r{i}"}) + "\n"
        for i in range(count)
    ]


def now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.fixture
def svc(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """svc with versions 1 and 2 (runnable by the example runner)."""
    monkeypatch.setenv("REVLEDGER_RUNNER", RUNNER)
    cli.ok("script", "create", "svc")
    for number in (1, 2):
        path = cli.write(f"v{number}.json", json.dumps({**CONTENT, "v": number}))
        cli.ok("draft", "save", "svc", "-f", path)
        cli.ok("draft", "publish", "svc")
    return cli


def scripted_incident(cli: Any, after_rollback: str) -> dict[str, Any]:
    """Run the incident; ``after_rollback`` is ``healthy``, ``failing`` or ``silent`` (no logs)."""
    good = cli.ship("svc", 1)
    cli.ok("logs", "import", cli.write("before.jsonl", "".join(spread(good["time"], now(), 30))))
    bad = cli.ship("svc", 2)
    spike = spread(bad["time"], now(), 30, failing=lambda i: i % 3 != 0)
    imported = cli.json("logs", "import", cli.write("spike.jsonl", "".join(spike)))
    assert imported["imported"] == 30
    rolled = cli.json("version", "rollback", "svc", "--to", "0", "--incident", "INC-7", "--reason", "error spike")
    smoke = cli.json("run", "svc", "--input", SMOKE_INPUT, "--env")
    if after_rollback != "silent":
        fails = (lambda i: True) if after_rollback == "failing" else (lambda i: False)
        cli.ok("logs", "import", cli.write("after.jsonl", "".join(spread(rolled["time"], now(), 30, fails))))
    cli.ok("incident", "open", "INC-7", "--title", "invoice totals missing", "--started", bad["time"])
    cli.ok("incident", "close", "INC-7", "--resolution", "rolled back to v1")
    return {"good": good, "bad": bad, "rolled": rolled, "smoke": smoke}


def test_the_incident_timeline_tells_the_story_in_order_names_the_bad_deploy_and_confirms_recovery(svc: Any) -> None:
    moves = scripted_incident(svc, "healthy")
    story = svc.json("incident", "timeline", "INC-7")

    stories = [e["kind"] for e in story["entries"] if e["kind"] != "bucket"]
    assert stories == ["script", "draft", "publish", "draft", "publish", "promote", "incident_started",
                       "promote", "rollback", "run", "incident_opened", "incident_closed"]
    times = [e["time"] for e in story["entries"]]
    assert times == sorted(times)
    promotes = [e for e in story["entries"] if e["kind"] == "promote"]
    assert [(e["from_version"], e["to_version"], e["environment"]) for e in promotes] == [
        (None, 1, "production"), (1, 2, "production")]

    suspect = story["suspect"]
    assert (suspect["script"], suspect["version"], suspect["kind"]) == ("svc", 2, "promote")
    assert (suspect["time"], suspect["position"]) == (moves["bad"]["time"], moves["bad"]["position"])
    assert (suspect["records_before"], suspect["rate_before"]) == (30, 0.0)
    assert (suspect["records_after"], suspect["errors_after"]) == (30, 20)

    recovery = story["recovery"]
    assert (recovery["rollback"]["position"], recovery["rollback"]["incident"]) == (moves["rolled"]["position"], "INC-7")
    assert [(r["run_id"], r["version"], r["status"]) for r in recovery["smoke_runs"]] == [
        (moves["smoke"]["run_id"], 1, "passed")]
    assert (recovery["records_after"], recovery["errors_after"], recovery["tolerance"]) == (30, 0, 0.02)
    assert story["recovered"] is True

    buckets = [e for e in story["entries"] if e["kind"] == "bucket"]
    assert sum(b["count"] for b in buckets) == 90
    assert {b["version"] for b in buckets} == {1, 2}
    assert sum(b["errors"] for b in buckets if b["version"] == 2) == 20
    assert story["incident"]["id"] == "INC-7" and story["incident"]["status"] == "closed"
    since = datetime.fromisoformat(story["window"]["since"])
    assert since == datetime.fromisoformat(moves["bad"]["time"]) - timedelta(hours=2)
    assert story["bucket"] == "3m"  # 3h window (2h before, 1h after): about 60 buckets


@pytest.mark.parametrize(("after_rollback", "recovered"), [("failing", False), ("silent", None)])
def test_the_recovery_verdict_is_false_while_errors_persist_and_null_without_logs_after_the_rollback(
    svc: Any, after_rollback: str, recovered: bool | None
) -> None:
    scripted_incident(svc, after_rollback)
    story = svc.json("incident", "timeline", "INC-7")
    assert story["suspect"]["version"] == 2
    assert story["recovered"] is recovered
    assert story["recovery"]["recovered"] is recovered


def test_the_markdown_timeline_is_a_postmortem_skeleton_and_the_html_one_a_self_contained_chart(svc: Any) -> None:
    scripted_incident(svc, "healthy")
    markdown = svc.ok("incident", "timeline", "INC-7", "-o", "md", "--before", "30m", "--after", "5m").stdout
    assert markdown.startswith("# Postmortem: INC-7 — invoice totals missing\n")
    for heading in ("## Summary", "## Suspect change", "## Recovery", "## Timeline", "## Action items"):
        assert heading in markdown
    assert "promotion of svc v1 → v2" in markdown
    assert "**Verdict: recovered**" in markdown
    assert "tolerance +2.0 percentage points" in markdown

    page = svc.ok("incident", "timeline", "INC-7", "-o", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<script|<link|src=|href=", page)
    assert page.count('<rect class="lane"') == 3  # v1, v2, v1 again
    assert '<polyline class="error-rate"' in page


def test_an_environment_timeline_tells_the_same_story_without_an_incident(svc: Any) -> None:
    moves = scripted_incident(svc, "healthy")
    story = svc.json("timeline", "--environment", "production", "--since", moves["good"]["time"],
                     "--until", "now", "--bucket", "1m")
    assert story["incident"] is None
    assert story["bucket"] == "1m"
    assert story["suspect"]["position"] == moves["bad"]["position"]
    assert story["recovered"] is True
    assert [e["kind"] for e in story["entries"] if e["kind"] != "bucket"] == ["promote", "promote", "rollback", "run"]


def test_logs_summary_json_has_the_stable_shape_per_version_and_per_bucket(svc: Any) -> None:
    scripted_incident(svc, "healthy")
    summary = svc.json("logs", "summary", "svc", "--environment", "production", "--bucket", "5m")
    assert summary["bucket"] == "5m"
    assert [(v["version"], v["count"], v["errors"]) for v in summary["by_version"]] == [(1, 60, 0), (2, 30, 20)]
    assert all(set(v) == {"version", "count", "errors", "error_rate", "p50_ms", "p95_ms"} for v in summary["by_version"])
    assert summary["by_version"][1]["p95_ms"] == 900.0
    assert all(set(b) == {"start", "version", "count", "errors", "error_rate"} for b in summary["buckets"])
    assert [(i["version"], i["count"], i["error_rate"]) for i in summary["intervals"]] == [
        (1, 30, 0.0), (2, 30, 0.6667), (1, 30, 0.0)]
    table = svc.ok("logs", "summary", "svc").stdout
    assert "by version" in table and "90 records, 20 errors" in table


@pytest.mark.parametrize(("bad", "problem"), [
    ("{not json", "not valid JSON"),
    ('{"timestamp": "2026-11-25T14:03:00", "script": "svc", "environment": "production", "status": "ok"}',
     "has no offset"),
    ('{"timestamp": "2026-11-25T14:03:00Z", "environment": "production", "status": "ok"}', "missing 'script'"),
    ('{"timestamp": "2026-11-25T14:03:00Z", "script": "svc", "environment": "prod", "level": "info"}',
     "unknown environment 'prod'"),
    ('{"timestamp": "2026-11-25T14:03:00Z", "script": "svc", "environment": "production"}',
     "needs a 'status' or a 'level'"),
    ('{"timestamp": "2026-11-25T14:03:00Z", "script": "svc", "environment": "production", "status": "ok", "duration_ms": -5}',
     "'duration_ms' must be a number"),
    ('{"timestamp": "2026-11-25T14:03:00Z", "script": "other", "environment": "production", "status": "ok"}',
     "unknown script 'other'"),
])
def test_a_malformed_log_file_is_rejected_whole_naming_the_line(svc: Any, bad: str, problem: str) -> None:
    good = spread("2026-11-25T14:00:00+00:00", "2026-11-25T14:01:00+00:00", 3)
    path = svc.write("mixed.jsonl", good[0] + "\n" + good[1] + bad + "\n" + good[2])
    message = svc.fails("logs", "import", path)
    assert message.startswith(f"{path}: line 4: ")
    assert problem in message and message.endswith("nothing was imported")
    assert svc.json("logs", "summary", "svc")["count"] == 0


def test_a_log_file_that_is_not_utf8_is_rejected_whole(svc: Any) -> None:
    good = spread("2026-11-25T14:00:00+00:00", "2026-11-25T14:01:00+00:00", 1)[0].encode()
    path = svc.write("latin1.jsonl", good + b'{"message": "caf\xe9"}\n')
    assert svc.fails("logs", "import", path) == f"{path}: not UTF-8 text; nothing was imported"
    assert svc.json("logs", "summary", "svc")["count"] == 0


def test_a_rejected_log_file_reports_its_line_as_json_when_json_is_asked_for(svc: Any) -> None:
    path = svc.write("bad.jsonl", '{"timestamp": "x"}\n')
    result = svc("logs", "import", path, "-o", "json")
    assert result.exit_code == 1
    body = json.loads(result.stderr)
    assert body["line"] == 1 and "line 1" in body["error"]


@pytest.mark.parametrize(("args", "problem"), [
    (("logs", "import", "missing.jsonl"), "log file missing.jsonl does not exist"),
    (("incident", "timeline", "INC-404"), "no incident INC-404"),
    (("incident", "timeline", "INC-7", "--before", "2"), "invalid --before '2'"),
    (("incident", "close", "INC-404"), "no incident INC-404 was opened"),
    (("incident", "open", "INC 7", "--title", "t"), "invalid incident ID"),
    (("timeline", "--since", "2026-11-25T14:00:00"), "has no offset"),
    (("logs", "summary", "nosuch"), "unknown script 'nosuch'"),
    (("report", "compliance", "--since", "2026-11-25T14:00:00Z", "--until", "2026-11-25T13:00:00Z"),
     "--until must not be before --since"),
])
def test_refusals_are_one_line_on_stderr_with_exit_code_1(svc: Any, args: tuple[str, ...], problem: str) -> None:
    assert problem in svc.fails(*args)


def test_an_incident_id_can_be_opened_only_once(svc: Any) -> None:
    opened = svc.json("incident", "open", "INC-9", "--title", "slow", "--script", "svc")
    assert (opened["id"], opened["status"], opened["scripts"], opened["opened_by"]) == ("INC-9", "open", ["svc"], "tester")
    assert "already open" in svc.fails("incident", "open", "INC-9", "--title", "again")
    closed = svc.json("incident", "close", "INC-9")
    assert (closed["status"], closed["closed_by"]) == ("closed", "tester")
    assert "already closed" in svc.fails("incident", "close", "INC-9")


def compliance_history(cli: Any) -> dict[str, Any]:
    """v1 staged, smoke-tested and shipped; v2 forced to production past the staging gate."""
    cli.ok("promote", "svc", "--version", "1", "--to", "staging")
    cli.ok("run", "svc", "--environment", "staging", "--version", "1", "--input", SMOKE_INPUT)
    first = cli.json("promote", "svc", "--version", "1", "--to", "production", "--reason", "release 1")
    forced = cli.json("promote", "svc", "--version", "2", "--to", "production", "--override-gates",
                      "--reason", "hotfix")
    return {"first": first, "forced": forced}


def test_the_compliance_report_lists_each_production_change_with_its_evidence_and_findings(svc: Any) -> None:
    moves = compliance_history(svc)
    report = svc.json("report", "compliance", "--since", moves["first"]["time"], "--until", "now")
    assert set(report) >= {"rows", "findings", "summary"}
    columns = ("time", "actor", "script", "kind", "from_version", "to_version", "staged_first", "smoke",
               "override", "incident", "reason")
    assert all(set(columns) <= set(row) for row in report["rows"])
    assert [tuple(r[c] for c in columns) for r in report["rows"]] == [
        (moves["first"]["time"], "tester", "svc", "promote", None, 1, True, "passed", False, None, "release 1"),
        (moves["forced"]["time"], "tester", "svc", "promote", 1, 2, False, None, True, None, "hotfix"),
    ]
    assert [(f["kind"], f["row"]["to_version"]) for f in report["findings"]] == [
        ("override", 2), ("no_staging", 2), ("no_smoke", 2)]
    assert report["summary"]["by_kind"] == {"promote": 2}

    rows = list(csv.DictReader(io.StringIO(svc.ok("report", "compliance", "--since", moves["first"]["time"], "-o", "csv").stdout)))
    assert [(r["to_version"], r["staged_first"], r["smoke"], r["override"]) for r in rows] == [
        ("1", "true", "passed", "false"), ("2", "false", "", "true")]
    markdown = svc.ok("report", "compliance", "--since", moves["first"]["time"]).stdout
    assert markdown.startswith("# Compliance report: production")
    assert "| 1 | override |" in markdown and "YES: staging_first by tester" in markdown
    page = svc.ok("report", "compliance", "--since", moves["first"]["time"], "-o", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "staging_first overridden by tester (hotfix)" in page


def test_a_compliant_period_has_no_findings(svc: Any) -> None:
    moves = compliance_history(svc)
    report = svc.json("report", "compliance", "--since", moves["first"]["time"], "--until", moves["first"]["time"])
    assert [r["to_version"] for r in report["rows"]] == [1]
    assert report["findings"] == [] and report["summary"]["compliant"] is True
    assert "Findings: none" in svc.ok("report", "compliance", "--since", moves["first"]["time"],
                                      "--until", moves["first"]["time"]).stdout


def test_a_promotion_tagged_with_an_incident_is_recorded_with_it_and_told_in_the_incidents_timeline(svc: Any) -> None:
    good = svc.ship("svc", 1)
    hotfix = svc.json("promote", "svc", "--version", "2", "--to", "production", "--override-gates",
                      "--reason", "hotfix", "--incident", "INC-9")
    assert (hotfix["incident"], hotfix["overridden_gates"], hotfix["reason"]) == ("INC-9", ["staging_first"], "hotfix")
    assert [(r["kind"], r["to_version"], r["override"]) for r in svc.json("audit", "--incident", "INC-9", "-o", "json")] == [
        ("promote", 2, True)]
    assert svc.json("report", "compliance", "--since", good["time"])["rows"][-1]["incident"] == "INC-9"

    story = svc.json("incident", "timeline", "INC-9")
    assert (story["incident"]["status"], story["incident"]["tagged_changes"]) == ("not opened", [hotfix["position"]])
    assert story["incident"]["scripts"] == ["svc"] and story["environment"] == "production"
    tagged = [e for e in story["entries"] if e.get("incident") == "INC-9"]
    assert [(e["kind"], e["position"], e["override"], e["gates"]) for e in tagged] == [
        ("promote", hotfix["position"], True, ["staging_first"])]
    assert "gates overridden: staging_first" in svc.ok("incident", "timeline", "INC-9", "-o", "md").stdout


def test_a_promotion_without_an_incident_records_none_and_the_table_says_when_it_is_tagged(svc: Any) -> None:
    assert svc.ship("svc", 1)["incident"] is None
    svc.ok("promote", "svc", "--version", "2", "--to", "staging")
    said = svc.ok("promote", "svc", "--version", "2", "--to", "production", "--incident", "INC-10").stdout
    assert "Promoted svc version 2 to production (was 1). Tagged with incident INC-10." in said
