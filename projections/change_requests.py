"""Change requests and where each stands: ``revledger request list`` and ``GET /v1/requests``.

One row per request, updated by its approvals, rejection and outcome. ``expired`` is not an
event: an open request past its ``expires_at`` reads as expired.
"""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.change_request import ChangeRequest
from ledger.request_view import masked
from ledger.times import utc_text
from projections.view import TrackedView


class ChangeRequestsView(TrackedView):
    tables = ("change_requests",)
    indexes = {"change_requests_by_org": "change_requests (org, position)"}

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS change_requests ("
            " id TEXT PRIMARY KEY, org TEXT NOT NULL, environment TEXT NOT NULL,"
            " operation TEXT NOT NULL, script TEXT, requester TEXT NOT NULL, required INTEGER NOT NULL,"
            " role TEXT NOT NULL, decided TEXT NOT NULL, approvals TEXT NOT NULL, outcome TEXT,"
            " command TEXT NOT NULL, requested_at TEXT NOT NULL, expires_at TEXT NOT NULL,"
            " decided_at TEXT, position INTEGER NOT NULL)"
        )

    def requested(self, e: ChangeRequest.Requested, position: int) -> None:  # type: ignore[name-defined]
        self.db.execute(
            "INSERT INTO change_requests (id, org, environment, operation, script, requester, required,"
            " role, decided, approvals, command, requested_at, expires_at, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', '[]', ?, ?, ?, ?)",
            [str(e.originator_id), e.org, e.environment, e.operation, e.script, e.requester,
             e.required, e.role, json.dumps(masked(e.command)), utc_text(e.timestamp),
             utc_text(e.expires_at), position],
        )

    def approved(self, e: Any) -> None:
        row = self.db.execute("SELECT approvals FROM change_requests WHERE id = ?",
                              [str(e.originator_id)]).fetchone()
        approvals = json.loads(row[0]) if row else []
        approvals.append({"actor": e.actor, "reason": e.reason, "time": utc_text(e.timestamp)})
        self.db.execute("UPDATE change_requests SET approvals = ? WHERE id = ?",
                        [json.dumps(approvals), str(e.originator_id)])

    def decided(self, e: Any, state: str, outcome: str | None) -> None:
        self.db.execute(
            "UPDATE change_requests SET decided = ?, outcome = ?, decided_at = ? WHERE id = ?",
            [state, outcome, utc_text(e.timestamp), str(e.originator_id)],
        )

    def ids_starting(self, org: str, prefix: str, limit: int = 6) -> list[str]:
        """Request ids of the organization that start with ``prefix`` (hex digits and dashes only)."""
        return [row["id"] for row in self.db.query(
            "SELECT id FROM change_requests WHERE org = ? AND id LIKE ? ORDER BY id LIMIT ?",
            [org, prefix + "%", limit],
        )]

    def list(self, org: str, *, environment: str | None = None, state: str | None = None,
             now: str) -> list[dict[str, Any]]:
        """Newest first; ``state`` expired = open past its expiry, open = open and not expired."""
        sql = "SELECT * FROM change_requests WHERE org = ?"
        params: list[Any] = [org]
        if environment is not None:
            sql += " AND environment = ?"
            params.append(environment)
        if state == "expired":
            sql += " AND decided = 'open' AND expires_at <= ?"
            params.append(now)
        elif state == "open":
            sql += " AND decided = 'open' AND expires_at > ?"
            params.append(now)
        elif state is not None:
            sql += " AND decided = ?"
            params.append(state)
        rows = []
        for row in self.db.query(sql + " ORDER BY position DESC", params):
            state_now = "expired" if row["decided"] == "open" and row["expires_at"] <= now else row["decided"]
            approvals = json.loads(row["approvals"])
            rows.append({
                "id": row["id"], "environment": row["environment"], "operation": row["operation"],
                "script": row["script"], "requester": row["requester"], "required": row["required"],
                "role": row["role"], "state": state_now, "approvals": approvals,
                "approvers": [a["actor"] for a in approvals], "outcome": row["outcome"],
                "command": json.loads(row["command"]), "requested_at": row["requested_at"],
                "expires_at": row["expires_at"], "decided_at": row["decided_at"],
                "position": row["position"],
            })
        return rows


class ChangeRequests(Projection[ChangeRequestsView]):
    name = "change_requests"
    topics = (
        ChangeRequest.Requested.TOPIC,  # type: ignore[attr-defined]
        ChangeRequest.Approved.TOPIC,  # type: ignore[attr-defined]
        ChangeRequest.Rejected.TOPIC,  # type: ignore[attr-defined]
        ChangeRequest.Applied.TOPIC,  # type: ignore[attr-defined]
        ChangeRequest.NotApplied.TOPIC,  # type: ignore[attr-defined]
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: ChangeRequest.Requested, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.insert_tracking(tracking)
        self.view.requested(domain_event, tracking.notification_id)

    @process_event.register
    def _(self, domain_event: ChangeRequest.Approved, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.insert_tracking(tracking)
        self.view.approved(domain_event)

    @process_event.register
    def _(self, domain_event: ChangeRequest.Rejected, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.insert_tracking(tracking)
        self.view.decided(domain_event, "rejected", domain_event.reason)

    @process_event.register
    def _(self, domain_event: ChangeRequest.Applied, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.insert_tracking(tracking)
        self.view.decided(domain_event, "applied", None)

    @process_event.register
    def _(self, domain_event: ChangeRequest.NotApplied, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self.view.insert_tracking(tracking)
        self.view.decided(domain_event, "approved", domain_event.why)
