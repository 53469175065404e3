"""``Idempotency-Key``: the first response to a keyed write, so a retry can be answered with it.

Responses are kept per (org, key) in a small SQLite table in the data directory, with a
fingerprint of the request (method, path, query and body). The same key with another
request is refused. Only the single writer thread uses the store, so lookups and the
command they guard never race.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from ledger.errors import LedgerError

#: Longest key accepted (the IETF draft suggests UUIDs; be generous).
MAX_KEY_LENGTH = 255


class IdempotencyKeyError(LedgerError):
    """The key is unusable: too long, or already used for a different request."""

    http_status = 422
    title = "Idempotency key refused"


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    status: int
    body: Any


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyError(
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters"
        )
    return key


class IdempotencyStore:
    """(org, key) → the first response's status and body."""

    def __init__(self, path: Path) -> None:
        # One writer thread uses the store, but not the thread that opened it.
        self.db = sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS responses ("
            " org TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
            " status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,"
            " PRIMARY KEY (org, key))"
        )

    def lookup(self, org: str, key: str) -> StoredResponse | None:
        row = self.db.execute(
            "SELECT fingerprint, status, body FROM responses WHERE org = ? AND key = ?",
            [org, key],
        ).fetchone()
        return None if row is None else StoredResponse(row[0], row[1], json.loads(row[2]))

    def remember(self, org: str, key: str, stored: StoredResponse) -> None:
        with self.db.conn:
            self.db.execute(
                "INSERT INTO responses (org, key, fingerprint, status, body, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [org, key, stored.fingerprint, stored.status, json.dumps(stored.body),
                 datetime.now(UTC).isoformat()],
            )

    def close(self) -> None:
        self.db.close()
