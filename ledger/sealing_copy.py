"""Sealing on the way: a store copy that encrypts the secret values older code left in plaintext.

A store's history is immutable, so the configuration events written before encryption at rest
keep their secret values in plaintext (``keys status`` counts them). A copy is a new store:
:class:`Sealer` rewrites those events as they pass, and only those. A value is sealed when it
is secret by the rule a write applies today (``--secret``, a secret-looking name, a key marked
secret in the organization) where *marked* means marked anywhere in the log, so a value set
as plain and marked secret later is sealed too (the key joins that event's ``secret_keys``).
The event keeps its aggregate, version, topic and every other field; the sealed token is bound
to where it now sits, as a write's would be. Every value of a rewritten event gets the keyed
fingerprint the new store computes (``fingerprints``).

Keys: an organization with a live key ring seals under its current data key; one without a
ring gets a new ring (and a directory entry); one whose keys were all shredded gets a new data
key (a shredding never covered plaintext: the copy keeps those values readable, encrypted;
``org shred`` on the copy destroys them). Those key events are appended after the copied log,
so every copied event keeps its position. The copy's keys are wrapped by the source's master
key; ``keys rotate`` on the copy gives it its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification, StoredEvent

from ledger import envelope
from ledger.config import looks_secret
from ledger.keyring import KeyDirectory, KeyRing
from ledger.log_pages import notifications
from ledger.secrets import place
from ledger.variables import Overlay, TenantVariables

#: Who the key events the copy appends name.
COPY_ACTOR = "revledger db copy"
CONFIG_TOPICS = (TenantVariables.VariablesSet.TOPIC, Overlay.OverlayUpdated.TOPIC)


@dataclass
class OrgKeys:
    """The key one organization's old values are sealed with in the copy."""

    key_id: str
    cipher: AESGCM
    fingerprint_key: bytes
    #: a new ring (None: the source's ring is used) and a new data key to add to an old ring
    new_ring: KeyRing | None = None
    added_key: tuple[str, str] | None = None  # (key id, wrapped key)
    #: whether a value was sealed with it (a prepared new data key is added only then)
    used: bool = False


