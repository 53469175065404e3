"""API tokens and roles: the ledger's access commands (:class:`Access`).

A token is shown once, when issued; the store keeps only what its sha256 derives (the id
of its ``ApiToken``), so a leaked database does not leak usable tokens.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from uuid import UUID

from ledger.aggregates import Aggregates
from ledger.retries import retried
from ledger.errors import AlreadyExistsError, InvalidInputError, LedgerError, NotFoundError
from ledger.names import check_org
from ledger.token_check import TokenCheck
from ledger.tokens import ROLES, ApiToken, TokenDirectory, token_hash
from ledger.views import View


TOKEN_PREFIX = "rl_"
_TOKEN_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")


class UnauthenticatedError(LedgerError):
    """No token, or one that is unknown or revoked."""


class ForbiddenError(LedgerError):
    """A valid token that may not do this (another organization, or a role too low)."""


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def change_role(environment: str | None) -> str:
    """The role a change to what ``environment`` runs needs over a remote interface: in
    production, moving its pointer and writing its configuration (with secrets or not)
    both need a deployer; elsewhere, and in the base scope, an editor."""
    return "deployer" if environment == "production" else "editor"


def check_token_name(name: str) -> str:
    if not _TOKEN_NAME.fullmatch(name):
        raise InvalidInputError(
            f"invalid token name {name!r}: use 1-63 of a-z 0-9 . _ - starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: the token's org, name and role."""

    org: str
    name: str
    role: str
    #: The token's own id: what Idempotency-Keys are scoped to.
    token_id: str = ""

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def check(self, org: str, role: str, action: str) -> None:
        """Refuse unless this token belongs to ``org`` and has at least ``role``."""
        if org != self.org:
            raise ForbiddenError(f"this token is not valid for organization {org!r}")
        if not self.has_role(role):
            raise ForbiddenError(
                f"{action} needs the {role} role; token {self.name!r} has {self.role}"
            )


@dataclass(frozen=True)
class TokenView(View):
    name: str
    org: str
    role: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None


@dataclass(frozen=True)
class IssuedTokenView(View):
    """The only time a token is shown."""

    name: str
    org: str
    role: str
    token: str


class Access:
    """Issuing, listing and revoking tokens, and who a token stands for."""

    def __init__(self, store: Aggregates) -> None:
        self.store = store

    def _directory(self, org: str) -> TokenDirectory | None:
        check_org(org)
        return self.store.get(TokenDirectory, TokenDirectory.create_id(org))

    @retried
    def issue_token(self, *, org: str, name: str, role: str, actor: str) -> IssuedTokenView:
        check_token_name(name)
        check_role(role)
        directory = self._directory(org) or TokenDirectory(org=org)
        if directory.entry(name) is not None:
            raise AlreadyExistsError(f"token {name!r} already exists in {org!r}: revoke it first")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.issue(token_hash(secret), org=org, name=name, role=role, actor=actor)
        directory.add(token, actor=actor)
        self.store.save(token, directory)
        return IssuedTokenView(name=name, org=org, role=role, token=secret)

    def list_tokens(self, *, org: str) -> list[TokenView]:
        directory = self._directory(org)
        if directory is None:
            return []
        return [
            TokenView(
                name=name, org=org, role=entry["role"],
                created_at=entry["created_at"], created_by=entry["created_by"],
            )
            for name, entry in sorted(directory.tokens.items())
        ]

    @retried
    def revoke_token(self, *, org: str, name: str, actor: str) -> TokenView:
        directory = self._directory(org)
        entry = directory.entry(name) if directory else None
        if directory is None or entry is None:
            raise NotFoundError(f"no token {name!r} in {org!r}")
        token = self.store.get(ApiToken, UUID(entry["token_id"]))
        assert token is not None
        token.revoke(actor=actor)
        directory.remove(name, actor=actor)
        self.store.save(token, directory)
        return TokenView(
            name=name, org=org, role=entry["role"],
            created_at=entry["created_at"], created_by=entry["created_by"],
            revoked_at=token.modified_on, revoked_by=actor,
        )

    def authenticate(self, *, token: str) -> Principal:
        """The principal a bearer token stands for; unknown or revoked tokens are refused."""
        found = self.token_check.principal_of(token)
        if found is None:
            raise UnauthenticatedError("unknown or revoked token")
        org, name, role = found
        token_id = str(ApiToken.create_id(token_hash(token)))
        return Principal(org=org, name=name, role=role, token_id=token_id)

    @cached_property
    def token_check(self) -> TokenCheck:
        return TokenCheck(self.store.app.recorder, self.store.app.mapper)

    def has_active_tokens(self) -> bool:
        """Whether any organization has a token that is not revoked (scans the log once)."""
        topics = [ApiToken.TokenIssued.TOPIC, ApiToken.TokenRevoked.TOPIC]
        active: set[object] = set()
        start = 0
        while True:
            page = self.store.app.recorder.select_notifications(
                start=start, limit=500, topics=topics, inclusive_of_start=False
            )
            for notification in page:
                if notification.topic == topics[0]:
                    active.add(notification.originator_id)
                else:
                    active.discard(notification.originator_id)
            if len(page) < 500:
                return bool(active)
            start = page[-1].id
