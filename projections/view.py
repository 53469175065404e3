"""The base of every read model: tables in the projections database plus a tracking position.

A view's rows and its position are written in one transaction, so an event is applied
exactly once: re-applying a tracked position raises IntegrityError and rolls back its rows.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

import sqlite_utils

from ledger.files import private_file
from ledger.times import utc_text
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.projection import Projection


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


def event_time(event: Any, _last: list[Any] = [None, ""]) -> str:  # noqa: B006 (a one-entry memo)
    """``utc_text(event.timestamp)``, computed once when several read models ask for one event."""
    moment = event.timestamp
    if moment is not _last[0]:
        _last[0], _last[1] = moment, utc_text(moment)
    return _last[1]  # type: ignore[no-any-return]


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
    #: Secondary indexes: name -> "table (columns)". A rebuild creates them once, after the
    #: rows (one sort instead of a B-tree insert per row); opening a view creates any missing.
    indexes: ClassVar[dict[str, str]] = {}
    #: The version of the tables' layout: a view opened on tables of another version drops
    #: them and its position, so the next catch-up replays it from the start of the log.
    layout: ClassVar[int] = 1

    def __init__(self, db: sqlite_utils.Database, name: str) -> None:
        self.db = db
        self.name = name
        #: While a page is applied: the position reached so far, and rows not yet written.
        self._page_position: dict[str, int | None] | None = None
        self._page_rows: dict[str, list[list[Any]]] = {}
        #: The position the last page this object wrote ended at: caches a view keeps across
        #: pages stay valid only while the next page starts there (nobody else wrote between).
        self._written_to: int | None = None
        if self.layout > 1:
            self._check_layout()
        self.create_tables()
        self.create_indexes()

    def _check_layout(self) -> None:
        """Tables of an older layout (none recorded: layout 1) are dropped, to be replayed."""
        self.db.execute("CREATE TABLE IF NOT EXISTS layouts (view TEXT PRIMARY KEY, layout INTEGER NOT NULL)")
        row = self.db.execute("SELECT layout FROM layouts WHERE view = ?", [self.name]).fetchone()
        if row is not None and row[0] == self.layout:
            return
        with exclusive(self.db):
            row = self.db.execute("SELECT layout FROM layouts WHERE view = ?", [self.name]).fetchone()
            if row is None or row[0] != self.layout:  # (another process may have just done it)
                for table in self.tables:
                    self.db.execute(f"DROP TABLE IF EXISTS [{table}]")
                self.db.execute("DELETE FROM tracking WHERE view = ?", [self.name])
                self.db.execute("INSERT INTO layouts (view, layout) VALUES (?, ?) ON CONFLICT (view)"
                                " DO UPDATE SET layout = excluded.layout", [self.name, self.layout])

    # Pages: one catch-up page's rows and position, written together at its end ------------

    def begin_page(self, position: int | None = None) -> None:
        """Buffer the position (and rows given to ``write``) until ``end_page``; the caller
        holds the transaction, so the page still lands atomically. ``position`` is the view's
        position read in that transaction."""
        if position is None or position != self._written_to:
            self.forget()
        self._page_position = {}
        self._page_rows = {}

    def write(self, sql: str, params: list[Any]) -> None:
        """Insert a row now, or at the end of the page (one ``executemany`` per statement).
        Only for rows that nothing in the same page reads back."""
        if self._page_position is None:
            self.db.execute(sql, params)
        else:
            self._page_rows.setdefault(sql, []).append(params)

    def end_page(self) -> None:
        pending, rows = self._page_position, self._page_rows
        self._page_position, self._page_rows = None, {}
        conn = self.db.conn
        for sql, batch in rows.items():
            conn.executemany(sql, batch)
        self._written_to = None
        for application_name, position in (pending or {}).items():
            if position is not None:
                self._write_tracking(application_name, position)
                self._written_to = position

    def abandon_page(self) -> None:
        self._page_position, self._page_rows = None, {}
        self._written_to = None
        self.forget()

    def forget(self) -> None:
        """Drop whatever a view remembers of its rows between pages (nothing by default)."""

    def create_tables(self) -> None:  # pragma: no cover - every view defines its schema
        raise NotImplementedError

    def create_indexes(self) -> None:
        for name, definition in self.indexes.items():
            self.db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")

    def insert_tracking(self, tracking: Tracking) -> None:
        current = self.max_tracking_id(tracking.application_name)
        if current is not None and tracking.notification_id <= current:
            raise IntegrityError(
                f"{self.name} already applied notification {tracking.notification_id} (at {current})"
            )
        if self._page_position is not None:
            self._page_position[tracking.application_name] = tracking.notification_id
            return
        self._write_tracking(tracking.application_name, tracking.notification_id)

    def _write_tracking(self, application_name: str, notification_id: int) -> None:
        self.db.execute(
            "INSERT INTO tracking (view, application_name, notification_id) VALUES (?, ?, ?)"
            " ON CONFLICT (view, application_name) DO UPDATE SET notification_id = excluded.notification_id",
            [self.name, application_name, notification_id],
        )

    def max_tracking_id(self, application_name: str) -> int | None:
        if self._page_position and self._page_position.get(application_name) is not None:
            return self._page_position[application_name]
        row = self.db.execute(
            "SELECT notification_id FROM tracking WHERE view = ? AND application_name = ?",
            [self.name, application_name],
        ).fetchone()
        return None if row is None else int(row[0])

    def drop(self, *, indexes: bool = True) -> None:
        """Forget every row and the position (the caller holds the transaction); with
        ``indexes=False`` the secondary indexes wait for ``create_indexes``."""
        for table in self.tables:
            self.db.execute(f"DROP TABLE IF EXISTS [{table}]")
        self.db.execute("DELETE FROM tracking WHERE view = ?", [self.name])
        self._written_to = None
        self.forget()
        self.create_tables()
        if indexes:
            self.create_indexes()


V = TypeVar("V", bound=TrackedView)


class RowProjection(Projection[V], Generic[V]):
    """A read model whose events each call one method of its view with the event:
    ``handlers`` maps an event class to that method's name (``topics`` are theirs)."""

    handlers: ClassVar[dict[type, str]] = {}

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        handler = self.handlers.get(type(domain_event))
        if handler is not None:
            getattr(self.view, handler)(domain_event)


def topics_of(handlers: dict[type, str]) -> tuple[str, ...]:
    return tuple(cls.TOPIC for cls in handlers)  # type: ignore[attr-defined]
