"""``revledger db copy --to DIR`` encrypts on the way the secret values older code left in plaintext:
the copy reports no plaintext secret, answers every query as the source did (fingerprints as the
copy computes them), reveals the same values, and no file of its data directory holds them."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_db_commands import ok, run

FIXTURES = Path(__file__).parent.parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

from legacy_queries import FIXTURE, queries, run_cli  # noqa: E402

#: The fixture's secret values, in plaintext in its ledger.db (set before encryption at rest).
LEGACY_SECRETS = ("hunter2", "abc123", "sk-live-demo-0000000000000000", "sk-test-demo-0000000000000000")
FINGERPRINT = re.compile(r"\b[0-9a-f]{8}\b")


def legacy_home(tmp_path: Path) -> Path:
    home = tmp_path / "source"
    home.mkdir()
    shutil.copy(FIXTURE / "ledger.db", home / "ledger.db")
    shutil.copytree(FIXTURE / "archive", home / "archive")
    return home


def files_holding(directory: Path, values: tuple[str, ...]) -> list[str]:
    """``grep -a``: every file under ``directory`` holding one of ``values``, and which."""
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path.relative_to(directory)}: {v}" for v in values if v.encode() in data]
    return found


def fingerprint_translation(home: Path) -> dict[str, str]:
    """The plain SHA-256 fingerprint the legacy store showed for each value -> the copy's keyed one."""
    from api.settings import Settings
    from ledger.envelope import legacy_fingerprint
    from ledger.sealing_copy import CONFIG_TOPICS, _values
    from ledger.secrets import place
    from ledger.store_copy import notifications
    from ledger.stores import open_store

    ledger = open_store(Settings(home=home).eventsourcing_env())
    try:
        mapping = {}
        for notification in notifications(ledger):
            if notification.topic in CONFIG_TOPICS:
                event = ledger.mapper.to_domain_event(notification)
                reader = ledger.secrets.reader(event.org)
                for key, raw in _values(event).items():
                    plain = reader.plain(raw, place(event.org, event.originator_id, event.environment, key))
                    mapping[legacy_fingerprint(plain)] = reader.fingerprint(raw)
        return mapping
    finally:
        ledger.close()


def answers_differing_from_the_recorded_ones(home: Path, appended: int) -> list[list[str]]:
    """Every query of the legacy fixture asked of ``home``, against the answers recorded when the
    fixture was written (fingerprints translated; ``projections status`` counts the key events
    the copy appended; the `logs import` batch and this run's own audit row left out, as in
    tests/integration/test_legacy_store.py)."""
    from tests.integration.test_legacy_store import contains, same_answer

    translation = fingerprint_translation(home)
    expected = json.loads((FIXTURE / "answers.json").read_text())
    env = {"REVLEDGER_HOME": str(home), "REVLEDGER_ORG": "acme", "COLUMNS": "200",
           "REVLEDGER_ACTOR": "reader", "REVLEDGER_SERVER": "", "REVLEDGER_TOKEN": ""}
    differing = []
    for args, recorded in zip(queries(FIXTURE), expected, strict=True):
        code, out, err = run_cli(args, env, cwd=FIXTURE)
        then = {**recorded, "stdout": translated(recorded["stdout"], translation)}
        if args[:2] == ["logs", "import"]:
            body = json.loads(out)
            body["batch"] = "<batch>"
            body.pop("position", None)
            out = json.dumps(body, indent=2) + "\n"
        elif args[:3] == ["audit", "-o", "json"]:
            out = json.dumps([r for r in json.loads(out) if r["kind"] != "logs"], indent=2, ensure_ascii=False) + "\n"
        elif args[:2] == ["projections", "status"]:
            rows = json.loads(out)
            for row in rows:
                row["position"] -= appended
                row["head"] -= appended
            out = json.dumps(rows)
        now = {"args": args, "exit_code": code, "stdout": out, "stderr": err}
        if "yaml" in args and code == 0:  # a keyed fingerprint may need quotes ('12345678')
            same = contains(yaml.safe_load(out), translated(yaml.safe_load(recorded["stdout"]), translation))
        else:
            same = same_answer(now, then)
        if not same and args != ["audit", "-o", "table"]:
            differing.append(args)
    return differing


def translated(value: Any, translation: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: translated(v, translation) for k, v in value.items()}
    if isinstance(value, list):
        return [translated(v, translation) for v in value]
    if isinstance(value, str):
        return FINGERPRINT.sub(lambda m: translation.get(m.group(0), m.group(0)), value)
    return value


