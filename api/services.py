"""Builds the services an interface talks to, from the settings; and the lock a serving
process holds on its data directory (so a rebuild can refuse to run under it)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.application import Ledger
from ledger.files import private_dir

from api.settings import Settings


def open_ledger(settings: Settings) -> Ledger:
    private_dir(settings.home, tighten=True)  # the data directory is revledger's own
    return Ledger(env=settings.eventsourcing_env())


def _lock_path(settings: Settings) -> str:
    return str(settings.home / "server.lock")


@contextmanager
def serving(settings: Settings) -> Iterator[None]:
    """Held while a server serves the store (a shared lock: several servers may share it)."""
    private_dir(settings.home)
    descriptor = os.open(_lock_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextmanager
def no_server(settings: Settings, action: str) -> Iterator[None]:
    """Refuse ``action`` while a server serves the store; keep servers out until it ends."""
    from ledger.errors import RefusedError

    private_dir(settings.home)
    descriptor = os.open(_lock_path(settings), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefusedError(
                f"a revledger server is serving {settings.home}: stop it before {action} "
                "(its answers would be wrong meanwhile)"
            ) from None
        yield
    finally:
        os.close(descriptor)
