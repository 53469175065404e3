"""Keyed fingerprints, ciphertexts bound to where they belong, and the master key's refusals."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from ledger.envelope import PREFIX, legacy_fingerprint
from tests.conftest import Cli


def stored(path: Path) -> list[str]:
    """Everything the store holds, read through its WAL (the file's bytes may change when a
    command that wrote nothing closes the store and SQLite checkpoints the WAL into it)."""
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


def set_secrets(cli: Cli) -> None:
    cli.ok("env", "set", "DB_URL", "first-Qa1", "--secret")
    cli.ok("env", "set", "DB_URL", "second-Qa2", "--secret")
    cli.ok("env", "set", "DB_URL", "first-Qa1", "--secret", "--org", "other")
    cli.ok("env", "set", "PIN", "1234", "--secret")
    cli.ok("env", "set", "OTHER_PIN", "1234", "--secret")


def test_fingerprints_compare_within_an_organization_and_differ_across_and_resist_guessing(cli: Cli) -> None:
    set_secrets(cli)
    mine = {v["key"]: v["fingerprint"] for v in cli.json("env", "list")}
    theirs = {v["key"]: v["fingerprint"] for v in cli.json("env", "list", "--org", "other")}

    assert mine["PIN"] == mine["OTHER_PIN"]  # equal values compare equal
    assert theirs["DB_URL"] != cli.fingerprint("second-Qa2")
    assert theirs["DB_URL"] == cli.fingerprint("first-Qa1", org="other")
    assert theirs["DB_URL"] != cli.fingerprint("first-Qa1")  # same value, another organization
    # The plain sha256 of a guess no longer matches: a 4-digit PIN cannot be tested offline.
    assert legacy_fingerprint("1234") != mine["PIN"]


def tampered_copy(cli: Cli, tmp_path: Path) -> tuple[Cli, sqlite3.Connection, list[tuple[int, str, int, bytes]]]:
    home = tmp_path / "copy"
    shutil.copytree(cli.home, home)
    db = sqlite3.connect(home / "ledger.db", isolation_level=None)
    for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f'DROP TRIGGER "{trigger}"')  # as whoever alters the file would
    rows = db.execute("SELECT rowid, originator_id, originator_version, state FROM stored_events"
                      " WHERE topic = 'revledger:TenantVariables.VariablesSet' ORDER BY rowid").fetchall()
    return Cli(home, cli.workdir), db, rows


def token_of(state: bytes, key: str) -> str:
    return json.loads(state)["values"][key]


def put_token(db: sqlite3.Connection, rowid: int, key: str, token: str) -> None:
    (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = ?", [rowid]).fetchone()
    body = json.loads(state)
    body["values"][key] = token
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [json.dumps(body).encode(), rowid])


@pytest.mark.sqlite_only
@pytest.mark.parametrize("move", ["another event", "another organization", "another key id"])
def test_a_ciphertext_moved_elsewhere_fails_to_decrypt_with_a_clear_error(cli: Cli, tmp_path: Path, move: str) -> None:
    set_secrets(cli)
    copy, db, rows = tampered_copy(cli, tmp_path)
    first, second, other = rows[0], rows[1], rows[2]
    assert token_of(first[3], "DB_URL").startswith(PREFIX + ":")
    if move == "another event":
        put_token(db, second[0], "DB_URL", token_of(first[3], "DB_URL"))  # older value, same key
        org = "default"
    elif move == "another organization":
        put_token(db, other[0], "DB_URL", token_of(first[3], "DB_URL"))
        org = "other"
    else:
        parts = token_of(second[3], "DB_URL").split(":")
        parts[1] = "0badc0de"
        put_token(db, second[0], "DB_URL", ":".join(parts))
        org = "default"
    db.close()

    at_copy = {"REVLEDGER_HOME": str(copy.home)}
    result = copy("env", "get", "DB_URL", "--reveal", "--org", org, env=at_copy)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: cannot decrypt the secret DB_URL ({org}, base scope): ")
    assert result.stderr.count("\n") == 1
    assert "first-Qa1" not in result.stderr and "second-Qa2" not in result.stderr
    # Masked reads still answer: only opening the moved value fails.
    assert copy("env", "get", "DB_URL", "--org", org, env=at_copy).exit_code == 0
    assert cli("env", "get", "DB_URL", "--reveal", "--org", org).exit_code == 0  # the original is intact


@pytest.mark.sqlite_only
def test_a_missing_or_wrong_master_key_refuses_to_start_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    set_secrets(cli)
    key_file = cli.home / "keys" / "master.key"
    before = stored(cli.home / "ledger.db")
    moved = tmp_path / "moved.key"
    shutil.move(key_file, moved)

    missing = cli("env", "set", "X", "1")
    wrong_file = tmp_path / "wrong.key"
    wrong_file.write_text("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=\n")
    wrong = cli("env", "list", env={"REVLEDGER_MASTER_KEY_FILE": str(wrong_file)})
    configured_missing = cli("env", "list", env={"REVLEDGER_MASTER_KEY_FILE": str(tmp_path / "nope.key")})

    assert missing.exit_code == 1 and missing.stdout == ""
    assert missing.stderr.startswith("error: the master key file ") and missing.stderr.count("\n") == 1
    assert wrong.exit_code == 1 and "is not the one this store's keys are wrapped with" in wrong.stderr
    assert configured_missing.exit_code == 1 and "does not exist" in configured_missing.stderr
    assert not key_file.exists()  # never silently replaced by a new key
    assert stored(cli.home / "ledger.db") == before
    # Moved out of the data directory and configured: everything answers again.
    moved_env = {"REVLEDGER_MASTER_KEY_FILE": str(moved)}
    revealed = cli("env", "get", "DB_URL", "--reveal", "-o", "json", env=moved_env)
    assert json.loads(revealed.stdout)["value"] == "second-Qa2"


def test_the_master_key_file_is_owner_only(cli: Cli) -> None:
    cli.ok("env", "set", "A", "1")
    if cli.database_url is None:
        assert (cli.home / "keys" / "master.key").stat().st_mode & 0o777 == 0o600