@dataclass
class Sealer:
    """Decides, per source event, what the copy stores; then the key events to append."""

    source: Any  # the source Ledger
    #: keys ever marked secret, per organization (anywhere in the log)
    marked: dict[str, set[str]] = field(default_factory=dict)
    #: organizations whose configuration events are rewritten (secrets, or fingerprints to fill)
    orgs: set[str] = field(default_factory=set)
    keys: dict[str, OrgKeys] = field(default_factory=dict)
    #: source positions of the events the copy rewrote (verified opened)
    rewritten: set[int] = field(default_factory=set)
    sealed_values: int = 0
    #: (org, fingerprint the source showed) -> the copy's keyed fingerprint
    translations: dict[tuple[str, str], str] = field(default_factory=dict)
    _readers: dict[tuple[int, str], Any] = field(default_factory=dict)

    @classmethod
    def plan(cls, source: Any) -> Sealer:
        """One pass over the source's log: which organizations hold plaintext secrets."""
        sealer = cls(source)
        events = []
        for notification in notifications(source):
            if notification.topic in CONFIG_TOPICS:
                event = source.mapper.to_domain_event(notification)
                if isinstance(event, TenantVariables.VariablesSet):
                    sealer.marked.setdefault(event.org, set()).update(event.secret_keys)
                events.append(event)
        has_ring: dict[str, bool] = {}
        for event in events:
            if event.org in sealer.orgs:
                continue
            values = _values(event)
            if any(sealer._secret(event, k) and v and not envelope.is_sealed(v) for k, v in values.items()):
                sealer.orgs.add(event.org)
            elif event.fingerprints is None:  # plain values of an org with keys: fill fingerprints
                if event.org not in has_ring:
                    has_ring[event.org] = source.secrets.ring(event.org) is not None
                if has_ring[event.org]:
                    sealer.orgs.add(event.org)
        return sealer

    def _secret(self, event: Any, key: str) -> bool:
        declared = isinstance(event, TenantVariables.VariablesSet) and key in event.secret_keys
        return declared or looks_secret(key) or key in self.marked.get(event.org, set())

    def _keys(self, org: str) -> OrgKeys:
        if org in self.keys:
            return self.keys[org]
        secrets = self.source.secrets
        master = secrets.master
        ring = secrets.ring(org)
        if ring is None:
            key_id, key, fp_key = envelope.new_key_id(), envelope.new_key(), envelope.new_key()
            new_ring = KeyRing(
                org=org, master_id=envelope.master_key_id(master),
                fingerprint_key=envelope.wrap(master, org, "fingerprint", fp_key),
                key_id=key_id, data_key=envelope.wrap(master, org, key_id, key))
            found = OrgKeys(key_id, AESGCM(key), fp_key, new_ring=new_ring)
        elif ring.current is None:  # every key shredded, nothing written since
            key_id, key = envelope.new_key_id(), envelope.new_key()
            while key_id in ring.shredded:
                key_id = envelope.new_key_id()
            found = OrgKeys(key_id, AESGCM(key), secrets.fingerprint_key(ring),
                            added_key=(key_id, envelope.wrap(master, org, key_id, key)))
        else:
            found = OrgKeys(ring.current, AESGCM(secrets.data_key(ring, ring.current)),
                            secrets.fingerprint_key(ring))
        self.keys[org] = found
        return found

    def rewrite(self, notification: Notification) -> StoredEvent | None:
        """The stored event the copy writes instead, or None to copy it byte for byte."""
        if notification.topic not in CONFIG_TOPICS:
            return None
        event = self.source.mapper.to_domain_event(notification)
        if event.org not in self.orgs:
            return None
        values = _values(event)
        to_seal = {k for k, v in values.items()
                   if v and not envelope.is_sealed(v) and self._secret(event, k)}
        if not to_seal and event.fingerprints is not None:
            return None
        keys = self._keys(event.org)
        stored, fingerprints = {}, dict(event.fingerprints or {})
        for name, value in values.items():
            if envelope.is_sealed(value):
                stored[name] = value
                continue
            fp = envelope.fingerprint(keys.fingerprint_key, value)
            # What the source's read models showed for it (its audit trail): the event's own
            # fingerprint, or a plain SHA-256 one in an event written before keys.
            before = (event.fingerprints or {}).get(name) or envelope.legacy_fingerprint(value)
            self.translations[(event.org, before)] = fp
            fingerprints[name] = fp
            if name in to_seal:
                keys.used = True
                where = place(event.org, event.originator_id, event.environment, name)
                stored[name] = envelope.seal(keys.cipher, keys.key_id, where,
                                             event.originator_version, fp, value)
                self.sealed_values += 1
            else:
                stored[name] = value
        changed = {"set" if isinstance(event, Overlay.OverlayUpdated) else "values": stored,
                   "fingerprints": fingerprints}
        if isinstance(event, TenantVariables.VariablesSet):
            changed["secret_keys"] = sorted({*event.secret_keys, *(to_seal - {
                k for k in to_seal if looks_secret(k)})})
        copy = object.__new__(type(event))
        copy.__dict__.update({**event.__dict__, **changed})
        self.rewritten.add(notification.id)
        return self.source.mapper.to_stored_event(copy)

    def key_aggregates(self, target: Any) -> list[Aggregate]:
        """The key events to append to the copy (new rings, new data keys, the directory)."""
        changed: list[Aggregate] = []
        new_orgs = []
        for org, keys in sorted(self.keys.items()):
            if keys.new_ring is not None:
                changed.append(keys.new_ring)
                new_orgs.append(org)
            elif keys.added_key is not None and keys.used:
                ring = target.repository.get(KeyRing.create_id(org))
                ring.add_key(org=org, key_id=keys.added_key[0], data_key=keys.added_key[1],
                             actor=COPY_ACTOR, reason="plaintext secrets sealed by a store copy "
                             "after every data key was shredded")
                changed.append(ring)
        if new_orgs:
            directory_id = KeyDirectory.create_id()
            if self.source.secrets.directory() is None:
                directory = KeyDirectory(master_id=envelope.master_key_id(self.source.secrets.master))
            else:
                directory = target.repository.get(directory_id)
            for org in new_orgs:
                directory.add_ring(org)
            changed.append(directory)
        return changed


    def same_event(self, target: Any, a: Notification, b: Notification) -> bool:
        """Whether the copy's rewritten event ``b`` opens to the source's event ``a``."""
        if (a.originator_id, a.originator_version, a.topic) != (b.originator_id, b.originator_version, b.topic):
            return False
        before = self.source.mapper.to_domain_event(a)
        after = target.mapper.to_domain_event(b)
        if isinstance(before, TenantVariables.VariablesSet) and not (
                set(before.secret_keys) <= set(after.secret_keys)):
            return False
        return opened(self._reader(self.source, before.org), before) == opened(
            self._reader(target, after.org), after)

    def _reader(self, ledger: Any, org: str) -> Any:
        """One reader per store and organization while verifying (the copy is complete)."""
        key = (id(ledger), org)
        if key not in self._readers:
            self._readers[key] = ledger.secrets.reader(org)
        return self._readers[key]

    def touched(self) -> set[Any]:
        """The key aggregates the copy appended events to (they differ from the source's)."""
        ids = {KeyRing.create_id(org) for org, keys in self.keys.items() if keys.added_key and keys.used}
        if any(keys.new_ring for keys in self.keys.values()):
            ids.add(KeyDirectory.create_id())
        return ids


def _values(event: Any) -> dict[str, str]:
    return dict(event.set if isinstance(event, Overlay.OverlayUpdated) else event.values)


def opened(reader: Any, event: Any) -> dict[str, Any]:
    """An event's fields with its values opened by ``reader`` (for comparing a rewritten event
    with the source's); fingerprints and secret keys left out (compared apart)."""
    body = {k: v for k, v in event.__dict__.items() if k not in ("fingerprints", "secret_keys")}
    field_name = "set" if isinstance(event, Overlay.OverlayUpdated) else "values"
    body[field_name] = {
        k: reader.plain(v, place(event.org, event.originator_id, event.environment, k))
        for k, v in _values(event).items()}
    return body


def opened_state(ledger: Any, aggregate: Any) -> dict[str, Any]:
    """A configuration aggregate's state with every value opened (others as they are)."""
    state = {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
    if not isinstance(aggregate, TenantVariables | Overlay):
        return state
    reader = ledger.secrets.reader(aggregate.org)
    scopes: dict[str, Any] = {}
    for scope, entries in aggregate.scopes.items():
        scopes[scope] = {}
        for name, entry in entries.items():
            raw = entry["value"] if isinstance(entry, dict) else entry
            value = reader.plain(raw, place(aggregate.org, aggregate.id, scope or None, name))
            # (a tenant entry's ``secret`` flag left out: a copy may mark a later-marked key
            # secret where it seals it; the events' ``secret_keys`` are compared instead)
            scopes[scope][name] = value
    state["scopes"] = scopes
    return state
