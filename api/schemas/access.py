"""Schemas of access: API tokens, and the audit trail of who did what."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.base import Request, Row, public
from ledger.access import IssuedTokenView, TokenView
from ledger.tokens import ROLES


class TokenCreate(Request):
    name: str = Field(examples=["ci-deployer"])
    role: str = Field(description=f"One of {', '.join(ROLES)}.", examples=["deployer"])


TokenPublic = public(TokenView, "TokenPublic", "An API token (never the token itself).")
IssuedTokenPublic = public(IssuedTokenView, "IssuedTokenPublic", "A new token: shown once.")


class AuditRowPublic(Row):
    position: int
    time: str
    org: str
    actor: str
    kind: str
    script: str | None
    environment: str | None
    from_version: int | None
    to_version: int | None
    keys: list[str] | None
    reason: str | None
    incident: str | None
    override: bool
    gates: list[str] | None
    details: dict[str, Any] | None


