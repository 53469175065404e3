"""The remote client's environments: pointers, promotions and rollbacks (and their plans), the
change requests they may need, and the read models of what runs where (``api/routers/environments.py``,
``api/routers/requests.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.client_transport import Transport
from api.client_wire import seg, to_view
from ledger.approvals import RequestView
from ledger.unset import UNSET
from ledger.views import MoveView


class EnvironmentsClient(Transport):
    """These methods of ``LedgerClient``, over the shared :class:`Transport`."""

    def pointers(self, *, org: str, name: str) -> dict[str, int | None]:
        return self._get(f"/v1/scripts/{seg(name)}/environments", org)["environments"]  # type: ignore[no-any-return]

    def promote(self, *, org: str, name: str, version: int, environment: str, actor: str,
                reason: str | None = None, expect_current: int | None = UNSET,
                override_gates: bool = False, incident: str | None = None,
                with_config_from: str | None = None) -> MoveView:
        body: dict[str, Any] = {"version": version, "reason": reason, "incident": incident}
        if with_config_from:
            body["with_config_from"] = with_config_from
        if expect_current is not UNSET:
            body["expect_current"] = expect_current
        if override_gates:
            body["override_gates"] = True
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/promote"
        return self._move_or_request(self._send("POST", path, org, body))

    def rollback(self, *, org: str, name: str, to: int, actor: str,
                 environment: str = "production", reason: str | None = None,
                 incident: str | None = None, force: bool = False,
                 expect_current: int | None = UNSET, with_config: bool = False) -> MoveView:
        body = {"to": to, "reason": reason, "incident": incident, "force": force}
        if with_config:
            body["with_config"] = True
        if expect_current is not UNSET:
            body["expect_current"] = expect_current
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/rollback"
        return self._move_or_request(self._send("POST", path, org, body))

    @staticmethod
    def _move_or_request(data: dict[str, Any]) -> Any:
        """A move, or (202, approvals needed) the change request recorded instead."""
        return to_view(RequestView, data) if "requester" in data else to_view(MoveView, data)

    # Change requests ---------------------------------------------------------------

    def requests(self, *, org: str, environment: str | None = None,
                 state: str | None = None) -> list[dict[str, Any]]:
        return self._get("/v1/requests", org, environment=environment, state=state)  # type: ignore[no-any-return]

    def get_request(self, *, org: str, request_id: str) -> RequestView:
        return to_view(RequestView, self._get(f"/v1/requests/{seg(request_id)}", org))

    def approve_request(self, *, org: str, request_id: str, actor: str, role: str | None = None,
                        reason: str | None = None) -> RequestView:
        """The server records the token's principal as the approver (``actor`` is not sent)."""
        path = f"/v1/requests/{seg(request_id)}/approve"
        return to_view(RequestView, self._send("POST", path, org, {"reason": reason}))

    def reject_request(self, *, org: str, request_id: str, actor: str, reason: str,
                       role: str | None = None) -> RequestView:
        path = f"/v1/requests/{seg(request_id)}/reject"
        return to_view(RequestView, self._send("POST", path, org, {"reason": reason}))

    # Safe promotion: plans and diffs ---------------------------------------------

    def plan_promotion(self, *, org: str, name: str, version: int, environment: str,
                       with_config_from: str | None = None) -> dict[str, Any]:
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/promote"
        body: dict[str, Any] = {"version": version, "dry_run": True}
        if with_config_from is not None:
            body["with_config_from"] = with_config_from
        return self._send("POST", path, org, body)  # type: ignore[no-any-return]

    def plan_rollback(self, *, org: str, name: str, to: int, environment: str = "production",
                      incident: str | None = None, reason: str | None = None,
                      force: bool = False) -> dict[str, Any]:
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/rollback"
        body = {"to": to, "dry_run": True, "incident": incident, "reason": reason, "force": force}
        return self._send("POST", path, org, body)  # type: ignore[no-any-return]

    def diff_environments(self, *, org: str, name: str, left: str, right: str) -> dict[str, Any]:
        return self._get(f"/v1/scripts/{seg(name)}/environments/diff", org, left=left, right=right)  # type: ignore[no-any-return]

    # Read models (the queries of projections.service.Projections) -----------------

    def current(self, *, org: str, environment: str | None = None) -> list[dict[str, Any]]:
        return self._get("/v1/status", org, environment=environment)  # type: ignore[no-any-return]

    def at(self, *, org: str, name: str, environment: str, time: datetime) -> dict[str, Any]:
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/at"
        return self._get(path, org, time=time.isoformat())  # type: ignore[no-any-return]

    def release(self, *, org: str, name: str, environment: str,
                time: datetime | None = None) -> dict[str, Any]:
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/release"
        return self._get(path, org, at=time.isoformat() if time else None)  # type: ignore[no-any-return]

    def snapshot(self, *, org: str, environment: str, time: datetime) -> list[dict[str, Any]]:
        path = f"/v1/environments/{seg(environment)}/at"
        return self._get(path, org, time=time.isoformat())  # type: ignore[no-any-return]
