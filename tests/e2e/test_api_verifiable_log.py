"""The verifiable log over HTTP: checkpoints and proofs for remote auditors, ``verify --server``,
and a server that finds its history altered refusing to work from it."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from ledger.checkpoints import create_key_file
from revledger_verify import merkle
from revledger_verify.note import PrivateKey
from tests.e2e.test_api_server import LiveServer, assert_problem


@pytest.fixture
def keyed(tmp_path: Path) -> dict[str, Any]:
    key_file = tmp_path / "keys" / "ledger.key"
    key = create_key_file(key_file, "ledger.example/log")
    return {"home": tmp_path / "home", "key_file": key_file, "key": key, "tmp": tmp_path}


@pytest.fixture
def live(keyed: dict[str, Any]) -> Iterator[LiveServer]:
    server = LiveServer(keyed["home"], signing_key_file=keyed["key_file"], checkpoint_every=5).start()
    yield server
    server.stop()


def _write_some(server: LiveServer, count: int = 6) -> None:
    with server.client("acme", "admin") as admin:
        for n in range(count):
            assert admin.post("/v1/scripts", json={"name": f"svc-{n}-{server.log_size()}"}).status_code == 201


def _cli(keyed: dict[str, Any], server: LiveServer, *args: str) -> Any:
    env = {"REVLEDGER_HOME": str(keyed["tmp"] / "auditor"), "REVLEDGER_TOKEN": server.token("acme", "viewer"),
           "REVLEDGER_ORG": "acme"}
    return CliRunner().invoke(app, list(args), env=env)


def test_the_latest_checkpoint_and_proofs_let_an_auditor_check_any_event(live: LiveServer, keyed: dict[str, Any]) -> None:
    _write_some(live)
    with live.client("acme", "viewer") as viewer:
        latest = viewer.get("/v1/checkpoints/latest").json()
        checkpoint = keyed["key"].public().verify(latest["note"])
        assert (latest["size"], latest["root"]) == (checkpoint.size, checkpoint.root.hex())
        assert latest["size"] % 5 == 0 and latest["time"] == checkpoint.time
        for position in (1, latest["size"] // 2, latest["size"]):
            proof = viewer.get("/v1/proofs/inclusion", params={"position": position, "tree_size": latest["size"]}).json()
            assert set(proof) >= {"position", "tree_size", "leaf_hash", "path"}
            assert merkle.verify_inclusion(position - 1, latest["size"], bytes.fromhex(proof["leaf_hash"]),
                                           [bytes.fromhex(h) for h in proof["path"]], checkpoint.root)
        _write_some(live, 5)
        newer = viewer.get("/v1/checkpoints/latest").json()
        assert newer["size"] > latest["size"]
        proof = viewer.get("/v1/proofs/consistency", params={"from": latest["size"], "to": newer["size"]}).json()
        assert (proof["from"], proof["to"]) == (latest["size"], newer["size"])
        assert merkle.verify_consistency(latest["size"], newer["size"], checkpoint.root, bytes.fromhex(newer["root"]),
                                         [bytes.fromhex(h) for h in proof["path"]])
        assert_problem(viewer.get("/v1/proofs/inclusion", params={"position": 10**6}), 422)
        assert_problem(viewer.get("/v1/proofs/consistency", params={"from": 3, "to": 2}), 422)
        assert_problem(viewer.get("/v1/proofs/inclusion", params={"position": 0}), 422)
    ready = httpx.get(f"{live.url}/ready").json()
    assert ready["checkpoint"]["size"] == newer["size"] and ready["verified"] is True


def test_verify_server_checks_each_new_checkpoint_extends_the_last_one_seen(live: LiveServer, keyed: dict[str, Any]) -> None:
    _write_some(live)
    public = keyed["key"].vkey()
    first = _cli(keyed, live, "verify", "--server", live.url, "--public-key", public, "-o", "json")
    assert first.exit_code == 0, first.output
    _write_some(live, 5)
    second = _cli(keyed, live, "verify", "--server", live.url, "--public-key", public, "-o", "json")
    assert second.exit_code == 0, second.output
    verdict = json.loads(second.stdout)
    assert verdict["ok"] and verdict["previous"]["size"] == json.loads(first.stdout)["tree_size"]
    # The server's history "changes" under the auditor: the state file remembers another root.
    state = keyed["tmp"] / "auditor" / "seen-checkpoint.json"
    seen = json.loads(state.read_text())
    seen["root"] = "00" * 32
    state.write_text(json.dumps(seen))
    forked = _cli(keyed, live, "verify", "--server", live.url, "--public-key", public, "-o", "json")
    assert forked.exit_code == 1
    assert "rewritten" in json.loads(forked.stdout)["reason"]
    stranger = PrivateKey.generate("ledger.example/log").vkey()
    refused = _cli(keyed, live, "verify", "--server", live.url, "--public-key", stranger, "-o", "json")
    assert refused.exit_code == 1 and "not signed by key" in json.loads(refused.stdout)["reason"]


def test_a_server_on_an_altered_store_refuses_every_write_and_is_not_ready(keyed: dict[str, Any]) -> None:
    server = LiveServer(keyed["home"], signing_key_file=keyed["key_file"], checkpoint_every=5).start()
    token = server.token("acme", "admin")
    _write_some(server)
    server.stop()
    db = sqlite3.connect(keyed["home"] / "ledger.db", isolation_level=None)
    db.execute("DROP TRIGGER stored_events_refuse_delete")
    db.execute("DELETE FROM stored_events WHERE rowid = 3")  # e.g. a revocation nobody should forget
    restarted = LiveServer(keyed["home"], signing_key_file=keyed["key_file"], checkpoint_every=5).start()
    try:
        ready = httpx.get(f"{restarted.url}/ready")
        body = assert_problem(ready, 503)
        assert body["first_bad_position"] == 3 and "position 3" in body["detail"]
        with restarted.client("acme", token=token) as admin:
            refused = admin.post("/v1/scripts", json={"name": "after-tampering"})
            problem = assert_problem(refused, 409, "log-integrity")
            assert problem["first_bad_position"] == 3
            assert_problem(admin.get("/v1/scripts"), 409, "log-integrity")  # nothing answered from it
        env = {"REVLEDGER_HOME": str(keyed["tmp"] / "remote"), "REVLEDGER_TOKEN": token, "REVLEDGER_ORG": "acme"}
        result = CliRunner().invoke(app, ["--server", restarted.url, "script", "create", "nope"], env=env)
        assert result.exit_code == 1 and "position 3" in result.stderr
    finally:
        restarted.stop()
