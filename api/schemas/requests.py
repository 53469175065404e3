"""Schemas of change requests (two-person approvals)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.base import Request, Row, Text, public
from ledger.approvals import RequestView

RequestPublic = public(RequestView, "RequestPublic",
                       "A change request: the command, its plan, the requester, approvals and state.")


class RequestRowPublic(Row):
    id: str
    environment: str
    operation: str
    script: str | None
    requester: str
    required: int
    state: Literal["open", "approved", "applied", "rejected", "expired"]
    approvers: list[str]
    requested_at: str
    expires_at: str


class ApproveRequest(Request):
    reason: Text | None = Field(default=None, description="Why (recorded with the approval).")


class RejectRequest(Request):
    reason: Text = Field(min_length=1, description="Why the change is refused (required).")
