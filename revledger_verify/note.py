"""C2SP signed notes carrying C2SP tlog-checkpoints, signed with Ed25519.

A checkpoint note::

    <origin>
    <tree size>
    <base64 root hash>
    [extension lines, e.g. "time 2026-12-02T03:00:00+00:00"]

    — <key name> <base64(key id[4] || Ed25519 signature)>

Key id = SHA-256(name || 0x0A || 0x01 || public key)[:4]. Keys are written as Go's
``note`` package writes them: ``name+hash+base64(0x01 || key)`` (verifier) and
``PRIVATE+KEY+name+hash+base64(0x01 || seed)`` (signer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
DASH = "\u2014"
TIME_PREFIX = "time "


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed or whose signature does not verify."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c in name for c in "+ \n\t") or not name.isprintable():
        raise NoteError(f"bad key name {name!r}: no spaces, '+' or control characters")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    """Strict base64: also refused when not the canonical encoding (unused bits set), so that
    no two texts carry the same bytes: a changed character is always a different note."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None
    if base64.b64encode(data).decode() != text:
        raise NoteError(f"{what} is not base64 in its canonical form")
    return data


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    note: str = field(default="", compare=False)

    @property
    def time(self) -> str | None:
        for line in self.extensions:
            if line.startswith(TIME_PREFIX):
                return line[len(TIME_PREFIX):]
        return None

    def body(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    def summary(self) -> dict[str, object]:
        out: dict[str, object] = {"origin": self.origin, "size": self.size, "root": self.root.hex()}
        if self.time is not None:
            out["time"] = self.time
        return out


def parse_checkpoint(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash, each on its own line")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not origin:
        raise NoteError("the checkpoint has no origin")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"checkpoint size {size_text!r} is not a number")
    root = _unb64(root_text, "the checkpoint's root hash")
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("a checkpoint has no empty lines before its signatures")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def split_note(text: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The signed text and its signatures as (key name, key id, signature)."""
    body, sep, tail = text.rpartition("\n\n")
    if not sep or not text.endswith("\n"):
        raise NoteError("not a signed note: no blank line before the signatures")
    body += "\n"
    signatures = []
    for line in tail[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise NoteError(f"bad signature line {line!r}")
        blob = _unb64(parts[2], "a signature")
        if len(blob) < 5:
            raise NoteError("a signature is too short")
        signatures.append((parts[1], blob[:4], blob[4:]))
    if not signatures:
        raise NoteError("the note has no signature")
    return body, signatures


@dataclass(frozen=True)
class PublicKey:
    name: str
    id: bytes
    key: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey: str) -> PublicKey:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a public key reads name+hash+base64 (as `revledger keys create` prints)")
        name, hash_hex, blob_text = parts
        _check_name(name)
        blob = _unb64(blob_text, "the public key")
        if len(blob) != 33 or blob[0] != ED25519:
            raise NoteError("not an Ed25519 public key")
        kid = key_id(name, blob[1:])
        if hash_hex != kid.hex():
            raise NoteError("the public key's hash does not match its name and key")
        return cls(name, kid, Ed25519PublicKey.from_public_bytes(blob[1:]))

    def verify(self, text: str) -> Checkpoint:
        """The checkpoint a note carries, if this key signed it (other signatures are ignored)."""
        body, signatures = split_note(text)
        checkpoint = parse_checkpoint(body)
        mine = [sig for name, kid, sig in signatures if name == self.name and kid == self.id]
        if not mine:
            others = ", ".join(sorted({f"{name}+{kid.hex()}" for name, kid, _sig in signatures}))
            raise NoteError(f"not signed by key {self.name}+{self.id.hex()} (signed by: {others})")
        for signature in mine:
            try:
                self.key.verify(signature, body.encode())
            except InvalidSignature:
                continue
            return Checkpoint(checkpoint.origin, checkpoint.size, checkpoint.root,
                              checkpoint.extensions, text)
        raise NoteError(f"the signature by key {self.name!r} does not verify")


@dataclass(frozen=True)
class PrivateKey:
    name: str
    key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> PrivateKey:
        _check_name(name)
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, skey: str) -> PrivateKey:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signing key reads PRIVATE+KEY+name+hash+base64")
        blob = _unb64(parts[4], "the signing key")
        if len(blob) != 33 or blob[0] != ED25519:
            raise NoteError("not an Ed25519 signing key")
        key = cls(parts[2], Ed25519PrivateKey.from_private_bytes(blob[1:]))
        if key.public().id.hex() != parts[3]:
            raise NoteError("the signing key's hash does not match its name and key")
        return key

    def _seed(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def _public_bytes(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def public(self) -> PublicKey:
        raw = self._public_bytes()
        return PublicKey(self.name, key_id(self.name, raw), self.key.public_key())

    def vkey(self) -> str:
        raw = self._public_bytes()
        return f"{self.name}+{key_id(self.name, raw).hex()}+{_b64(bytes([ED25519]) + raw)}"

    def skey(self) -> str:
        raw = self._public_bytes()
        return f"PRIVATE+KEY+{self.name}+{key_id(self.name, raw).hex()}+{_b64(bytes([ED25519]) + self._seed())}"

    def sign(self, checkpoint: Checkpoint) -> str:
        body = checkpoint.body()
        signature = self.key.sign(body.encode())
        kid = key_id(self.name, self._public_bytes())
        return f"{body}\n{DASH} {self.name} {_b64(kid + signature)}\n"
