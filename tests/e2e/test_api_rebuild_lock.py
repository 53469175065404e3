"""``projections rebuild`` never runs under a serving server (whose answers it would make
wrong: false 404s, short histories): it is refused in one line, and runs once it stops."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import Cli
from tests.e2e.test_api_server import LiveServer


def test_rebuild_is_refused_while_a_server_serves_the_store_and_runs_after(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.given_script("svc", versions=2, shipped=(1,))
    live = LiveServer(cli.home).start()
    try:
        token = live.issue("default", "viewer")
        message = cli.fails("projections", "rebuild")
        assert "server" in message and "stop it" in message
        with live.client("default", token=token) as viewer:
            assert viewer.get("/v1/scripts/svc/history").status_code == 200
            assert len(viewer.get("/v1/audit").json()) >= 5
    finally:
        live.stop()
    assert cli("projections", "rebuild").exit_code == 0
