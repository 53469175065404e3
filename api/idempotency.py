"""``Idempotency-Key``: checking a key and fingerprinting the request it guards.

The first response to a keyed write is recorded by the ledger in the same transaction as
the command's events (see :mod:`ledger.idempotency`), per (org, token, key), with a
fingerprint of the request (method, path, query and body). The same key with another
request is refused. Only the single writer thread runs commands, so lookups and the
command they guard never race.
"""

from __future__ import annotations

import hashlib

from api.errors import IdempotencyKeyError

#: Longest key accepted (the IETF draft suggests UUIDs; be generous).
MAX_KEY_LENGTH = 255


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
