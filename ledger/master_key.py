"""The master key file: 32 random bytes, base64 on one line (``openssl rand -base64 32``).

``MASTER_KEY_FILE`` in the application's environment (``REVLEDGER_MASTER_KEY_FILE``) names it;
unset, the default is ``keys/master.key`` next to the SQLite store (``$REVLEDGER_HOME``),
created on first opening with mode 0600. A configured file that is missing is never created:
the store refuses to start instead.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.envelope import KEY_BYTES, master_key_id, new_key
from ledger.errors import LedgerError
from ledger.files import FILE_MODE, private_dir


class MasterKeyError(LedgerError):
    """The master key is missing, unreadable, or not the one the store's keys are wrapped with."""


@dataclass(frozen=True)
class MasterKey:
    key: bytes
    path: Path
    created: bool = False

    @property
    def key_id(self) -> str:
        return master_key_id(self.key)


def configured_path(env: Mapping[str, str]) -> tuple[Path | None, bool]:
    """(path, whether it was configured explicitly); (None, False) when there is no default."""
    if env.get("MASTER_KEY_FILE"):
        return Path(env["MASTER_KEY_FILE"]).expanduser(), True
    if env.get("MASTER_KEY_DEFAULT"):
        return Path(env["MASTER_KEY_DEFAULT"]), False
    dbname = env.get("SQLITE_DBNAME", "")
    if dbname and dbname != ":memory:" and not dbname.startswith("file:"):
        return Path(dbname).parent / "keys" / "master.key", False
    return None, False


def read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
        key = base64.b64decode(text, validate=True)
    except FileNotFoundError:
        raise MasterKeyError(f"the master key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, binascii.Error, ValueError) as error:
        raise MasterKeyError(f"cannot read the master key file {path}: {error}") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"the master key file {path} holds {len(key)} bytes, not {KEY_BYTES} "
            "(make one with `openssl rand -base64 32`)")
    return key


def write_new_key(path: Path, key: bytes) -> bool:
    """Write ``key`` to ``path`` owner-only unless the file exists (False then): atomic, so a
    process that loses the race reads the winner's whole key."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink()


def load(env: Mapping[str, str], *, may_create: bool) -> MasterKey:
    """The master key; the default file is created when missing if ``may_create``."""
    path, explicit = configured_path(env)
    if path is None:
        raise MasterKeyError("no master key is configured: set REVLEDGER_MASTER_KEY_FILE")
    if path.exists() or explicit or not may_create:
        return MasterKey(read_key(path), path)
    created = write_new_key(path, new_key())
    return MasterKey(read_key(path), path, created=created)


def stage_key(path: Path, key: bytes) -> Path:
    """Write a new key next to ``path`` (``NAME.new``) before the store starts using it."""
    staged = path.with_name(path.name + ".new")
    staged.unlink(missing_ok=True)
    write_new_key(staged, key)
    return staged


def install_staged(path: Path) -> Path:
    """Put the staged key in place; the previous one is kept next to it (``NAME.previous``,
    returned) until the operator deletes it."""
    previous = path.with_name(path.name + ".previous")
    if path.exists():
        os.replace(path, previous)
    os.replace(path.with_name(path.name + ".new"), path)
    return previous
