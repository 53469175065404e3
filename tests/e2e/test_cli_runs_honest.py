"""Runs never dangle: a runner that cannot start, is interrupted or times out is recorded as
finished with a reason; the input is archived; ``runs get`` takes a unique id prefix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
RUNNER = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"
#: A runner that says it started (by creating the file $RUNNER_STARTED, if set), then waits.
SLOW_RUNNER = (
    f"{sys.executable} -c \"import os, sys, time; sys.stdin.read();"
    " os.environ.get('RUNNER_STARTED') and open(os.environ['RUNNER_STARTED'], 'w').close();"
    ' time.sleep(60)"'
)
DOCUMENT = json.dumps({"document": "ACME Corp\nTotal: 12.00"})


@pytest.fixture
def svc(cli: Cli) -> str:
    cli.ok("script", "create", "svc")
    content = cli.workdir / "v1.json"
    content.write_text(json.dumps({"blocks": [{"id": "extract", "type": "llm.extract"}]}))
    cli.ok("draft", "save", "svc", "-f", str(content))
    cli.ok("draft", "publish", "svc")
    cli.ok("promote", "svc", "--version", "1", "--to", "staging")
    return "svc"


def runs(cli: Cli) -> list[dict]:
    return cli.json("runs", "list", "svc")


def test_a_runner_that_cannot_start_is_recorded_as_failed_with_the_reason(cli: Cli, svc: str) -> None:
    env = {"REVLEDGER_RUNNER": "/no/such/runner --flag"}

    result = cli("run", svc, "-e", "staging", "--input", DOCUMENT, env=env)

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: run failed: runner command not found: /no/such/runner"
    [run] = runs(cli)
    assert (run["status"], run["error"]) == ("failed", "runner command not found: /no/such/runner")
    assert run["finished_at"] is not None


def test_a_run_that_times_out_is_recorded_as_failed(cli: Cli, svc: str) -> None:
    result = cli("run", svc, "-e", "staging", "--timeout", "0.5", env={"REVLEDGER_RUNNER": SLOW_RUNNER})

    assert result.exit_code == 1
    [run] = runs(cli)
    assert run["status"] == "failed" and run["error"] == "timed out after 0.5s"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_is_recorded_as_interrupted_and_exits_130(
    cli: Cli, svc: str, sig: signal.Signals
) -> None:
    marker = cli.workdir / "runner-started"
    env = {**os.environ, "REVLEDGER_HOME": str(cli.home), "REVLEDGER_RUNNER": SLOW_RUNNER,
           "RUNNER_STARTED": str(marker)}
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "run", svc, "-e", "staging", "--input", DOCUMENT],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():  # the runner is running: the run is recorded as started
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    process.send_signal(sig)
    _out, err = process.communicate(timeout=30)

    assert process.returncode == 130
    [run] = runs(cli)
    assert err.strip() == f"error: interrupted: run {run['run_id']} recorded as interrupted"
    assert run["status"] == "interrupted"
    assert run["error"] == "interrupted before the runner finished"
    assert run["finished_at"] is not None


def test_a_runs_input_is_archived_so_a_postmortem_can_replay_it(cli: Cli, svc: str) -> None:
    run = cli.json("run", svc, "-e", "staging", "--input", DOCUMENT, env={"REVLEDGER_RUNNER": RUNNER})

    archived = cli.ok("archive", "get", run["input_sha256"]).stdout

    assert json.loads(archived) == json.loads(DOCUMENT)


def test_runs_get_accepts_a_unique_prefix_of_six_or_more_characters(cli: Cli, svc: str) -> None:
    run = cli.json("run", svc, "-e", "staging", "--input", DOCUMENT, env={"REVLEDGER_RUNNER": RUNNER})

    for length in (6, 13, 36):
        assert cli.json("runs", "get", run["run_id"][:length])["run_id"] == run["run_id"]
    assert cli.json("runs", "get", run["run_id"].upper()[:8])["run_id"] == run["run_id"]
    assert "at least 6" in cli.fails("runs", "get", run["run_id"][:5])
    other = "0" if run["run_id"][0] != "0" else "1"
    assert cli.fails("runs", "get", other * 8) == f"unknown run {other * 8}"


def test_an_ambiguous_prefix_is_refused_through_the_cli(cli: Cli, svc: str) -> None:
    import sqlite_utils

    for _ in range(2):
        cli.json("run", svc, "-e", "staging", "--input", DOCUMENT, env={"REVLEDGER_RUNNER": RUNNER})
    ids = sorted(r["run_id"] for r in runs(cli))
    # Give both runs one 8-character prefix in the read model, as if the ids had collided.
    db = sqlite_utils.Database(cli.home / "projections.db")
    db.execute("UPDATE runs SET run_id = 'abcdef00' || substr(run_id, 9)")
    db.conn.commit()
    expected = sorted("abcdef00" + i[8:] for i in ids)

    message = cli.fails("runs", "get", "abcdef00")

    assert message == f"run id prefix 'abcdef00' is ambiguous: it matches {', '.join(expected)}"
