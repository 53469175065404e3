"""Builds the services an interface talks to, from the settings."""

from __future__ import annotations

from ledger.application import Ledger
from ledger.errors import InvalidInputError
from ledger.stores import open_store

from api.settings import Settings


def open_ledger(settings: Settings) -> Ledger:
    """The Ledger on the configured store (SQLite file, or PostgreSQL with its schema made by
    `revledger db init`): a missing schema or an unreachable server is one clear error."""
    settings.home.mkdir(parents=True, exist_ok=True)
    return open_store(store_env(settings))


def store_env(settings: Settings, *, create_table: bool = False) -> dict[str, str]:
    try:
        return settings.eventsourcing_env(create_table=create_table)
    except ValueError as error:
        raise InvalidInputError(f"REVLEDGER_DATABASE_URL / --database-url: {error}") from None
