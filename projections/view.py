"""The base of every read model: tables in the projections database plus a tracking position.

A view's rows and its position are written in one transaction, so an event is applied
exactly once: re-applying a tracked position raises IntegrityError and rolls back its rows.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import sqlite_utils

from ledger.files import private_file
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder


def open_database(path: str) -> sqlite_utils.Database:
    private_file(path)  # owner-only before SQLite creates it
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout=30000")
    _use_wal(db)
    db.execute("PRAGMA synchronous=NORMAL")  # a read model can always be rebuilt from the log
    # A bounded page cache (32 MiB) keeps index seeks in memory without growing with the log.
    db.execute("PRAGMA cache_size=-32768")
    db.execute(
        "CREATE TABLE IF NOT EXISTS tracking ("
        " view TEXT NOT NULL, application_name TEXT NOT NULL, notification_id INTEGER NOT NULL,"
        " PRIMARY KEY (view, application_name)) WITHOUT ROWID"  # dumps in key order
    )
    return db


def _use_wal(db: sqlite_utils.Database, patience: float = 30.0) -> None:
    """Switch a new file to WAL. Two processes may open it at once, and SQLite answers the
    switch with "database is locked" without waiting for the busy timeout: retry until one
    of them has switched it."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


@contextmanager
def exclusive(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction, taken up front so concurrent projectors queue instead of racing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class TrackedView(TrackingRecorder):
    """Tables of one read model and its position in the application's notification log."""

    #: Table names this view owns (dropped on rebuild).
    tables: ClassVar[tuple[str, ...]] = ()

    def __init__(self, db: sqlite_utils.Database, name: str) -> None:
        self.db = db
        self.name = name
        self.create_tables()

    def create_tables(self) -> None:  # pragma: no cover - every view defines its schema
        raise NotImplementedError

    def insert_tracking(self, tracking: Tracking) -> None:
        current = self.max_tracking_id(tracking.application_name)
        if current is not None and tracking.notification_id <= current:
            raise IntegrityError(
                f"{self.name} already applied notification {tracking.notification_id} (at {current})"
            )
        self.db.execute(
            "INSERT INTO tracking (view, application_name, notification_id) VALUES (?, ?, ?)"
            " ON CONFLICT (view, application_name) DO UPDATE SET notification_id = excluded.notification_id",
            [self.name, tracking.application_name, tracking.notification_id],
        )

    def max_tracking_id(self, application_name: str) -> int | None:
        row = self.db.execute(
            "SELECT notification_id FROM tracking WHERE view = ? AND application_name = ?",
            [self.name, application_name],
        ).fetchone()
        return None if row is None else int(row[0])

    def drop(self) -> None:
        """Forget every row and the position (the caller holds the transaction)."""
        for table in self.tables:
            self.db.execute(f"DROP TABLE IF EXISTS [{table}]")
        self.db.execute("DELETE FROM tracking WHERE view = ?", [self.name])
        self.create_tables()
