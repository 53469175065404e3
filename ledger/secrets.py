"""Sealing secret values for events and opening them again: the ledger's keys (:class:`Secrets`).

Every command that writes configuration asks :meth:`Secrets.sealing` for its organization's
data key (the key ring is created, and saved with the command's own events, on first use);
every query asks :meth:`Secrets.reader` for fingerprints and, on reveal, plaintext. Unwrapped
keys are cached in memory by their wrapped form, but the ring is read on every operation, so a
rotation or a shredding made by another process takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate

from ledger import envelope, master_key
from ledger.aggregates import Aggregates
from ledger.envelope import SHREDDED, OpenError, Place
from ledger.errors import DamagedStoreError
from ledger.keyring import KeyDirectory, KeyRing
from ledger.master_key import MasterKey, MasterKeyError
from ledger.variables import scope_key


class UndecryptableError(DamagedStoreError):
    """A sealed value that does not open where it sits (moved between events, orgs or keys)."""


def _scope_label(scope: str) -> str:
    return "base scope" if scope == "" else scope


def place(org: str, aggregate_id: UUID, environment: str | None, name: str) -> Place:
    return Place(org, str(aggregate_id), scope_key(environment), name)


class Reader:
    """Fingerprints and plaintext of one organization's stored values, under its current ring."""

    def __init__(self, secrets: Secrets, org: str, ring: KeyRing | None) -> None:
        self.secrets, self.org, self.ring = secrets, org, ring

    def fingerprint(self, raw: str) -> str:
        if envelope.is_sealed(raw):
            return envelope.parse(raw).fingerprint
        if self.ring is None:  # an organization untouched since before keys: as it was then
            return envelope.legacy_fingerprint(raw)
        return envelope.fingerprint(self.secrets.fingerprint_key(self.ring), raw)

    def shredded(self, raw: str) -> bool:
        return envelope.is_sealed(raw) and self.ring is not None and (
            envelope.parse(raw).key_id in self.ring.shredded)

    def shown(self, raw: str, secret: bool, reveal: bool, where: Place | None) -> str:
        """What an output shows: plaintext, the mask, or ``<shredded>``."""
        if self.shredded(raw):
            return SHREDDED
        if not secret:
            return raw
        if not reveal:
            return "********"
        return self.plain(raw, where)

    def plain(self, raw: str, where: Place | None) -> str:
        """The real value (:data:`SHREDDED` once its key is destroyed)."""
        if not envelope.is_sealed(raw):
            return raw
        assert where is not None
        label = f"{where.name} ({self.org}, {_scope_label(where.scope)})"
        try:
            token = envelope.parse(raw)
            if self.ring is None or where.org != self.org:
                raise OpenError("its organization has no key ring")
            if token.key_id in self.ring.shredded:
                return SHREDDED
            if token.key_id not in self.ring.keys:
                raise OpenError(f"data key {token.key_id} is not in the organization's key ring")
            key = self.secrets.data_key(self.ring, token.key_id)
            return envelope.open_token(key, where, token)
        except OpenError as error:
            raise UndecryptableError(f"cannot decrypt the secret {label}: {error}") from None


@dataclass
class Sealing:
    """One write's view of its organization's data key; ``pending`` are the key aggregates
    the write must save with its own events (a new ring and the directory entry)."""

    secrets: Secrets
    org: str
    ring: KeyRing
    pending: list[Aggregate] = field(default_factory=list)

    def seal(self, aggregate_id: UUID, environment: str | None, values: dict[str, str],
             encrypt: set[str], version: int) -> tuple[dict[str, str], dict[str, str]]:
        """(values with those in ``encrypt`` sealed, every value's fingerprint)."""
        fp_key = self.secrets.fingerprint_key(self.ring)
        assert self.ring.current is not None
        key_id = self.ring.current
        data_key = AESGCM(self.secrets.data_key(self.ring, key_id))
        stored, fingerprints = {}, {}
        for name, value in values.items():
            fp = envelope.fingerprint(fp_key, value)
            fingerprints[name] = fp
            if name in encrypt and value != "":  # empty: nothing to hide (an overlay's "defer")
                where = place(self.org, aggregate_id, environment, name)
                stored[name] = envelope.seal(data_key, key_id, where, version, fp, value)
            else:
                stored[name] = value
        return stored, fingerprints


