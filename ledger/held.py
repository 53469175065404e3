"""Which transaction this thread holds open, per datastore, and what waits for its commit.

Shared by the two datastores that can hold a transaction across several saves (SQLite's
:class:`ledger.idempotency.HoldingDatastore`, PostgreSQL's
:class:`ledger.holding.HoldingPostgresDatastore`): each keeps its held connection here while
``hold`` runs, and callbacks asked for with ``after_commit`` run once it commits (never, if
it rolls back). Thread-local: another thread never sees this thread's held connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Callback = Callable[[], None]


class HeldTransactions:
    """The held connection of each datastore, for the calling thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _connections(self) -> dict[int, Any]:
        return self._local.__dict__.setdefault("by_store", {})

    def _pending(self) -> dict[int, list[Callback]]:
        return self._local.__dict__.setdefault("after_commit", {})

    def connection(self, store: object) -> Any | None:
        """The connection ``store`` holds on this thread, or None outside its ``hold``."""
        return self._connections().get(id(store))

    def after_commit(self, store: object, callback: Callback) -> None:
        """Call ``callback`` once what this thread saved in ``store`` is committed: now when
        nothing is held, else when the held transaction commits (each callback once)."""
        if self.connection(store) is None:
            callback()
            return
        pending = self._pending().setdefault(id(store), [])
        if callback not in pending:
            pending.append(callback)

    def enter(self, store: object, connection: Any) -> None:
        self._connections()[id(store)] = connection

    def leave(self, store: object) -> None:
        """Forget the held connection (its callbacks stay until ``committed`` or ``rolled_back``)."""
        self._connections().pop(id(store), None)

    def committed(self, store: object) -> list[Callback]:
        """The callbacks waiting for ``store``'s commit, now to be called."""
        return self._pending().pop(id(store), [])

    def rolled_back(self, store: object) -> None:
        self._pending().pop(id(store), None)


#: One registry for every holding datastore of the process (keyed by datastore).
HELD = HeldTransactions()
