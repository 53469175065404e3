"""The CLI's side of the input limits: an alias bomb or a damaged store is one line on stderr
naming the limit or the aggregate, never a traceback, and nothing is recorded."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import Cli
from tests.e2e.test_api_hardening import alias_bomb, damage


def test_an_alias_bomb_draft_is_refused_in_one_line_naming_the_limit(cli: Cli) -> None:
    cli.given_script("svc")
    before = cli.log_size()
    message = cli.fails("draft", "save", "svc", "-f", cli.write("bomb.yaml", alias_bomb()))
    assert "nodes" in message or "REVLEDGER_MAX_CONTENT_BYTES" in message
    assert cli.log_size() == before


def test_the_content_size_limit_is_a_setting(cli: Cli) -> None:
    cli.given_script("svc")
    path = cli.write("big.json", '{"k": "' + "x" * 5000 + '"}')
    message = cli.fails("draft", "save", "svc", "-f", path, env={"REVLEDGER_MAX_CONTENT_BYTES": "4096"})
    assert "REVLEDGER_MAX_CONTENT_BYTES=4096" in message
    cli.ok("draft", "save", "svc", "-f", path)


def test_a_lone_surrogate_escaped_in_a_json_draft_is_refused(cli: Cli) -> None:
    cli.given_script("svc")
    assert "surrogate" in cli.fails("draft", "save", "svc", "-f", cli.write("s.json", '{"k": "\\udfff"}'))


@pytest.mark.sqlite_only  # it damages the SQLite file itself
def test_a_missing_event_mid_history_is_one_line_naming_the_script(cli: Cli) -> None:
    cli.given_script("svc", versions=3)
    damage(cli.home / "ledger.db", "svc")
    message = cli.fails("script", "get", "svc")
    assert "'svc'" in message and "damaged" in message
    assert sqlite3.connect(cli.home / "ledger.db").execute("SELECT 1").fetchone() == (1,)
