"""Owner-only files: everything under the data directory is created 0600 (directories 0700)."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
#: SQLite's companions of a database file (they take the database file's mode).
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def private_dir(path: str | Path, *, tighten: bool = False) -> Path:
    """Create the directory (and parents) owner-only; an existing one is made owner-only
    with ``tighten`` (the data directory itself), else left as it is."""
    path = Path(path)
    if not path.is_dir():
        missing = [path, *(p for p in path.parents if not p.is_dir())]
        for directory in reversed(missing):  # parents too: mkdir(parents=True) ignores the mode
            directory.mkdir(mode=DIR_MODE, exist_ok=True)
            os.chmod(directory, DIR_MODE)  # mkdir's mode is filtered by the umask
    elif tighten and path.stat().st_mode & 0o077:
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """Create an empty owner-only file unless it exists (SQLite then keeps its mode)."""
    path = Path(path)
    if str(path) in ("", ":memory:") or str(path).startswith("file:"):
        return path
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new owner-only file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
