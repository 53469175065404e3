"""How a change request reads (:class:`RequestView`): what was asked, by whom, who approved.

A configuration request's secret values are sealed in its command; every output shows them
masked (:func:`masked`), next to their fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.change_request import CONFIG_OPERATIONS, ChangeRequest
from ledger.envelope import is_sealed
from ledger.views import View

MASK = "********"


@dataclass(frozen=True)
class RequestView(View):
    """A change request: what was asked, by whom, who approved, and where it stands."""

    id: str
    environment: str
    operation: str
    script: str | None
    command: dict[str, Any]
    plan: dict[str, Any]
    requester: str
    required: int
    role: str
    state: str
    approvals: list[dict[str, Any]] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    outcome: str | None = None
    requested_at: datetime | None = None
    expires_at: datetime | None = None
    #: The change the last approval applied (a move's, or a configuration write's, fields).
    applied: dict[str, Any] | None = None
    #: ``request show``: the plan as it would apply now (None once the request is closed).
    plan_now: dict[str, Any] | None = None
    position: int | None = None


def masked(command: dict[str, Any]) -> dict[str, Any]:
    """The command as outputs show it: sealed values masked (their fingerprints are beside them)."""
    if command.get("operation") not in CONFIG_OPERATIONS or "set" not in command:
        return command  # (a config promote holds no values: the copy reads them when applied)
    return {**command, "set": {k: MASK if is_sealed(v) else v for k, v in command["set"].items()}}


def request_view(request: ChangeRequest, **extra: Any) -> RequestView:
    return RequestView(
        id=str(request.id), environment=request.environment, operation=request.operation,
        script=request.script, command=masked(request.command), plan=request.plan,
        requester=request.requester, required=request.required, role=request.role,
        state=request.state(), approvals=list(request.approvals),
        approvers=request.approvers, outcome=request.outcome,
        requested_at=request.created_on, expires_at=request.expires_at, **extra,
    )
