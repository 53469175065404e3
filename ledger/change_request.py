"""The ChangeRequest aggregate: a covered change waiting for its approvals.

With ``approvals.<environment>`` set, a promotion, rollback or production configuration write
does not move anything: it records a request holding the exact command, its dry-run plan, the
requester, the approvals it needs, the role an approver needs and an expiry (a configuration
write's secret values sealed for the request itself: :mod:`ledger.config_requests`). Approvals
and the rejection are events on it; the last approval is saved together with the change it
applies (one transaction), or with the reason the change no longer holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from ledger.access import ForbiddenError
from ledger.errors import RefusedError
from ledger.tokens import ROLES

STATES = ("open", "approved", "applied", "rejected", "expired")
#: The configuration writes a request may hold (:mod:`ledger.config_requests`); the others are
#: ``promote`` and ``rollback``.
CONFIG_OPERATIONS = ("env.set", "env.delete", "env.import", "overlay.update", "config.promote")


class ChangeRequest(Aggregate):
    """One requested change and who approved it. Small: its approvals are at most a handful."""

    TOPIC = "revledger:ChangeRequest"

    class Created(Aggregate.Created):
        TOPIC = "revledger:ChangeRequest.Created"

    @staticmethod
    def create_id() -> Any:
        return uuid4()

    @classmethod
    def open(cls, *, request_id: UUID | None = None, expires_in: float, **fields: Any) -> ChangeRequest:
        """A new request expiring in ``expires_in`` seconds; ``request_id`` when the id had to be
        known before (to seal the request's secret values for it)."""
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        return cls._create(cls.Requested, id=request_id or uuid4(),  # type: ignore[attr-defined]
                           expires_at=expires_at, **fields)

    @event("Requested", topic="revledger:ChangeRequest.Requested")
    def __init__(
        self,
        org: str,
        environment: str,
        operation: str,
        script: str | None,
        command: dict[str, Any],
        plan: dict[str, Any],
        requester: str,
        required: int,
        role: str,
        expires_at: datetime,
    ) -> None:
        self.org = org
        self.environment = environment
        self.operation = operation
        self.script = script
        self.command = command
        self.plan = plan
        self.requester = requester
        self.required = required
        self.role = role
        self.expires_at = expires_at
        #: [{"actor", "reason"}], one per distinct approver.
        self.approvals: list[dict[str, Any]] = []
        self.decided: str = "open"  # open | approved | applied | rejected
        #: Why it was rejected, or why the approved change was not applied.
        self.outcome: str | None = None

    # State -----------------------------------------------------------------------

    def state(self, now: datetime | None = None) -> str:
        if self.decided == "open" and (now or datetime.now(UTC)) >= self.expires_at:
            return "expired"
        return self.decided

    @property
    def approvers(self) -> list[str]:
        return [a["actor"] for a in self.approvals]

    @property
    def complete(self) -> bool:
        return len(self.approvals) >= self.required

    # Commands --------------------------------------------------------------------

    def check_open(self) -> None:
        state = self.state()
        if state == "expired":
            raise RefusedError(f"change request {self.id} expired at {self.expires_at.isoformat()}: "
                               "nothing was done; request the change again")
        if state != "open":
            raise RefusedError(f"change request {self.id} is {state}, no longer open: nothing was done")

    def check_approver(self, actor: str, role: str | None) -> None:
        """The requester cannot approve; one principal counts once; the role the change needs
        (``role`` None: a local store, where the operator has every role)."""
        self.check_open()
        if actor == self.requester:
            raise RefusedError(f"{actor!r} requested this change and cannot approve it: "
                               "another principal must")
        if actor in self.approvers:
            raise RefusedError(f"{actor!r} already approved change request {self.id}: "
                               "one principal counts once")
        if role is not None and ROLES.index(role) < ROLES.index(self.role):
            raise ForbiddenError(f"approving this change needs the {self.role} role; "
                                 f"{actor!r} has {role}")

    def approve(self, actor: str, role: str | None, reason: str | None) -> None:
        self.check_approver(actor, role)
        self._approved(**self._scope(), actor=actor, reason=reason)

    def _scope(self) -> dict[str, Any]:
        """What every later event repeats, so the audit trail reads each one alone."""
        return {"org": self.org, "script": self.script, "environment": self.environment}

    @event("Approved", topic="revledger:ChangeRequest.Approved")
    def _approved(self, org: str, script: str | None, environment: str, actor: str,
                  reason: str | None) -> None:
        self.approvals.append({"actor": actor, "reason": reason})

    def reject(self, actor: str, role: str | None, reason: str) -> None:
        self.check_open()
        if role is not None and ROLES.index(role) < ROLES.index(self.role):
            raise ForbiddenError(f"rejecting this change needs the {self.role} role; {actor!r} has {role}")
        self._rejected(**self._scope(), actor=actor, reason=reason)

    @event("Rejected", topic="revledger:ChangeRequest.Rejected")
    def _rejected(self, org: str, script: str | None, environment: str, actor: str, reason: str) -> None:
        self.decided = "rejected"
        self.outcome = reason

    def applied(self) -> None:
        self._applied(**self._scope(), actor=self.requester, approvers=self.approvers)

    @event("Applied", topic="revledger:ChangeRequest.Applied")
    def _applied(self, org: str, script: str | None, environment: str, actor: str,
                 approvers: list[str]) -> None:
        self.decided = "applied"

    def not_applied(self, why: str) -> None:
        self._not_applied(**self._scope(), actor=self.approvers[-1], why=why)

    @event("NotApplied", topic="revledger:ChangeRequest.NotApplied")
    def _not_applied(self, org: str, script: str | None, environment: str, actor: str, why: str) -> None:
        self.decided = "approved"
        self.outcome = why
