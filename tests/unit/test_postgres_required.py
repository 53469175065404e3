"""Under CI=true a PostgreSQL test without a server fails; locally it is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST = "tests/e2e/test_db_commands.py::test_db_status_reports_backend_schema_head_and_each_read_models_lag"


def run_without_server(ci: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REVLEDGER_TEST_DATABASE_URL"}
    env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", TEST],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_postgresql_test_without_a_server_fails_under_ci_and_is_skipped_otherwise() -> None:
    under_ci = run_without_server("true")
    assert under_ci.returncode == 1, under_ci.stdout
    assert "under CI a missing server is a failure" in under_ci.stdout

    local = run_without_server("")
    assert local.returncode == 0, local.stdout
    assert "1 skipped" in local.stdout
