"""A keyed command's transaction (``Ledger.transaction``): its events and its recorded response
commit together, and whoever listens to saves (the verifiable log's tree) hears of the events
only once they are committed, never while they may still roll back."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.services import open_ledger, verifiable_log
from api.settings import Settings
from ledger.application import Ledger
from ledger.idempotency import RecordedResponse

SCOPE = {"org": "acme", "token": "tok-1", "key": "key-1"}


@pytest.fixture
def opened(tmp_path: Path, store: str | None) -> Iterator[Ledger]:
    ledger = open_ledger(Settings(home=tmp_path / "home", database_url=store))
    yield ledger
    verifiable_log(ledger).close()
    ledger.close()


def committed_head(settings_home: Path, store: str | None) -> int:
    """The head of the log as another process sees it (committed events only)."""
    other = open_ledger(Settings(home=settings_home, database_url=store))
    try:
        return other.recorder.max_notification_id() or 0
    finally:
        other.close()


def test_save_listeners_hear_of_a_keyed_commands_events_once_they_are_committed(
    opened: Ledger, tmp_path: Path, store: str | None
) -> None:
    heard: list[int] = []
    opened.on_saved.append(lambda *_: heard.append(committed_head(tmp_path / "home", store)))
    with opened.transaction():
        opened.create_script(org="acme", name="svc", actor="alice")
        opened.update_overlay(org="acme", name="svc", actor="alice", set_={"A": "1"})
        assert heard == []  # nothing is committed yet: nobody hears of it
        opened.record_response(**SCOPE, response=RecordedResponse("f", 200, {"ok": True}))
    head = opened.recorder.max_notification_id()
    assert heard and set(heard) == {head}  # heard after the commit, which they can see
    assert verifiable_log(opened).tree.size() == head


def test_a_rolled_back_keyed_command_is_never_heard_of_nor_in_the_log_tree(
    opened: Ledger, store: str | None
) -> None:
    heard: list[str] = []
    opened.on_saved.append(lambda *_: heard.append("saved"))
    with pytest.raises(RuntimeError), opened.transaction():
        opened.create_script(org="acme", name="svc", actor="alice")
        raise RuntimeError("the command failed after saving")
    assert heard == []
    assert (opened.recorder.max_notification_id() or 0) == 0
    assert opened.recorded_response(**SCOPE) is None
    log = verifiable_log(opened)
    log.catch_up()
    assert log.tree.size() == 0
    opened.create_script(org="acme", name="svc", actor="alice")  # outside: heard at once
    assert heard == ["saved"]


@pytest.mark.sqlite_only
def test_the_log_tree_takes_no_write_lock_when_nothing_is_new(opened: Ledger, tmp_path: Path) -> None:
    opened.create_script(org="acme", name="svc", actor="alice")
    log = verifiable_log(opened)
    assert log.tree.size() == opened.recorder.max_notification_id()
    log.tree.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(Settings(home=tmp_path / "home").tree_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing the tree file
    try:
        started = time.monotonic()
        assert log.catch_up() == 0  # nothing new: it only reads
        assert time.monotonic() - started < 1
    finally:
        other.rollback()
        other.close()