class Secrets:
    """The master key, the organizations' key rings, sealing and opening."""

    def __init__(self, store: Aggregates) -> None:
        self.store = store
        self._master: MasterKey | None = None
        self._unwrapped: dict[tuple[str, str, str], bytes] = {}

    # The master key ------------------------------------------------------------

    def open_master_key(self, *, may_create: bool = True) -> MasterKey:
        """Load (or, on the default path of a store without keys, create) the master key and
        check it is the one the store's keys are wrapped with; a MasterKeyError otherwise."""
        if self._master is not None:
            return self._master
        directory = self.directory()
        key = master_key.load(self.store.env, may_create=may_create and directory is None)
        if directory is not None and directory.master_id != key.key_id:
            staged = key.path.with_name(key.path.name + ".new")
            hint = f" ({staged} holds a key from an unfinished rotation)" if staged.exists() else ""
            raise MasterKeyError(
                f"the master key in {key.path} (id {key.key_id}) is not the one this store's keys "
                f"are wrapped with (id {directory.master_id}){hint}"
            )
        self._master = key
        return key

    @property
    def master(self) -> bytes:
        return self.open_master_key().key

    def directory(self) -> KeyDirectory | None:
        return self.store.get(KeyDirectory, KeyDirectory.create_id())

    def forget(self) -> None:
        """Drop the loaded master key and every unwrapped key (after a rotation)."""
        self._master = None
        self._unwrapped.clear()

    # Keys ----------------------------------------------------------------------

    def ring(self, org: str) -> KeyRing | None:
        return self.store.get(KeyRing, KeyRing.create_id(org), f"the key ring of {org!r}")

    def _unwrap(self, org: str, key_id: str, wrapped: str) -> bytes:
        cached = self._unwrapped.get((org, key_id, wrapped))
        if cached is None:
            try:
                cached = envelope.unwrap(self.master, org, key_id, wrapped)
            except OpenError as error:
                # Another process may have rotated the master key: read the key file again.
                self._master = None
                try:
                    cached = envelope.unwrap(self.master, org, key_id, wrapped)
                except OpenError:
                    raise MasterKeyError(str(error)) from None
            self._unwrapped[(org, key_id, wrapped)] = cached
        return cached

    def data_key(self, ring: KeyRing, key_id: str) -> bytes:
        return self._unwrap(ring.org, key_id, ring.keys[key_id])

    def fingerprint_key(self, ring: KeyRing) -> bytes:
        return self._unwrap(ring.org, "fingerprint", ring.fingerprint_key)

    def fingerprint_of(self, org: str, value: str) -> str:
        """The fingerprint the organization's outputs show for ``value``."""
        return self.reader(org).fingerprint(value)

    def reader(self, org: str) -> Reader:
        return Reader(self, org, self.ring(org))

    def sealing(self, org: str, actor: str = "revledger") -> Sealing:
        """The organization's current data key; a new ring (and a new data key after a
        shredding) is part of the write that needs it."""
        master = self.master
        master_id = envelope.master_key_id(master)
        ring = self.ring(org)
        if ring is None:
            key_id = envelope.new_key_id()
            ring = KeyRing(
                org=org, master_id=master_id,
                fingerprint_key=envelope.wrap(master, org, "fingerprint", envelope.new_key()),
                key_id=key_id, data_key=envelope.wrap(master, org, key_id, envelope.new_key()),
            )
            directory = self.directory() or KeyDirectory(master_id=master_id)
            directory.add_ring(org)
            return Sealing(self, org, ring, [ring, directory])
        if ring.current is None:
            self.add_data_key(ring, actor, "first write after the organization was shredded")
            return Sealing(self, org, ring, [ring])
        return Sealing(self, org, ring)

    def add_data_key(self, ring: KeyRing, actor: str, reason: str | None) -> str:
        key_id = envelope.new_key_id()
        while key_id in ring.keys or key_id in ring.shredded:
            key_id = envelope.new_key_id()
        ring.add_key(org=ring.org, key_id=key_id,
                     data_key=envelope.wrap(self.master, ring.org, key_id, envelope.new_key()),
                     actor=actor, reason=reason)
        return key_id

    def rewrap_all(self, new_master: bytes, actor: str) -> list[Any]:
        """Every ring re-wrapped under ``new_master`` and the directory moved to it (unsaved)."""
        directory = self.directory()
        new_id = envelope.master_key_id(new_master)
        if directory is None:
            return [KeyDirectory(master_id=new_id)]
        changed: list[Any] = []
        for org in directory.orgs:
            ring = self.ring(org)
            if ring is None:
                continue
            keys = {kid: envelope.wrap(new_master, org, kid, self._unwrap(org, kid, wrapped))
                    for kid, wrapped in ring.keys.items()}
            fp = envelope.wrap(new_master, org, "fingerprint", self.fingerprint_key(ring))
            ring.rewrap(org=org, master_id=new_id, fingerprint_key=fp, keys=keys, actor=actor)
            changed.append(ring)
        directory.rotated(master_id=new_id, previous=directory.master_id, actor=actor)
        return [*changed, directory]
