"""Loud where it matters: a new store is announced once, a mistyped organization is named,
and the Scriptum spelling `thread run` works as `run`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
RUNNER = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"


def test_a_command_that_creates_a_new_store_says_so_once(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    runner = CliRunner()
    env = {"REVLEDGER_HOME": str(home), "REVLEDGER_ORG": None}

    first = runner.invoke(app, ["script", "list", "-o", "json"], env=env)
    second = runner.invoke(app, ["script", "list", "-o", "json"], env=env)

    assert (first.exit_code, first.stdout) == (0, "[]\n")
    # One line, naming the master key made with the store (issue 16).
    assert first.stderr == (f"note: created a new revledger store in {home} (its master key is "
                            f"{home}/keys/master.key: for production move it out of the data "
                            "directory and set REVLEDGER_MASTER_KEY_FILE)\n")
    assert (second.exit_code, second.stderr) == (0, "")


def test_an_organization_with_no_events_is_named_with_a_suggestion(cli: Cli) -> None:
    cli.ok("script", "create", "svc")

    result = cli("audit", "--org", "defualt", "-o", "json")
    status = cli("status", "--org", "acme", "-o", "json")

    assert (result.exit_code, result.stdout) == (0, "[]\n")
    assert result.stderr == "warning: no organization 'defualt' in this store: did you mean 'default'?\n"
    assert status.exit_code == 0 and status.stderr == "warning: no organization 'acme' in this store\n"
    assert cli("script", "list", "-o", "json").stderr == ""


@pytest.fixture
def invoice_parser(cli: Cli) -> str:
    cli.ok("script", "create", "invoice-parser")
    draft = cli.workdir / "workflow.json"
    draft.write_text(json.dumps({"blocks": [{"id": "extract", "type": "llm.extract"}]}))
    cli.ok("draft", "save", "invoice-parser", "-f", str(draft))
    cli.ok("draft", "publish", "invoice-parser")
    cli.ok("promote", "invoice-parser", "--version", "1", "-e", "staging")
    return "invoice-parser"


def test_thread_run_is_the_scriptum_spelling_of_run(cli: Cli, invoice_parser: str) -> None:
    (cli.workdir / "input.json").write_text(json.dumps({"document": "ACME\nTotal: 12.00"}))
    env = {"REVLEDGER_RUNNER": RUNNER}
    saved = cli.workdir / "saved"

    run = cli.json("thread", "run", invoice_parser, "--version", "1", "--input", "@input.json",
                   "--env", "--result", "--save", str(saved), env=env)

    assert (run["status"], run["version"], run["output"]["total"]) == ("passed", 1, 12.0)
    assert json.loads((saved / "output.json").read_text()) == run["output"]
    assert [r["run_id"] for r in cli.json("runs", "list", invoice_parser)] == [run["run_id"]]
