"""A content-addressed archive of run outputs and step files under the data directory."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ledger.errors import InvalidInputError, NotFoundError
from ledger.files import private_dir, write_private

_HEX = set("0123456789abcdef")


class Archive:
    """Files stored by sha256 at ``ROOT/sha256/ab/cdef…``; storing the same bytes twice is free."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not set(digest) <= _HEX:
            raise InvalidInputError(f"{digest!r} is not a sha256 hex digest")
        return self.root / "sha256" / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            private_dir(path.parent)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            write_private(temporary, data)
            temporary.replace(path)  # atomic: a reader never sees half a file
        return digest

    def get(self, digest: str) -> bytes:
        path = self._path(digest.lower())
        if not path.exists():
            raise NotFoundError(f"nothing archived with sha256 {digest}")
        return path.read_bytes()
