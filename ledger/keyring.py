"""Keys as events: each organization's key ring, and the directory of every ring.

A :class:`KeyRing` holds an organization's data keys (and its fingerprint key), each wrapped by
the master key and named by a key id; only wrapped keys ever enter an event. Rotating the master
key re-wraps them (``Rewrapped``); rotating the organization's key adds one (``DataKeyAdded``);
shredding destroys every data key (``Shredded``, with who and why) while the fingerprint key
stays, so fingerprints keep comparing. ``Revealed`` records a reveal over HTTP (who, which keys).

The :class:`KeyDirectory` (one per store) names the master key the rings are wrapped with, so a
store opened with another key refuses to start, and lists the rings a rotation re-wraps.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.names import NAMESPACE, aggregate_id


class KeyRing(Aggregate):
    """One organization's wrapped keys: data keys by id, the current one, the fingerprint key."""

    TOPIC = "revledger:KeyRing"

    class Created(Aggregate.Created):
        TOPIC = "revledger:KeyRing.Created"

    @staticmethod
    def create_id(org: str) -> UUID:
        return aggregate_id(org, "key-ring")

    @event("Started", topic="revledger:KeyRing.Started")
    def __init__(self, org: str, master_id: str, fingerprint_key: str, key_id: str, data_key: str):
        self.org = org
        self.master_id = master_id
        self.fingerprint_key = fingerprint_key
        self.keys: dict[str, str] = {key_id: data_key}
        self.current: str | None = key_id
        self.shredded: list[str] = []
        self.shredded_by: dict[str, str] | None = None

    @event("DataKeyAdded", topic="revledger:KeyRing.DataKeyAdded")
    def add_key(self, org: str, key_id: str, data_key: str, actor: str, reason: str | None) -> None:
        self.keys[key_id] = data_key
        self.current = key_id

    @event("Rewrapped", topic="revledger:KeyRing.Rewrapped")
    def rewrap(self, org: str, master_id: str, fingerprint_key: str, keys: dict[str, str],
               actor: str) -> None:
        self.master_id = master_id
        self.fingerprint_key = fingerprint_key
        self.keys = dict(keys)

    @event("Shredded", topic="revledger:KeyRing.Shredded")
    def shred(self, org: str, key_ids: list[str], actor: str, reason: str | None) -> None:
        self.shredded = sorted({*self.shredded, *key_ids})
        self.keys = {}
        self.current = None
        self.shredded_by = {"actor": actor, "reason": reason or ""}

    @event("Revealed", topic="revledger:KeyRing.Revealed")
    def revealed(self, org: str, actor: str, keys: list[str], what: str,
                 script: str | None, environment: str | None) -> None:
        """A reveal over HTTP: recorded, the ring's keys unchanged."""


class KeyDirectory(Aggregate):
    """The store's master key id and the organizations that have a key ring."""

    TOPIC = "revledger:KeyDirectory"

    class Created(Aggregate.Created):
        TOPIC = "revledger:KeyDirectory.Created"

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "key-directory")

    @event("Started", topic="revledger:KeyDirectory.Started")
    def __init__(self, master_id: str):
        self.master_id = master_id
        self.orgs: list[str] = []

    @event("RingAdded", topic="revledger:KeyDirectory.RingAdded")
    def add_ring(self, org: str) -> None:
        if org not in self.orgs:
            self.orgs.append(org)

    @event("MasterKeyRotated", topic="revledger:KeyDirectory.MasterKeyRotated")
    def rotated(self, master_id: str, previous: str, actor: str) -> None:
        self.master_id = master_id