def test_a_copy_of_a_legacy_store_encrypts_its_plaintext_secrets_and_answers_every_query_the_same(
    tmp_path: Path,
) -> None:
    source = legacy_home(tmp_path)
    assert files_holding(source, LEGACY_SECRETS)  # the fixture does hold them in plaintext
    before = ok(source, "keys", "status")
    assert before["plaintext_secret_events"] > 0

    copied = ok(source, "db", "copy", "--to", str(tmp_path / "copy"))

    copy = tmp_path / "copy"
    assert copied["verified"] is True and copied["mismatches"] == []
    assert copied["values_sealed"] >= len(LEGACY_SECRETS) and copied["events_sealed"] > 0
    status = ok(copy, "keys", "status")
    assert status["plaintext_secret_events"] == 0 and status["master_key_id"] == before["master_key_id"]
    # Every query, reveals included (`env get DB_PASSWORD --reveal`, `config resolve --reveal`).
    assert answers_differing_from_the_recorded_ones(copy, copied["key_events_appended"]) == []
    assert ok(copy, "env", "get", "DB_PASSWORD", "--org", "acme", "--reveal")["value"] == "hunter2"
    # After all those queries (read models, log tree, WAL files): no file holds a secret value.
    assert files_holding(copy, LEGACY_SECRETS) == []
    # The source is untouched: history is immutable there.
    assert ok(source, "keys", "status")["plaintext_secret_events"] == before["plaintext_secret_events"]
    # The copy's keys are wrapped by the source's master key until it rotates to its own.
    rotated = ok(copy, "keys", "rotate")
    Path(rotated["previous_master_key_file"]).unlink()
    assert ok(copy, "env", "get", "DB_PASSWORD", "--org", "acme", "--reveal")["value"] == "hunter2"
    assert rotated["master_key_id"] != before["master_key_id"]


def test_the_copys_log_verifies_against_its_own_first_checkpoint(tmp_path: Path) -> None:
    source = legacy_home(tmp_path)
    copy = tmp_path / "copy"
    ok(source, "db", "copy", "--to", str(copy))
    key = tmp_path / "signing.key"
    ok(copy, "keys", "create", "--out", str(key))
    signed = {"REVLEDGER_SIGNING_KEY_FILE": str(key)}

    checkpoint = cli_ok(copy, signed, "checkpoint")
    verdict = cli_ok(copy, signed, "verify", "--store", "--public-key", (tmp_path / "signing.key.pub").read_text().strip())

    head = ok(copy, "db", "status")["head"]
    assert checkpoint["size"] == head
    assert verdict["ok"] is True and verdict["events"] == head and verdict["unverified_tail"] == 0


def cli_ok(home: Path, env: dict[str, str], *args: str) -> Any:
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, [*args, "-o", "json"], env={
        "REVLEDGER_HOME": str(home), "REVLEDGER_DATABASE_URL": None, "REVLEDGER_SERVER": None, **env})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_a_value_set_plain_and_marked_secret_later_is_reported_and_a_copy_encrypts_it(tmp_path: Path) -> None:
    source = tmp_path / "source"
    ok(source, "env", "set", "REGION", "plain-then-secret-41")
    ok(source, "env", "set", "REGION", "secret-from-now-42", "--secret")
    ok(source, "env", "set", "MODEL", "never-secret-43")
    ok(source, "env", "set", "MODEL", "still-plain-44")

    status = ok(source, "keys", "status")
    assert status["plaintext_secret_events"] == 0  # nothing was secret when it was written…
    assert status["plaintext_before_secret"] == 1  # …but REGION's earlier value stays readable
    assert [o["plaintext_before_secret"] for o in status["organizations"]] == [["REGION"]]
    assert files_holding(source, ("plain-then-secret-41",))

    copied = ok(source, "db", "copy", "--to", str(tmp_path / "copy"))

    copy = tmp_path / "copy"
    assert copied["verified"] is True and copied["values_sealed"] == 1
    assert ok(copy, "keys", "status")["plaintext_before_secret"] == 0
    assert ok(copy, "env", "get", "REGION", "--reveal")["value"] == "secret-from-now-42"
    assert ok(copy, "env", "list") == ok(source, "env", "list")
    assert files_holding(copy, ("plain-then-secret-41", "secret-from-now-42")) == []
    assert files_holding(copy, ("still-plain-44",))  # non-secret values stay readable in the log


