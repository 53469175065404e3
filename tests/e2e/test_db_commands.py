"""``revledger db init|status|copy`` and the PostgreSQL store's refusals, through the CLI."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests import postgres

pytestmark = pytest.mark.postgres

FIXTURES = Path(__file__).parent.parent / "fixtures"


def run(home: Path, *args: str, database_url: str | None = None, master_key: Path | None = None) -> Result:
    from api.cli import app

    env = {"REVLEDGER_HOME": str(home), "REVLEDGER_DATABASE_URL": database_url,
           "REVLEDGER_ACTOR": "tester", "REVLEDGER_ORG": None, "REVLEDGER_SERVER": None,
           "REVLEDGER_MASTER_KEY_FILE": str(master_key) if master_key else None}
    return CliRunner().invoke(app, list(args), env=env)


def ok(home: Path, *args: str, database_url: str | None = None, master_key: Path | None = None) -> Any:
    result = run(home, *args, "-o", "json", database_url=database_url, master_key=master_key)
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return json.loads(result.stdout)


def one_error(result: Result) -> str:
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def empty_database() -> Any:
    factory = postgres.databases()
    url = factory.create_empty()
    yield url
    factory.drop(url)


def test_before_db_init_every_command_fails_with_one_line_naming_db_init(tmp_path: Path, empty_database: str) -> None:
    for args in (("script", "list"), ("status",), ("db", "status")):
        line = one_error(run(tmp_path, *args, database_url=empty_database))
        assert "revledger db init" in line


def test_db_init_creates_the_schema_once_and_again_changes_nothing(tmp_path: Path, empty_database: str) -> None:
    first = ok(tmp_path, "db", "init", database_url=empty_database)
    again = ok(tmp_path, "db", "init", database_url=empty_database)
    assert (first["created"], again["created"]) == (True, False)
    assert first["backend"] == again["backend"] == "postgresql"
    ok(tmp_path, "script", "create", "svc", database_url=empty_database)
    assert ok(tmp_path, "script", "list", database_url=empty_database)[0]["name"] == "svc"


def test_a_database_url_that_is_not_postgresql_is_one_line(tmp_path: Path) -> None:
    assert "postgresql://" in one_error(run(tmp_path, "script", "list", database_url="mysql://x@h/db"))


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    from tests.e2e.test_multi_node import free_port

    url = f"postgresql://revledger:hunter2secret@127.0.0.1:{free_port()}/nothing"
    line = one_error(run(tmp_path, "script", "list", database_url=url))
    assert "cannot" in line and "hunter2secret" not in line


def test_db_status_reports_backend_schema_head_and_each_read_models_lag(tmp_path: Path, pg_database: str) -> None:
    ok(tmp_path, "script", "create", "svc", database_url=pg_database)
    status = ok(tmp_path, "db", "status", database_url=pg_database)
    assert (status["backend"], status["schema_version"]) == ("postgresql", 1)
    assert status["head"] > 0
    assert "***" in status["store"] and postgres.urlsplit(pg_database).password not in status["store"]
    models = {row["projection"]: row for row in status["read_models"]}
    assert {"environment_pointers", "audit_trail"} <= set(models)
    assert all(row["lag"] == status["head"] - row["position"] for row in models.values())
    sqlite = ok(tmp_path / "other", "db", "status")
    assert (sqlite["backend"], sqlite["head"]) == ("sqlite", 0)


def test_db_commands_refuse_remote_mode(tmp_path: Path) -> None:
    from api.cli import app

    result = CliRunner().invoke(app, ["--server", "http://127.0.0.1:9", "db", "status"],
                                env={"REVLEDGER_HOME": str(tmp_path), "REVLEDGER_TOKEN": "t"})
    # Local by nature (api/operations/store.py): one line, and the usage exit code 2 (issue 9).
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1 and "local store only" in result.stderr


def some_history(home: Path) -> None:
    """A small store written through the CLI: scripts, versions, moves, rollbacks, config."""
    draft = home.parent / "draft.json"
    for name in ("billing", "search"):
        ok(home, "script", "create", name)
        for number in (1, 2, 3):
            draft.write_text(json.dumps({"v": number, "name": name}))
            ok(home, "draft", "save", name, "--file", str(draft))
            ok(home, "draft", "publish", name)
        for number in (1, 2, 3):
            ok(home, "promote", name, "--version", str(number), "--to", "staging")
            ok(home, "promote", name, "--version", str(number), "--to", "production")
        ok(home, "version", "rollback", name, "--to", "1", "--reason", "spike", "--incident", "INC-7")
    ok(home, "env", "set", "REGION", "eu")
    ok(home, "env", "set", "REGION", "us", "-e", "production")


QUERIES = (
    ("status",), ("status", "-e", "production"), ("audit",), ("history", "billing"),
    ("history", "search", "-e", "staging"), ("at", "billing", "-e", "production", "--time", "2099-01-01T00:00:00+00:00"),
    ("script", "list"), ("version", "list", "billing"), ("config", "resolve", "search", "-e", "production"),
)


def test_db_copy_moves_a_store_into_postgresql_and_every_query_answers_the_same(
    tmp_path: Path, empty_database: str
) -> None:
    source = tmp_path / "source"
    some_history(source)
    before = {q: ok(source, *q) for q in QUERIES}

    copied = ok(source, "db", "copy", "--to", empty_database)

    assert copied["verified"] is True and copied["mismatches"] == []
    assert copied["events"] == ok(source, "db", "status")["head"]
    target_home = tmp_path / "target"  # its own read models, rebuilt from the copied log
    # The copy's data keys are wrapped by the source's master key: the target is opened with it.
    master_key = source / "keys" / "master.key"
    after = {q: ok(target_home, *q, database_url=empty_database, master_key=master_key) for q in QUERIES}
    assert after == before
    without = run(target_home, "env", "list", database_url=empty_database)
    assert without.exit_code == 1 and "master key" in without.stderr


def test_db_copy_of_the_legacy_fixture_store_gives_every_recorded_answer_on_postgresql(
    tmp_path: Path, empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.e2e.test_db_copy_encrypting import (
        LEGACY_SECRETS, answers_differing_from_the_recorded_ones, legacy_home)

    source = legacy_home(tmp_path)
    copied = ok(source, "db", "copy", "--to", empty_database)
    assert copied["verified"] is True and copied["events"] > 0
    assert copied["values_sealed"] >= len(LEGACY_SECRETS)  # plaintext secrets encrypted on the way

    # A new home: read models rebuilt from PostgreSQL; the copy's keys open with the source's key.
    home = tmp_path / "home"
    shutil.copytree(source / "archive", home / "archive")
    monkeypatch.setenv("REVLEDGER_DATABASE_URL", empty_database)
    monkeypatch.setenv("REVLEDGER_MASTER_KEY_FILE", str(source / "keys" / "master.key"))
    assert ok(home, "keys", "status", database_url=empty_database,
              master_key=source / "keys" / "master.key")["plaintext_secret_events"] == 0
    assert answers_differing_from_the_recorded_ones(home, copied["key_events_appended"]) == []
    import psycopg

    with psycopg.connect(empty_database) as conn:
        states = b"".join(bytes(row[0]) for row in conn.execute("SELECT state FROM revledger_events"))
    assert not [v for v in LEGACY_SECRETS if v.encode() in states]


def test_db_copy_refuses_a_target_that_holds_events(tmp_path: Path, pg_database: str) -> None:
    ok(tmp_path / "pg", "script", "create", "already-here", database_url=pg_database)
    ok(tmp_path / "src", "script", "create", "svc")
    line = one_error(run(tmp_path / "src", "db", "copy", "--to", pg_database))
    assert "already holds events" in line
    assert [s["name"] for s in ok(tmp_path / "pg", "script", "list", database_url=pg_database)] == ["already-here"]
