"""Runs leak nothing: every secret value handed to the runner is masked in whatever it
returns or prints before that is stored or shown; the payload marks secrets; step files
never follow links out of the runner's directory; the data directory is owner-only."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
SECRET = "pw-Zq81-very-secret"
LEAKY_RUNNER = f'''
import json, os, sys
payload = json.load(sys.stdin)
steps = os.environ["REVLEDGER_STEPS_DIR"]
config = payload["config"]
secret = config["DB_URL"]["value"]
open(os.path.join(steps, "01-plain.txt"), "w").write("connecting to " + secret)
os.symlink("/proc/self/environ", os.path.join(steps, "02-environ"))
os.symlink({str(ROOT / "README.md")!r}, os.path.join(steps, "03-outside"))
os.makedirs(os.path.join(steps, "sub"))
os.symlink("/etc", os.path.join(steps, "linked-dir"))
print(json.dumps({{"flags": {{k: v.get("secret") for k, v in config.items()}}, "echo": secret,
                   "error": "could not log in with " + secret}}))
print("stderr says " + secret, file=sys.stderr)
sys.exit(1)
'''


@pytest.fixture
def leaky(cli: Cli) -> Cli:
    cli.given_script("svc", versions=1)
    cli.ok("env", "set", "DB_URL", SECRET, "--secret")
    cli.ok("env", "set", "REGION", "eu-west-1")
    runner = cli.write("leaky.py", LEAKY_RUNNER)
    os.environ["REVLEDGER_RUNNER"] = f"{sys.executable} {runner}"
    yield cli
    del os.environ["REVLEDGER_RUNNER"]


def test_a_failing_runner_leaks_no_secret_into_the_record_the_audit_or_the_archive(leaky: Cli) -> None:
    result = leaky("run", "svc", "--version", "1", "--env", "--result", "-o", "json")
    assert result.exit_code == 1
    assert SECRET not in result.stdout and SECRET not in result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["output"]["flags"] == {"DB_URL": True, "REGION": False}
    assert outcome["output"]["echo"] == "********"
    assert "********" in outcome["error"]
    audit = leaky.ok("audit", "-o", "json").stdout
    assert SECRET not in audit
    runs = leaky.ok("runs", "get", outcome["run_id"], "-o", "json").stdout
    assert SECRET not in runs
    for path in (leaky.home / "archive").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET.encode() not in (leaky.home / "projections.db").read_bytes()


def test_step_files_never_follow_links_and_are_skipped_with_a_warning(leaky: Cli) -> None:
    result = leaky("run", "svc", "--version", "1", "--env", "-o", "json")
    outcome = json.loads(result.stdout)
    by_name = {step["name"]: step for step in outcome["steps"]}
    assert by_name["01-plain.txt"]["sha256"]
    for linked in ("02-environ", "03-outside", "linked-dir"):
        assert by_name[linked]["sha256"] is None
        assert "symbolic link" in by_name[linked]["skipped"]
    assert any("02-environ" in warning for warning in outcome["warnings"])
    archived = b"".join(p.read_bytes() for p in (leaky.home / "archive").rglob("*") if p.is_file())
    assert b"REVLEDGER_HOME" not in archived  # revledger's own environment was not archived
    assert b"revledger" not in archived.lower() or b"connecting to" in archived


def test_the_data_directory_is_owner_only(leaky: Cli) -> None:
    leaky("run", "svc", "--version", "1", "--env")
    leaky.ok("audit")
    found = list(leaky.home.rglob("*"))
    assert any(p.name == "projections.db" for p in found)  # (ledger.db too, on SQLite)
    for path in [leaky.home, *found]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_the_example_runner_masks_by_the_secret_flag_not_by_name(tmp_path: Path) -> None:
    payload = {
        "script": "invoice-parser", "version": 1, "environment": "production",
        "content": {"blocks": [{"id": "extract", "type": "llm.extract", "dsn": "{{ env.DB_URL }}",
                                "region": "{{ env.REGION }}", "model": "{{ env.MODEL_KEY }}"}]},
        "config": {"DB_URL": {"value": SECRET, "secret": True}, "REGION": {"value": "eu", "secret": False},
                   "MODEL_KEY": {"value": "gpt-4.1", "secret": False}},
        "input": {"document": "ACME\nTotal: 5.00"},
    }
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "runner.py")], input=json.dumps(payload),
                          capture_output=True, text=True, env={**os.environ, "REVLEDGER_STEPS_DIR": str(tmp_path)},
                          check=False)
    assert done.returncode == 0, done.stderr
    step = json.loads((tmp_path / "01-extract.json").read_text())
    assert step["resolved"]["dsn"] == "***"
    assert step["resolved"]["region"] == "eu"
    assert step["resolved"]["model"] == "gpt-4.1"
