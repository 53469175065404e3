"""``keys create``, ``checkpoint``, ``export`` and ``verify`` through the CLI, and the verifier
module run alone on a Python that has nothing installed but ``cryptography``."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import revledger_verify


@pytest.fixture
def signed(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    key = tmp_path / "keys" / "ledger.key"
    monkeypatch.setenv("REVLEDGER_SIGNING_KEY_FILE", str(key))
    monkeypatch.setenv("REVLEDGER_CHECKPOINT_EVERY", "4")
    printed = cli.json("keys", "create", "--name", "ledger.example/log")
    assert printed["public_key"] == (tmp_path / "keys" / "ledger.key.pub").read_text().strip()
    for org in ("acme", "globex"):
        for n in range(3):
            cli.ok("script", "create", f"svc{n}", "--org", org)
    return {"key": key, "public": Path(f"{key}.pub")}


def test_keys_create_writes_a_private_key_only_its_owner_can_read_and_prints_the_public_key(
    cli: Any, signed: dict[str, Path]
) -> None:
    assert stat.S_IMODE(signed["key"].stat().st_mode) == 0o600
    assert signed["public"].read_text().startswith("ledger.example/log+")
    assert "already exists" in cli.fails("keys", "create", "--out", str(signed["key"]))
    assert "outside the data directory" in cli.fails("keys", "create", "--out", str(cli.home / "k.key"))


def test_checkpoints_are_signed_every_n_events_and_on_demand_into_the_witness_file(
    cli: Any, signed: dict[str, Path]
) -> None:
    witness = cli.home / "checkpoints.log"
    sizes = [json.loads(line)["size"] for line in witness.read_text().splitlines()]
    assert sizes and all(size % 4 == 0 for size in sizes)
    made = cli.json("checkpoint")
    assert made["size"] == cli.log_size()
    assert json.loads(witness.read_text().splitlines()[-1])["size"] == made["size"]


def test_export_then_verify_offline_reports_the_events_and_the_root(
    cli: Any, signed: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "all.jsonl"
    summary = cli.json("export", "--out", str(out))
    verdict = cli.json("verify", str(out), "--public-key", str(signed["public"]))
    assert verdict["ok"] is True
    assert verdict["events"] == verdict["tree_size"] == summary["events"] == cli.log_size()
    assert verdict["root"] == summary["root"]
    assert verdict["checkpoint"]["origin"] == "ledger.example/log"
    assert verdict["checkpoint"]["size"] == summary["tree_size"]
    assert "time" in verdict["checkpoint"]


def test_verify_exits_1_naming_the_first_bad_position(cli: Any, signed: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    cli.ok("export", "--out", str(out))
    lines = out.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"svc', b'"SVC', 1)
    assert lines[5] != out.read_bytes().splitlines(keepends=True)[5]
    out.write_bytes(b"".join(lines))
    result = cli("verify", str(out), "--public-key", signed["public"].read_text().strip(), "-o", "json")
    assert result.exit_code == 1
    verdict = json.loads(result.stdout)
    assert verdict["ok"] is False and verdict["first_bad_position"] == 4
    assert "differs" in verdict["reason"]
    table = cli("verify", str(out), "--public-key", str(signed["public"]))
    assert table.exit_code == 1 and "FAILED at position 4" in table.stdout


@pytest.mark.sqlite_only  # it edits the SQLite file itself
def test_verify_store_finds_an_edited_event_and_status_shows_the_last_checkpoint(
    cli: Any, signed: dict[str, Path]
) -> None:
    assert cli.json("verify", "--store")["ok"] is True
    status = cli.ok("status", "--org", "acme").stdout
    assert "Last checkpoint:" in status
    db = sqlite3.connect(cli.home / "ledger.db", isolation_level=None)
    db.execute("DROP TRIGGER stored_events_refuse_update")
    (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = 6").fetchone()
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = 6", [state[:10] + bytes([state[10] ^ 1]) + state[11:]])
    result = cli("verify", "--store", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad_position"] == 6


def test_bad_verify_requests_are_one_line_errors(cli: Any, signed: dict[str, Path], tmp_path: Path) -> None:
    assert "verify one thing" in cli.fails("verify")
    assert "--public-key" in cli.fails("verify", str(tmp_path / "x.jsonl"))
    assert "cannot read" in cli.fails("verify", str(tmp_path / "x.jsonl"), "--public-key", str(signed["public"]))
    assert "public key" in cli.fails("verify", "--store", "--public-key", "nonsense+00+AAAA")


def test_without_a_signing_key_export_says_how_to_make_one(cli: Any, tmp_path: Path) -> None:
    cli.ok("script", "create", "svc")
    assert "keys create" in cli.fails("export", "--out", str(tmp_path / "x.jsonl"))


def _isolated_python(root: Path) -> Path:
    """A venv that sees no site-packages but a link to ``cryptography`` (and what it needs)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = next((root / "lib").glob("python*/site-packages"))
    for name in ("cryptography", "cffi", "pycparser"):
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for top in {f.parts[0] for f in files if not f.parts[0].endswith((".dist-info", "..", "__pycache__"))}:
            source = Path(importlib.metadata.distribution(name).locate_file(top))
            if source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)
    return root / "bin" / "python"


def test_the_verifier_module_runs_alone_where_only_cryptography_is_installed(
    cli: Any, signed: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "acme.jsonl"
    cli.ok("export", "--org", "acme", "--out", str(out))
    python = _isolated_python(tmp_path / "venv")
    alone = tmp_path / "auditor"
    alone.mkdir()
    shutil.copytree(Path(revledger_verify.__file__).parent, alone / "revledger_verify",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(out, alone / "acme.jsonl")
    shutil.copy(signed["public"], alone / "ledger.pub")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(alone)}
    nothing_else = subprocess.run([str(python), "-c", "import ledger"], cwd=alone, env=env, capture_output=True)
    assert nothing_else.returncode != 0  # the project is not importable there
    for missing in ("eventsourcing", "pydantic", "typer"):
        assert subprocess.run([str(python), "-c", f"import {missing}"], cwd=alone, env=env).returncode != 0
    ran = subprocess.run(
        [str(python), "-m", "revledger_verify", "acme.jsonl", "--public-key", "ledger.pub", "-o", "json"],
        cwd=alone, env=env, capture_output=True, text=True,
    )
    assert ran.returncode == 0, ran.stderr
    verdict = json.loads(ran.stdout)
    assert verdict["ok"] is True and verdict["org"] == "acme" and verdict["events"] > 0
    tampered = (alone / "acme.jsonl").read_bytes().replace(b'"svc1"', b'"svc7"', 1)
    (alone / "acme.jsonl").write_bytes(tampered)
    failed = subprocess.run([str(python), "-m", "revledger_verify", "acme.jsonl", "--public-key", "ledger.pub"],
                            cwd=alone, env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "FAILED at position" in failed.stdout
