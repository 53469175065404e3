"""The verifiable log of one ledger: its tree, its signer and witness file, and the last verdict.

Interfaces talk to this one object: it grows the tree after every save, signs checkpoints,
answers proofs, writes exports and verifies the store (remembering the verdict, so a server
that found its history altered refuses to work from it).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application

from ledger.checkpoints import Checkpointer, LogIntegrityError, load_key_file
from ledger.errors import InvalidInputError, LedgerError
from projections.export import write_export
from projections.integrity import verify_store
from projections.log_tree import LogTree
from revledger_verify.export import Verdict
from revledger_verify.note import PublicKey

log = logging.getLogger("revledger.log")


class VerifiableLog:
    def __init__(self, app: Application, tree_path: Path, witness: Path,
                 key_file: Path | None = None, every: int = 1000) -> None:
        self.app = app
        self.tree_path = tree_path
        self.tree = LogTree(tree_path)
        self.witness = witness
        self.key_file = key_file
        self.every = every
        self.lock = threading.RLock()
        self.verdict: Verdict | None = None
        self._checkpointer: Checkpointer | None = None
        #: Called (on the thread that signed it) after a new checkpoint is signed.
        self.on_checkpoint: Callable[[], None] | None = None

    def close(self) -> None:
        self.tree.close()

    @property
    def checkpointer(self) -> Checkpointer | None:
        """The signer, when a signing key is configured (and readable)."""
        if self._checkpointer is None and self.key_file is not None:
            self._checkpointer = Checkpointer(load_key_file(self.key_file), self.witness, self.every)
        return self._checkpointer

    def require_checkpointer(self) -> Checkpointer:
        checkpointer = self.checkpointer
        if checkpointer is None:
            raise InvalidInputError(
                "no signing key: create one with `revledger keys create --out FILE` "
                "and set REVLEDGER_SIGNING_KEY_FILE=FILE"
            )
        return checkpointer

    def public_key(self, text: PublicKey | None = None) -> PublicKey:
        if text is not None:
            return text
        return self.require_checkpointer().key.public()

    # Growing and signing ---------------------------------------------------------

    def catch_up(self) -> int:
        """Append new events to the tree; returns how many checkpoints that signed."""
        with self.lock:
            before = self.tree.signed
            self.tree.catch_up(self.app, self.checkpointer)
            return self.tree.signed - before

    def append_saved(self, recordings: Sequence[Any]) -> int:
        """Append what a save just recorded; returns how many checkpoints that signed.

        On SQLite, outside a held transaction, the saved notifications are appended as they
        are when they directly follow the tree's head (no read of the store); else, and on
        PostgreSQL (whose ids have gaps), the tree catches up from the notification log.
        """
        with self.lock:
            before = self.tree.signed
            app = self.app
            direct = (recordings and getattr(app, "ids_follow_commits", False)
                      and not app.holding_transaction())
            if not (direct and self.tree.append_saved([r.notification for r in recordings], self.checkpointer)):
                self.tree.catch_up(app, self.checkpointer)
            return self.tree.signed - before

    def after_save(self, recordings: Sequence[Any] = ()) -> None:
        """The Ledger's save hook: a failure here never undoes the saved command."""
        try:
            signed = self.append_saved(recordings)
        except (sqlite3.Error, OSError, LedgerError) as error:
            log.warning("the log tree could not catch up (it will on the next command): %s", error)
            return
        if signed and self.on_checkpoint is not None:
            self.on_checkpoint()

    def checkpoint(self) -> dict[str, Any]:
        with self.lock:
            return self.tree.checkpoint(self.app, self.require_checkpointer())

    def export(self, out: Path, org: str | None = None) -> dict[str, Any]:
        with self.lock:
            return write_export(self.app, self.tree, self.require_checkpointer(), out, org)

    # Answers ---------------------------------------------------------------------

    def latest(self) -> dict[str, Any] | None:
        with self.lock:
            return self.tree.latest_checkpoint()

    def inclusion(self, position: int, size: int | None = None) -> dict[str, Any]:
        with self.lock:
            return self.tree.inclusion(position, size)

    def consistency(self, old: int, new: int | None = None) -> dict[str, Any]:
        with self.lock:
            return self.tree.consistency(old, new)

    # Verifying -------------------------------------------------------------------

    def verify_store(self, key: PublicKey | None = None) -> Verdict:
        """Check the event store against the witness file, and remember the verdict."""
        with self.lock:
            self.tree.catch_up(self.app, self.checkpointer)
        reader = LogTree(self.tree_path)  # its own connection: writers go on meanwhile
        try:
            verdict = verify_store(self.app, reader, self.witness, self.public_key(key))
        finally:
            reader.close()
        self.verdict = verdict
        return verdict

    def check_writable(self) -> None:
        """Refuse to work from a history that failed verification."""
        verdict = self.verdict
        if verdict is not None and not verdict.ok:
            raise LogIntegrityError(
                f"the event store failed verification at position {verdict.first_bad_position}: "
                f"{verdict.reason}; writes are refused until an operator restores the store and restarts",
                verdict.first_bad_position, verdict.reason,
            )
