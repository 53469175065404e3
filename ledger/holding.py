"""A PostgreSQL datastore whose transactions a thread can hold open across several saves.

The PostgreSQL counterpart of :class:`ledger.idempotency.HoldingDatastore`: inside
:meth:`HoldingPostgresDatastore.hold`, every connection the holding thread asks for is the
one held connection, in one open transaction, so a keyed command's events and its recorded
response commit together or not at all. eventsourcing's own transactions become savepoints
of the held one, and its pipelined insert runs unpipelined (a pipeline's deferred errors
would abort the whole held transaction instead of its savepoint). Outside ``hold`` it
behaves exactly as eventsourcing's datastore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.postgres import PostgresDatastore
from psycopg import pq

from ledger.held import HELD

#: psycopg's errors as eventsourcing's, as ``PostgresDatastore.get_connection`` maps them.
_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (psycopg.InterfaceError, persistence.InterfaceError),
    (psycopg.OperationalError, persistence.OperationalError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
    (psycopg.DatabaseError, persistence.DatabaseError),
    (psycopg.Error, persistence.PersistenceError),
)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        for raw, ours in _ERRORS:
            if isinstance(error, raw):
                raise ours(str(error)) from error
        raise


class HeldConnection:
    """The held connection as eventsourcing's recorders see it: ``transaction()`` is a
    savepoint that rolls back by itself when a statement in it failed, ``pipeline()`` does
    nothing; everything else is the real connection's."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def pipeline(self) -> Any:
        return _NoPipeline()

    @contextmanager
    def transaction(self, *, force_rollback: bool = False, **_: Any) -> Iterator[None]:
        connection = self._connection
        with connection.transaction(force_rollback=force_rollback):
            yield
            if connection.info.transaction_status == pq.TransactionStatus.INERROR:
                # eventsourcing's insert keeps a failed statement's error to raise it later:
                # undo the savepoint now, so the held transaction stays usable.
                raise psycopg.Rollback()


class _NoPipeline:
    def __enter__(self) -> _NoPipeline:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def sync(self) -> None:
        pass


class HoldingPostgresDatastore(PostgresDatastore):
    """See the module docstring; the same interface as the SQLite ``HoldingDatastore``."""

    def _held_connection(self) -> HeldConnection | None:
        return HELD.connection(self)  # type: ignore[no-any-return]

    def is_holding(self) -> bool:
        return self._held_connection() is not None

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once what this thread saved is committed (see ``hold``)."""
        HELD.after_commit(self, callback)

    @contextmanager
    def hold(self) -> Iterator[None]:
        if self._held_connection() is not None:
            with self.transaction(commit=True):
                yield
            return
        with super().get_connection() as connection:
            try:
                with _translated(), connection.transaction():
                    HELD.enter(self, HeldConnection(connection))
                    try:
                        yield
                    finally:
                        HELD.leave(self)
            except BaseException:
                HELD.rolled_back(self)
                raise
        for callback in HELD.committed(self):  # committed: now tell the listeners
            callback()

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        held = self._held_connection()
        if held is None:
            with super().get_connection() as connection:
                yield connection
            return
        with _translated():
            yield held

    @contextmanager
    def transaction(self, *, commit: bool = False) -> Iterator[Any]:
        held = self._held_connection()
        if held is None:
            with super().transaction(commit=commit) as cursor:
                yield cursor
            return
        with _translated(), held.transaction(force_rollback=not commit):
            yield held.cursor()
