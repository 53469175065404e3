"""Builds the services an interface talks to, from the settings."""

from __future__ import annotations

from ledger.application import Ledger
from ledger.files import private_dir

from api.settings import Settings


def open_ledger(settings: Settings) -> Ledger:
    private_dir(settings.home, tighten=True)  # the data directory is revledger's own
    return Ledger(env=settings.eventsourcing_env())