def test_a_store_already_using_keys_copies_its_old_plaintext_under_its_keys_even_after_a_shredding(
    tmp_path: Path,
) -> None:
    source = legacy_home(tmp_path)
    ok(source, "env", "set", "NEW_PIN", "pin-after-change-7", "--secret", "--org", "acme")
    ok(source, "org", "shred", "acme", "--confirm", "acme")
    # beta: one old plain (non-secret) event, keys since, shredded: nothing of it to seal.
    ok(source, "env", "set", "BETA_TOKEN", "beta-after-change-8", "--secret", "--org", "beta")
    ok(source, "org", "shred", "beta", "--confirm", "beta")
    # A shredding destroys keys: the old plaintext it never covered is still readable here.
    assert ok(source, "env", "get", "DB_PASSWORD", "--org", "acme", "--reveal")["value"] == "hunter2"
    assert ok(source, "env", "get", "NEW_PIN", "--org", "acme", "--reveal")["value"] == "<shredded>"

    copied = ok(source, "db", "copy", "--to", str(tmp_path / "copy"))

    copy = tmp_path / "copy"
    # One new data key, acme's (beta's old event only gets its keyed fingerprint: no new key).
    assert copied["verified"] is True and copied["key_events_appended"] == 1
    for key in ("DB_PASSWORD", "NEW_PIN"):
        assert ok(copy, "env", "get", key, "--org", "acme", "--reveal") == ok(
            source, "env", "get", key, "--org", "acme", "--reveal")
    assert ok(copy, "env", "list", "--org", "beta") == ok(source, "env", "list", "--org", "beta")
    assert files_holding(copy, (*LEGACY_SECRETS, "pin-after-change-7", "beta-after-change-8")) == []
    # In the copy a shredding covers them: they are sealed now.
    ok(copy, "org", "shred", "acme", "--confirm", "acme")
    assert ok(copy, "env", "get", "DB_PASSWORD", "--org", "acme", "--reveal")["value"] == "<shredded>"


def test_a_copy_of_a_store_with_nothing_to_seal_is_byte_for_byte(tmp_path: Path) -> None:
    source = tmp_path / "source"
    ok(source, "env", "set", "DB_URL", "dsn-sealed-1", "--secret")
    ok(source, "env", "set", "REGION", "eu")

    copied = ok(source, "db", "copy", "--to", str(tmp_path / "copy"))

    assert (copied["events_sealed"], copied["key_events_appended"]) == (0, 0)
    rows = [sqlite3.connect(home / "ledger.db").execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid").fetchall()
        for home in (source, tmp_path / "copy")]
    assert rows[0] == rows[1]


@pytest.mark.parametrize("target", ["same", "url"])
def test_db_copy_refuses_its_own_directory_and_a_url_that_is_not_postgresql(tmp_path: Path, target: str) -> None:
    source = tmp_path / "source"
    ok(source, "env", "set", "REGION", "eu")
    to = str(source) if target == "same" else "mysql://x@y/z"

    result = run(source, "db", "copy", "--to", to)

    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert not (tmp_path / "z").exists()


def snapshot_rows(home: Path) -> list[bytes]:
    db = sqlite3.connect(home / "ledger.db")
    try:
        return [bytes(state) for (state,) in db.execute("SELECT state FROM stored_snapshots")]
    finally:
        db.close()


def test_snapshots_taken_after_the_change_never_hold_a_secret_set_since_and_a_copy_holds_none(
    tmp_path: Path,
) -> None:
    from api.settings import Settings
    from ledger.stores import open_store
    from ledger.variables import Overlay, TenantVariables

    source = legacy_home(tmp_path)
    ledger = open_store(Settings(home=source).eventsourcing_env())
    try:
        for n in range(60):  # a long history: the copy snapshots aggregates of 50 events or more
            ledger.set_variable(org="acme", key="ROTATING_PIN", value=f"pin-set-after-{n:03d}",
                                actor="t", secret=True)
        ledger.update_overlay(org="acme", name="invoice-parser", actor="t",
                              set_={"WEBHOOK_SECRET": "whsec-after-change"}, delete=[])
        for aggregate in (TenantVariables.create_id("acme"), Overlay.create_id("acme", "invoice-parser")):
            ledger.take_snapshot(aggregate)  # as the snapshotting interval would
    finally:
        ledger.close()
    after = tuple(f"pin-set-after-{n:03d}" for n in range(60)) + ("whsec-after-change",)
    for query in (["audit"], ["env", "list"], ["overlay", "get", "invoice-parser"],
                  ["config", "resolve", "invoice-parser", "--environment", "production"]):
        ok(source, *query, "--org", "acme")  # the read models (projections.db and its WAL) too
    assert (source / "projections.db").exists()
    snapshots = b"".join(snapshot_rows(source))

    assert snapshots and not [v for v in after if v.encode() in snapshots]
    assert files_holding(source, after) == []
    # The limit, as documented: a value still in plaintext in its (old) event is in plaintext in
    # the aggregate's state, so in its new snapshots too…
    assert b"hunter2" in snapshots

    copied = ok(source, "db", "copy", "--to", str(tmp_path / "copy"))

    # …and a copy seals it in its events, so in the snapshots it takes of long aggregates.
    assert copied["verified"] is True and copied["snapshots"] >= 1
    assert snapshot_rows(tmp_path / "copy")
    assert files_holding(tmp_path / "copy", (*LEGACY_SECRETS, *after)) == []
    assert ok(tmp_path / "copy", "env", "get", "ROTATING_PIN", "--org", "acme", "--reveal")["value"] == after[59]
