"""Safe promotion through the CLI: diffs, dry-run plans, gates, overrides, runs and quarantine."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import app

ROOT = Path(__file__).resolve().parents[2]
RUNNER = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"

V1 = {"blocks": [{"id": "extract", "type": "llm.extract", "model": "{{ env.MODEL }}"}, {"id": "store", "table": "invoices"}],
      "connections": [{"from": "extract", "to": "store"}]}
V2 = {"blocks": [{"id": "extract", "type": "llm.extract", "model": "{{ env.MODEL }}", "temperature": 0},
                 {"id": "classify", "type": "llm.classify"}, {"id": "store", "table": "invoices"}],
      "connections": [{"from": "extract", "to": "classify"}, {"from": "classify", "to": "store"}]}
V3 = {"blocks": [{"id": "extract", "model": "{{ env.MODEL }}", "key": "{{ env.MISSING_KEY }}"}]}

Cli = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("REVLEDGER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVLEDGER_ACTOR", "alice")
    monkeypatch.setenv("REVLEDGER_RUNNER", RUNNER)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    return run


def as_json(result: Result) -> object:
    return json.loads(result.stdout)


@pytest.fixture
def svc(cli: Cli, tmp_path: Path) -> str:
    cli("script", "create", "svc")
    cli("env", "set", "MODEL", "gpt-4.1")
    for number, content in enumerate((V1, V2, V3), start=1):
        path = tmp_path / f"v{number}.json"
        path.write_text(json.dumps(content))
        cli("draft", "save", "svc", "-f", str(path))
        cli("draft", "publish", "svc")
    return "svc"


def log_position(cli: Cli) -> int:
    return max((row["position"] for row in as_json(cli("audit", "-o", "json"))), default=0)


def gates_of(result: Result) -> dict[str, bool]:
    body = json.loads(result.stderr.strip())
    return {g["name"]: g["passed"] for g in body["gates"]}


def test_the_blocks_view_lists_blocks_and_connections_added_removed_and_changed(cli: Cli, svc: str) -> None:
    diff = as_json(cli("diff", svc, "1", "2", "-o", "json"))
    assert diff["blocks"] == {"added": ["classify"], "removed": [],
                              "changed": [{"id": "extract", "fields": ["temperature"]}]}
    assert diff["connections"] == {"added": [["classify", "store"], ["extract", "classify"]],
                                   "removed": [["extract", "store"]]}


def test_the_code_view_adds_a_unified_diff_and_json_paths(cli: Cli, svc: str) -> None:
    diff = as_json(cli("diff", svc, "1", "2", "--view", "code", "-o", "json"))
    assert "+      \"temperature\": 0" in diff["unified"]
    assert {"path": "$.blocks[0].temperature", "op": "add", "to": 0} in diff["changes"]


def test_diff_sides_can_be_the_draft_or_an_environment(cli: Cli, svc: str) -> None:
    cli("promote", svc, "--version", "1", "--to", "staging")
    diff = as_json(cli("diff", svc, "staging", "draft", "-o", "json"))
    assert diff["from"] == "staging (version 1)" and diff["to"] == "draft"
    assert diff["blocks"]["removed"] == ["store"]


def test_comparing_environments_shows_versions_content_and_config_by_fingerprint(cli: Cli, svc: str) -> None:
    cli("env", "set", "API_TOKEN", "prod-secret", "--environment", "production")
    cli("promote", svc, "--version", "1", "--to", "staging")
    cli("promote", svc, "--version", "1", "--to", "production")
    cli("promote", svc, "--version", "2", "--to", "staging")
    result = cli("diff", svc, "--env", "staging", "--env", "production", "-o", "json")
    diff = as_json(result)
    assert (diff["left_version"], diff["right_version"]) == (2, 1)
    assert diff["content"]["changes"]
    token = next(item for item in diff["config"] if item["key"] == "API_TOKEN")
    assert token["status"] == "added" and token["staging"] is None
    assert "value" not in token["production"] and len(token["production"]["fingerprint"]) == 8
    assert "prod-secret" not in result.stdout


def test_a_dry_run_prints_the_plan_and_leaves_the_log_unchanged(cli: Cli, svc: str) -> None:
    cli("promote", svc, "--version", "1", "--to", "staging")
    before = log_position(cli)
    plan = as_json(cli("promote", svc, "--version", "2", "--to", "staging", "--dry-run", "-o", "json"))
    assert log_position(cli) == before
    assert (plan["current"], plan["target"]) == (1, 2)
    assert {g["name"] for g in plan["gates"]} == {"staging_first", "config_complete", "smoke_passed", "quarantine"}
    assert plan["would_pass"] is True
    assert plan["command"] == f"revledger promote {svc} --version 2 --to staging --expect-current 1"
    assert isinstance(plan["config_changes"], list)


def test_a_production_promotion_of_a_version_staging_never_ran_is_refused_with_every_gate(cli: Cli, svc: str) -> None:
    before = log_position(cli)
    result = cli("promote", svc, "--version", "1", "--to", "production", "-o", "json", code=4)
    assert gates_of(result) == {"staging_first": False, "config_complete": True,
                                "smoke_passed": True, "quarantine": True}
    assert log_position(cli) == before


def test_config_complete_refuses_a_version_with_unresolved_env_references(cli: Cli, svc: str) -> None:
    result = cli("promote", svc, "--version", "3", "--to", "development", code=4)
    assert "MISSING_KEY" in result.stderr and result.stderr.count("\n") == 1
    cli("overlay", "update", svc, "--set", "MISSING_KEY=now-set", "--environment", "development")
    cli("promote", svc, "--version", "3", "--to", "development")


def test_an_override_needs_a_reason_and_is_recorded_in_the_audit_trail(cli: Cli, svc: str) -> None:
    refused = cli("promote", svc, "--version", "1", "--to", "production", "--override-gates", code=1)
    assert "--reason" in refused.stderr
    cli("promote", svc, "--version", "1", "--to", "production", "--override-gates", "--reason", "hotfix INC-7")
    row = as_json(cli("audit", "--kind", "promote", "-o", "json"))[-1]
    assert row["override"] is True and row["gates"] == ["staging_first"]
    assert row["reason"] == "hotfix INC-7" and row["actor"] == "alice"


def test_smoke_passed_gate_needs_a_passed_run_against_staging(cli: Cli, svc: str) -> None:
    cli("policy", "set", "smoke_passed", "true")
    cli("promote", svc, "--version", "1", "--to", "staging")
    refused = cli("promote", svc, "--version", "1", "--to", "production", "-o", "json", code=4)
    assert gates_of(refused)["smoke_passed"] is False
    document = json.dumps({"document": "ACME\nTotal: 12.00"})
    cli("run", svc, "--environment", "staging", "--env", "--input", document)
    cli("promote", svc, "--version", "1", "--to", "production")
    assert as_json(cli("policy", "get", "-o", "json"))["smoke_passed"] is True
    assert [r["kind"] for r in as_json(cli("audit", "--kind", "policy", "-o", "json"))] == ["policy"]


def test_a_passing_run_is_recorded_with_hashes_and_its_output_is_archived(cli: Cli, svc: str, tmp_path: Path) -> None:
    cli("promote", svc, "--version", "2", "--to", "staging")
    document = json.dumps({"document": "ACME Corp\nTotal: 1,250.00\nDue: 2026-12-01"})
    out = tmp_path / "saved"
    result = as_json(cli("run", svc, "-e", "staging", "--env", "--input", document, "--result",
                         "--save", str(out), "-o", "json"))
    assert result["status"] == "passed" and result["version"] == 2 and result["environment"] == "staging"
    assert result["output"]["total"] == 1250.0
    assert len(result["input_sha256"]) == 64 and result["duration_ms"] >= 0
    archived = cli("archive", "get", result["output_sha256"]).stdout
    assert json.loads(archived) == result["output"]
    assert json.loads((out / "output.json").read_text()) == result["output"]
    assert sorted(p.name for p in (out / "steps").iterdir()) == ["01-extract.json", "02-classify.json", "03-store.json"]
    runs = as_json(cli("runs", "list", svc, "-o", "json"))
    assert [(r["run_id"], r["status"]) for r in runs] == [(result["run_id"], "passed")]
    kinds = [(r["kind"], r["details"]["status"]) for r in as_json(cli("audit", "--kind", "run", "-o", "json"))]
    assert kinds == [("run", "started"), ("run", "passed")]


def test_a_failing_run_exits_non_zero_and_is_recorded_as_failed(cli: Cli, svc: str) -> None:
    result = cli("run", svc, "--version", "1", "-e", "staging", "--input", '{"document": "no total"}',
                 "-o", "json", code=1)
    assert as_json(result)["status"] == "failed"
    assert "no total found" in result.stderr
    assert as_json(cli("runs", "list", svc, "-o", "json"))[0]["status"] == "failed"


def test_a_rolled_back_version_is_quarantined_until_overridden(cli: Cli, svc: str) -> None:
    for version in ("1", "2"):
        cli("promote", svc, "--version", version, "--to", "staging")
        cli("promote", svc, "--version", version, "--to", "production")
    plan = as_json(cli("version", "rollback", svc, "--to", "0", "--dry-run", "-o", "json"))
    assert (plan["current"], plan["target"]) == (2, 1) and plan["target_last_active"]["until"]
    cli("version", "rollback", svc, "--to", "0", "--incident", "INC-9")
    history = as_json(cli("history", svc, "--environment", "production", "-o", "json"))
    assert history[0]["kind"] == "rollback" and history[0]["quarantined"] == 2
    refused = cli("promote", svc, "--version", "2", "--to", "production", "-o", "json", code=4)
    assert gates_of(refused)["quarantine"] is False
    again = cli("version", "rollback", svc, "--to", "0", code=1)
    assert "quarantined" in again.stderr
    cli("promote", svc, "--version", "2", "--to", "production", "--override-gates", "--reason", "fixed config")
    cli("promote", svc, "--version", "1", "--to", "production")
