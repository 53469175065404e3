"""Signed checkpoints: the signing key file, the signer, and the witness file.

The signing key lives outside the store (``REVLEDGER_SIGNING_KEY_FILE``). Every checkpoint is
appended to the witness file (``REVLEDGER_CHECKPOINT_LOG``), one JSON line each, so cutting
the tail of the database, or rewriting it whole, is caught against a file it does not hold.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ledger.errors import AlreadyExistsError, InvalidInputError, LedgerError, NotFoundError
from revledger_verify.note import Checkpoint, NoteError, PrivateKey, PublicKey


class LogIntegrityError(LedgerError):
    """The store does not match its signed checkpoints: every write is refused until an operator acts."""

    def __init__(self, message: str, position: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.position = position
        self.reason = reason

    def extra(self) -> dict[str, object]:
        return {"first_bad_position": self.position, "reason": self.reason}


def create_key_file(path: Path, name: str) -> PrivateKey:
    """A new Ed25519 key pair: the private key at ``path`` (mode 0600), the public at ``path.pub``."""
    try:
        key = PrivateKey.generate(name)
    except NoteError as error:
        raise InvalidInputError(str(error)) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AlreadyExistsError(f"{path} already exists: refusing to overwrite a signing key") from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.skey() + "\n")
    os.chmod(path, 0o600)
    Path(f"{path}.pub").write_text(key.vkey() + "\n", encoding="ascii")
    return key


def load_key_file(path: Path) -> PrivateKey:
    try:
        return PrivateKey.parse(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        raise NotFoundError(f"no signing key at {path}: create one with `revledger keys create`") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"cannot read the signing key {path}: {error}") from None
    except NoteError as error:
        raise InvalidInputError(f"{path}: {error}") from None


def parse_public_key(text: str) -> PublicKey:
    """A key as ``keys create`` prints it, or the path of a file holding one."""
    candidate = Path(text)
    try:
        if "+" not in text or candidate.is_file():
            text = candidate.read_text(encoding="ascii")
        return PublicKey.parse(text)
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"cannot read the public key {text}: {error}") from None
    except NoteError as error:
        raise InvalidInputError(str(error)) from None


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Checkpointer:
    """Signs checkpoints with the ledger's key and appends them to the witness file."""

    key: PrivateKey
    witness: Path
    every: int = 1000

    @property
    def origin(self) -> str:
        return self.key.name

    def sign(self, size: int, root: bytes) -> tuple[str, str]:
        """(time, signed note)."""
        time = now_text()
        return time, self.key.sign(Checkpoint(self.origin, size, root, (f"time {time}",)))

    def append_to_witness(self, records: list[tuple[int, str, str]]) -> None:
        self.witness.parent.mkdir(parents=True, exist_ok=True)
        with self.witness.open("a", encoding="utf-8") as out:
            for size, time, note in records:
                out.write(json.dumps({"size": size, "time": time, "note": note}) + "\n")
            out.flush()
            os.fsync(out.fileno())


def read_witness(path: Path) -> list[tuple[int, str]] | None:
    """(line number, note) of every checkpoint in the witness file; None when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            note = json.loads(line)["note"]
        except (ValueError, KeyError, TypeError):
            note = line  # reported as a checkpoint that does not verify
        records.append((number, note if isinstance(note, str) else ""))
    return records
