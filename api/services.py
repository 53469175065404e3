"""Builds the services an interface talks to, from the settings."""

from __future__ import annotations

from ledger.application import Ledger
from projections.transparency import VerifiableLog

from api.settings import Settings


def open_ledger(settings: Settings) -> Ledger:
    """The ledger, with its verifiable log attached: the log tree grows after every save."""
    settings.home.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(env=settings.eventsourcing_env())
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
