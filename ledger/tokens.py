"""API token aggregates: one per token, found by the token's hash, and one directory per org.

Only the sha256 of a token is ever used, and only to derive the aggregate id: no event
holds the token or its hash. ``ApiToken`` answers "who is this bearer?" in one lookup;
``TokenDirectory`` lists an organization's tokens by name so they can be revoked by name.
Issuing and revoking save both aggregates in one transaction.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import RefusedError
from ledger.names import NAMESPACE, aggregate_id

from ledger.names import ROLES  # noqa: E402,F401 (re-exported)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(Aggregate):
    """One bearer token: its org, name and role, and whether it was revoked."""

    TOPIC = "revledger:ApiToken"

    class Created(Aggregate.Created):
        TOPIC = "revledger:ApiToken.Created"

    @staticmethod
    def create_id(token_sha256: str) -> UUID:
        # Tokens are looked up before their org is known, so the id is not org-scoped.
        return uuid5(NAMESPACE, f"api-token/{token_sha256}")

    class TokenIssued(Created):
        TOPIC = "revledger:ApiToken.TokenIssued"
        org: str
        name: str
        role: str
        actor: str

    def __init__(self, org: str, name: str, role: str, actor: str):
        self.org = org
        self.name = name
        self.role = role
        self.issued_by = actor
        self.revoked = False

    @classmethod
    def issue(cls, token_sha256: str, org: str, name: str, role: str, actor: str) -> ApiToken:
        return cls._create(
            cls.TokenIssued, id=cls.create_id(token_sha256),
            org=org, name=name, role=role, actor=actor,
        )

    class TokenRevoked(Aggregate.Event):
        TOPIC = "revledger:ApiToken.TokenRevoked"
        org: str
        name: str
        role: str
        actor: str

        def apply(self, aggregate: ApiToken) -> None:
            aggregate.revoked = True

    def revoke(self, actor: str) -> None:
        if self.revoked:
            raise RefusedError(f"token {self.name!r} is already revoked")
        self.trigger_event(
            self.TokenRevoked, org=self.org, name=self.name, role=self.role, actor=actor
        )


class TokenDirectory(Aggregate):
    """The active tokens of one organization, by name."""

    TOPIC = "revledger:TokenDirectory"

    class Created(Aggregate.Created):
        TOPIC = "revledger:TokenDirectory.Created"

    @staticmethod
    def create_id(org: str) -> UUID:
        return aggregate_id(org, "token-directory")

    @event("Started", topic="revledger:TokenDirectory.Started")
    def __init__(self, org: str):
        self.org = org
        self.tokens: dict[str, dict[str, Any]] = {}

    class Listed(Aggregate.Event):
        TOPIC = "revledger:TokenDirectory.Listed"
        org: str
        name: str
        role: str
        actor: str
        token_id: UUID

        def apply(self, aggregate: TokenDirectory) -> None:
            aggregate.tokens[self.name] = {
                "token_id": str(self.token_id),
                "role": self.role,
                "created_at": self.timestamp,
                "created_by": self.actor,
            }

    class Delisted(Aggregate.Event):
        TOPIC = "revledger:TokenDirectory.Delisted"
        org: str
        name: str
        actor: str

        def apply(self, aggregate: TokenDirectory) -> None:
            aggregate.tokens.pop(self.name, None)

    def add(self, token: ApiToken, actor: str) -> None:
        self.trigger_event(
            self.Listed, org=self.org, name=token.name, role=token.role, actor=actor,
            token_id=token.id,
        )

    def remove(self, name: str, actor: str) -> None:
        self.trigger_event(self.Delisted, org=self.org, name=name, actor=actor)

    def entry(self, name: str) -> dict[str, Any] | None:
        return self.tokens.get(name)
