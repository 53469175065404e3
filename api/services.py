"""Builds the services an interface talks to, from the settings."""

from __future__ import annotations

from ledger.application import Ledger

from api.settings import Settings


def open_ledger(settings: Settings) -> Ledger:
    settings.home.mkdir(parents=True, exist_ok=True)
    return Ledger(env=settings.eventsourcing_env())
