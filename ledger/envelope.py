"""Envelope encryption of secret values: AES-256-GCM under a data key, bound to where it belongs.

A sealed value is one text token that takes the value's place in an event::

    rlenc1:<key id>:<event version>:<fingerprint>:<base64url(nonce || ciphertext+tag)>

The associated data binds the ciphertext to its organization, aggregate, variable name, scope,
the version of the event that holds it, its key id and its fingerprint: a token copied into
another event, aggregate or organization, or relabelled with another key id, fails to open
(``cryptography`` raises ``InvalidTag``) instead of showing the wrong value.

The version is rewritten to the holding event's own version when the event is applied
(:func:`rebound`), so a token moved to another event is checked against where it now sits.
Data keys are wrapped (AES-GCM too) by the master key, with the organization and key id as
associated data. Fingerprints are HMAC-SHA256 under a per-organization key (8 hex digits).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "rlenc1"
NONCE_BYTES = 12
KEY_BYTES = 32
#: What a value whose data key was destroyed shows, everywhere.
SHREDDED = "<shredded>"


class OpenError(Exception):
    """A sealed value (or wrapped key) that does not open where it is: moved, altered or wrong key."""


@dataclass(frozen=True)
class Place:
    """Where a sealed value belongs: its associated data, with the token's own labels."""

    org: str
    aggregate: str
    scope: str  # "" for the base scope
    name: str

    def associated_data(self, version: int, key_id: str, fingerprint: str) -> bytes:
        parts = ["revledger-secret-v1", self.org, self.aggregate, self.scope, self.name,
                 str(version), key_id, fingerprint]
        return "\x1f".join(parts).encode("utf-8")


@dataclass(frozen=True)
class Token:
    key_id: str
    version: int
    fingerprint: str
    blob: bytes

    def text(self) -> str:
        body = base64.urlsafe_b64encode(self.blob).decode("ascii").rstrip("=")
        return f"{PREFIX}:{self.key_id}:{self.version}:{self.fingerprint}:{body}"


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def parse(value: str) -> Token:
    try:
        prefix, key_id, version, fingerprint, body = value.split(":")
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if prefix != PREFIX:
            raise ValueError(prefix)
        return Token(key_id, int(version), fingerprint, blob)
    except ValueError:
        raise OpenError("a sealed value is malformed") from None


def rebound(value: str, version: int) -> str:
    """The token with the version of the event that now holds it (other values unchanged)."""
    if not is_sealed(value):
        return value
    parts = value.split(":")
    if len(parts) != 5 or parts[2] == str(version):
        return value  # as sealed (a malformed one fails when opened)
    parts[2] = str(version)
    return ":".join(parts)


def fingerprint(key: bytes, value: str) -> str:
    """The first 8 hex digits of HMAC-SHA256(key, value): compare values without showing them."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def legacy_fingerprint(value: str) -> str:
    """How values were fingerprinted before keys (plain SHA-256): kept for stores written then."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]


def seal(data_key: bytes | AESGCM, key_id: str, place: Place, version: int, fp: str, value: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    cipher = data_key if isinstance(data_key, AESGCM) else AESGCM(data_key)
    ciphertext = cipher.encrypt(
        nonce, value.encode("utf-8"), place.associated_data(version, key_id, fp))
    return Token(key_id, version, fp, nonce + ciphertext).text()


def open_token(data_key: bytes, place: Place, token: Token) -> str:
    nonce, ciphertext = token.blob[:NONCE_BYTES], token.blob[NONCE_BYTES:]
    try:
        plain = AESGCM(data_key).decrypt(
            nonce, ciphertext, place.associated_data(token.version, token.key_id, token.fingerprint))
    except InvalidTag:
        raise OpenError("its ciphertext does not belong here (moved or altered)") from None
    return plain.decode("utf-8")


def _key_ad(org: str, key_id: str) -> bytes:
    return f"revledger-key-v1\x1f{org}\x1f{key_id}".encode()


def wrap(master: bytes, org: str, key_id: str, key: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    blob = nonce + AESGCM(master).encrypt(nonce, key, _key_ad(org, key_id))
    return base64.urlsafe_b64encode(blob).decode("ascii")


def unwrap(master: bytes, org: str, key_id: str, wrapped: str) -> bytes:
    blob = base64.urlsafe_b64decode(wrapped)
    try:
        return AESGCM(master).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _key_ad(org, key_id))
    except InvalidTag:
        raise OpenError(f"data key {key_id} of {org!r} does not open under this master key") from None


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def new_key_id() -> str:
    return os.urandom(4).hex()


def master_key_id(master: bytes) -> str:
    """A public name for a master key (HMAC of a constant: says nothing about the key)."""
    return hmac.new(master, b"revledger master key id", hashlib.sha256).hexdigest()[:16]
