"""Builds the services an interface talks to, from the settings."""

from __future__ import annotations

from ledger.application import Ledger
from ledger.errors import InvalidInputError
from ledger.stores import open_store
from projections.transparency import VerifiableLog

from api.settings import Settings


def open_ledger(settings: Settings) -> Ledger:
    """The Ledger on the configured store (SQLite file, or PostgreSQL with its schema made by
    `revledger db init`): a missing schema or an unreachable server is one clear error.
    Its verifiable log is attached: the log tree grows after every save."""
    settings.home.mkdir(parents=True, exist_ok=True)
    ledger = open_store(store_env(settings))
    log = VerifiableLog(
        ledger, settings.tree_path, settings.witness_path,
        key_file=settings.signing_key_file, every=settings.checkpoint_every,
    )
    ledger.on_saved.append(log.after_save)
    ledger.verifiable_log = log
    return ledger


def verifiable_log(ledger: Ledger) -> VerifiableLog:
    log = ledger.verifiable_log
    assert isinstance(log, VerifiableLog), "open the ledger with open_ledger()"
    return log


def store_env(settings: Settings, *, create_table: bool = False) -> dict[str, str]:
    try:
        return settings.eventsourcing_env(create_table=create_table)
    except ValueError as error:
        raise InvalidInputError(f"REVLEDGER_DATABASE_URL / --database-url: {error}") from None
