"""Keyed commands: the first response to an ``Idempotency-Key``, recorded in the same
transaction as the events the command produced (SQLite here; PostgreSQL's held transaction
is :mod:`ledger.holding`, and there the key is locked from its lookup to the commit).

An interface runs a keyed command inside :meth:`Responses.transaction`: every
event the command saves, and the response recorded with :meth:`record_response`, commit
together or not at all. So after any crash either nothing happened (a retry runs the
command) or both did (a retry gets the first response). Several commands may share one
transaction (each its own events and its own response row); nested transactions are
savepoints. Responses live in their own insert-only table next to the events, scoped to
(organization, token, key). The ledger keeps the response as opaque JSON and an integer
``status`` chosen by the interface. Save listeners hear of the events only after the commit
(:meth:`Responses.after_commit`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Any, ContextManager
from uuid import UUID

from eventsourcing import persistence
from eventsourcing.application import Application
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from ledger.held import HELD

TABLE = "revledger_responses"
#: The advisory lock nodes take to create the responses table on PostgreSQL.
RESPONSES_LOCK = 0x72657370  # "resp"
_savepoints = count(1)


@dataclass(frozen=True)
class RecordedResponse:
    fingerprint: str
    status: int
    body: Any


class HoldingDatastore(SQLiteDatastore):
    # The PostgreSQL one: ledger.holding.HoldingPostgresDatastore (same interface).
    """A SQLite datastore whose transactions a thread can hold open across several saves.

    Outside :meth:`hold` it behaves exactly as eventsourcing's. Inside, every transaction of
    the holding thread is a savepoint of the held one (so its reads see its own writes), and
    nothing commits until ``hold`` ends.
    """

    def _held_connection(self) -> sqlite3.Connection | None:
        return HELD.connection(self)  # type: ignore[no-any-return]

    def is_holding(self) -> bool:
        return self._held_connection() is not None

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once what this thread saved is committed: now, outside
        :meth:`hold`; else once the held transaction commits (never, if it rolls back)."""
        HELD.after_commit(self, callback)

    @contextmanager
    def hold(self) -> Iterator[None]:
        if self._held_connection() is not None:
            with self.transaction(commit=True):
                yield
            return
        with self.get_connection(commit=True) as connection:
            raw: sqlite3.Connection = connection._sqlite_conn  # noqa: SLF001 - the pooled connection
            with _translated():
                raw.execute("BEGIN IMMEDIATE")  # the write lock now: no upgrade deadlock later
            HELD.enter(self, raw)
            try:
                yield
            except BaseException:
                HELD.leave(self)
                HELD.rolled_back(self)
                raw.rollback()
                raise
            HELD.leave(self)
            callbacks = HELD.committed(self)
            with _translated():
                raw.commit()
            for callback in callbacks:  # e.g. the log tree: it must see committed events only
                callback()

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[SQLiteCursor]:
        raw = self._held_connection()
        if raw is None:
            with super().transaction(commit=commit) as cursor:
                yield cursor
            return
        name = f"revledger_{next(_savepoints)}"
        cursor = SQLiteCursor(raw.cursor())
        with _translated():
            raw.execute(f"SAVEPOINT {name}")
            try:
                yield cursor
            except BaseException:
                raw.execute(f"ROLLBACK TO {name}")
                raw.execute(f"RELEASE {name}")
                raise
            finally:
                cursor.sqlite_cursor.close()
            raw.execute(f"RELEASE {name}")


@contextmanager
def _translated() -> Iterator[None]:
    """sqlite3's errors as eventsourcing's, as its own transactions raise them."""
    try:
        yield
    except sqlite3.IntegrityError as e:
        raise persistence.IntegrityError(e) from e
    except sqlite3.OperationalError as e:
        raise persistence.OperationalError(e) from e
    except sqlite3.DatabaseError as e:
        raise persistence.DatabaseError(e) from e


class Responses:
    """The recorded first responses of keyed commands, next to one application's events
    (SQLite: in the event file; PostgreSQL: in the events' database and schema)."""

    def __init__(self, app: Application[UUID]) -> None:
        self.app = app
        self._responses_ready = False

    @property
    def _holding(self) -> Any:
        """The datastore that can hold a transaction (SQLite's or PostgreSQL's), else None."""
        datastore = getattr(self.app.factory, "datastore", None)
        return datastore if callable(getattr(datastore, "hold", None)) else None

    @property
    def _on_postgres(self) -> bool:
        return not isinstance(self._holding, HoldingDatastore)

    @property
    def _table(self) -> str:
        holding = self._holding
        schema = getattr(holding, "schema", "") if self._on_postgres else ""
        return f"{schema}.{TABLE}" if schema else TABLE

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._on_postgres else statement

    def _ensure_responses_table(self) -> None:
        holding = self._holding
        if holding is None or self._responses_ready:
            return
        with holding.transaction(commit=True) as c:
            if self._on_postgres:  # nodes may start at once: CREATE … IF NOT EXISTS races
                c.execute("SELECT pg_advisory_xact_lock(%s)", [RESPONSES_LOCK])
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} ("
                " org TEXT NOT NULL, token TEXT NOT NULL, key TEXT NOT NULL,"
                " fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,"
                " created_at TEXT NOT NULL, PRIMARY KEY (org, token, key))"
            )
        self._responses_ready = True

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this thread's saves are committed (see :meth:`transaction`)."""
        holding = self._holding
        if holding is None:
            callback()
        else:
            holding.after_commit(callback)

    def transaction(self) -> ContextManager[None]:
        """Everything saved inside commits together, at the end."""
        holding = self._holding
        if holding is None:
            return nullcontext()
        self._ensure_responses_table()
        return holding.hold()  # type: ignore[no-any-return]

    def recorded_response(self, *, org: str, token: str, key: str) -> RecordedResponse | None:
        """The response first recorded for this key of this token, if any. Inside
        :meth:`transaction` on PostgreSQL this also takes the key's lock until the end: another
        node sending the same key waits here, then finds this response."""
        holding = self._holding
        if holding is None:
            return None
        self._ensure_responses_table()
        with holding.transaction(commit=True) as c:
            if self._on_postgres and holding.is_holding():
                c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                          [json.dumps([org, token, key])])
            c.execute(self._sql(f"SELECT fingerprint, status, body FROM {self._table}"
                                " WHERE org = ? AND token = ? AND key = ?"), [org, token, key])
            row = c.fetchone()
        if row is None:
            return None
        if isinstance(row, dict):
            row = (row["fingerprint"], row["status"], row["body"])
        return RecordedResponse(row[0], row[1], json.loads(row[2]))

    def record_response(
        self, *, org: str, token: str, key: str, response: RecordedResponse
    ) -> None:
        """Record the response (call inside :meth:`transaction`, after the command). A key
        recorded meanwhile (a race the lock did not see) raises eventsourcing's IntegrityError."""
        holding = self._holding
        if holding is None:
            return
        self._ensure_responses_table()
        with holding.transaction(commit=True) as c:
            c.execute(
                self._sql(f"INSERT INTO {self._table} (org, token, key, fingerprint, status, body,"
                          " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                [org, token, key, response.fingerprint, response.status,
                 json.dumps(response.body), datetime.now(UTC).isoformat()],
            )
