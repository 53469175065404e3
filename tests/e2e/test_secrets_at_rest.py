"""Secret values are encrypted at rest: after a scripted history with secrets (``--secret``, by
name, a .env import, overlays, a run's effective config, over HTTP), no file under the data
directory, no stored event (PostgreSQL) and nothing the server printed holds any of them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
REVLEDGER = str(Path(sys.executable).with_name("revledger"))
SECRETS = {
    "flagged": "pw-flag-7Hq2-secret",
    "named": "sk-by-name-91xQ",
    "imported": "tok-import-Zz81",
    "reimported": "pw-flag-again-44Lm",
    "overlay": "ovl-key-5Pq0",
    "overlay_marked": "ovl-marked-3Rt9",
    "http": "http-put-secret-Kx7",
}


def serve(home: Path, logs: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "REVLEDGER_HOME": str(home), "REVLEDGER_CATCH_UP_INTERVAL": "0.2"}
    process = subprocess.Popen([REVLEDGER, "serve", "--port", str(port)], env=env,
                               stdout=(logs / "stdout").open("wb"), stderr=(logs / "stderr").open("wb"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("the server did not start")
        time.sleep(0.05)


def scripted_history(cli: Cli) -> None:
    cli.given_script("svc", versions=1)
    cli.ok("env", "set", "DB_URL", SECRETS["flagged"], "--secret")
    cli.ok("env", "set", "OPENAI_API_KEY", SECRETS["named"], "--environment", "production")
    cli.ok("env", "set", "REGION", "eu-west-1")
    dotenv = cli.write(".env.staging", f"SERVICE_TOKEN={SECRETS['imported']}\nDB_URL={SECRETS['reimported']}\nA=1\n")
    cli.ok("env", "import", dotenv, "--environment", "staging")
    cli.ok("overlay", "update", "svc", "--set", f"API_KEY={SECRETS['overlay']}",
           "--set", f"DB_URL={SECRETS['overlay_marked']}", "--set", "MODEL=gpt-4")
    runner = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"
    result = cli("run", "svc", "--version", "1", "--environment", "staging", "--env", "-o", "json",
                 env={"REVLEDGER_RUNNER": runner})
    assert result.exit_code in (0, 1), result.output
    assert cli.json("config", "resolve", "svc", "--environment", "staging", "--reveal")["variables"][
        "DB_URL"]["value"] == SECRETS["overlay_marked"]


def stored_bytes(cli: Cli) -> list[tuple[str, bytes]]:
    """Every file under the data directory, and on PostgreSQL every stored event and snapshot."""
    found = [(str(p), p.read_bytes()) for p in cli.home.rglob("*") if p.is_file()]
    if cli.database_url:
        import psycopg

        with psycopg.connect(cli.database_url) as conn:
            for table in ("revledger_events", "revledger_snapshots"):
                for (state,) in conn.execute(f"SELECT state FROM {table}"):  # noqa: S608
                    found.append((table, bytes(state)))
    return found


def test_no_secret_value_is_found_in_the_store_the_read_models_the_archive_or_the_servers_output(
    cli: Cli, tmp_path: Path,
) -> None:
    scripted_history(cli)
    ledger = cli.open()
    try:
        token = ledger.issue_token(org="default", name="root", role="admin", actor="setup").token
    finally:
        ledger.close()
    logs = tmp_path / "server-output"
    logs.mkdir()
    process, url = serve(cli.home, logs)
    try:
        headers = {"Authorization": f"Bearer {token}", "X-Organization-Id": "default"}
        put = httpx.put(f"{url}/v1/env/HTTP_PASSWORD", json={"value": SECRETS["http"], "secret": True},
                        headers=headers, timeout=10)
        assert put.status_code == 200, put.text
        shown = httpx.get(f"{url}/v1/env/HTTP_PASSWORD", params={"reveal": "true"}, headers=headers, timeout=10)
        assert shown.json()["value"] == SECRETS["http"]
        config = httpx.get(f"{url}/v1/scripts/svc/config", params={"environment": "production", "reveal": "true"},
                           headers=headers, timeout=10)
        assert config.json()["variables"]["OPENAI_API_KEY"]["value"] == SECRETS["named"]
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert cli("projections", "rebuild").exit_code == 0

    files = stored_bytes(cli) + [(str(p), p.read_bytes()) for p in logs.iterdir()]
    names = {name for name, _ in files}
    assert any(name.endswith("projections.db") for name in names)
    if not cli.database_url:
        assert any(name.endswith("ledger.db") for name in names)
    leaks = [(name, label) for name, data in files for label, secret in SECRETS.items()
             if secret.encode() in data]
    assert leaks == []
    # What is stored still answers: every secret, revealed, is what was set.
    revealed = cli.json("env", "list", "--environment", "staging", "--reveal")
    assert {v["key"]: v["value"] for v in revealed}["SERVICE_TOKEN"] == SECRETS["imported"]
