"""Builds the services an interface talks to, from the settings; and the lock a serving
process holds on its data directory (so a rebuild can refuse to run under it)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ledger.application import Ledger
from ledger.files import private_dir
from ledger.errors import InvalidInputError
from ledger.stores import open_store
from projections.transparency import VerifiableLog

from api.settings import Settings

if TYPE_CHECKING:
    from projections.service import Projections


def open_ledger(settings: Settings) -> Ledger:
    """The Ledger on the configured store (SQLite file, or PostgreSQL with its schema made by
    `revledger db init`): a missing schema or an unreachable server is one clear error.
    Its verifiable log is attached: the log tree grows after every save."""
    private_dir(settings.home, tighten=True)  # the data directory is revledger's own
    ledger = open_store(store_env(settings))
    log = VerifiableLog(
        ledger, settings.tree_path, settings.witness_path,
        key_file=settings.signing_key_file, every=settings.checkpoint_every,
    )
    ledger.on_saved.append(log.after_save)
    ledger.verifiable_log = log
    return ledger


def master_key_notice(ledger: Ledger, *, new_store: bool = False) -> str | None:
    """What to say once when the embedded default master key was just created (else None)."""
    key = ledger.secrets.open_master_key()
    if not key.created:
        return None
    what = "its master key is" if new_store else "created the master key"
    return (f"{what} {key.path}: for production move it out of the data directory and set "
            "REVLEDGER_MASTER_KEY_FILE")


def catch_up(ledger: Ledger, projections: Projections,
             progress: Callable[[str, int], None] | None = None) -> tuple[int, int]:
    """What every interface does after a write and before it answers (read-your-writes): the
    log tree and every read model take in the events recorded so far. The server's writer does
    it after each batch of commands, the CLI after a command that recorded something. Returns
    the head the read models reached and how many checkpoints the log tree signed."""
    signed = verifiable_log(ledger).catch_up()
    return projections.catch_up(progress=progress), signed


def verifiable_log(ledger: Ledger) -> VerifiableLog:
    log = ledger.verifiable_log
    assert isinstance(log, VerifiableLog), "open the ledger with open_ledger()"
    return log


def store_env(settings: Settings, *, create_table: bool = False) -> dict[str, str]:
    try:
        return settings.eventsourcing_env(create_table=create_table)
    except ValueError as error:
        raise InvalidInputError(f"REVLEDGER_DATABASE_URL / --database-url: {error}") from None


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
