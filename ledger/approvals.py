"""Two-person approvals (:class:`Approvals`): covered changes become change requests.

With ``approvals.<environment>`` above 0, ``promote`` and ``rollback`` into that environment
record a :class:`ChangeRequest` instead of moving anything (configuration writes scoped to it
do too: :mod:`ledger.config_requests`). ``approve_request`` records an
approval; the last one applies the change in the same transaction as that approval, with
the gates evaluated then. A plan that no longer holds (the pointer moved, a gate now fails)
is not applied: the request records why. ``approvals.rollback_exempt`` lets a rollback to a
known-good version through at once, recorded as exempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.access import change_role
from ledger.aggregates import Aggregates
from ledger.change_request import CONFIG_OPERATIONS, STATES, ChangeRequest
from ledger.config_requests import ConfigRequests
from ledger.errors import ConflictError, InvalidInputError, LedgerError, NotFoundError
from ledger.environments import Environments
from ledger.names import check_environment, check_org
from ledger.policy_settings import duration_seconds
from ledger.retries import RacedError, retried
from ledger.safety import Safety
from ledger.unset import UNSET
from ledger.request_view import RequestView, request_view
from ledger.views import MoveView

__all__ = ["Approvals", "RequestView"]


def parse_request_id(text: str) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a change request id (a UUID, as `request list` shows)") from None


def check_state(state: str | None) -> str | None:
    if state is not None and state not in STATES:
        raise InvalidInputError(f"unknown state {state!r}: use one of {', '.join(STATES)}")
    return state


class Approvals:
    """Promote and rollback through change requests when the policy asks for approvals."""

    def __init__(self, store: Aggregates, safety: Safety, environments: Environments,
                 config: ConfigRequests) -> None:
        self.store = store
        self.safety = safety
        self.environments = environments
        self.config = config

    def required(self, org: str, environment: str) -> int:
        return int(self.safety.get_policy(org=org)[f"approvals.{environment}"])

    # Covered commands --------------------------------------------------------------

    def promote(
        self, *, org: str, name: str, version: int, environment: str, actor: str,
        reason: str | None = None, expect_current: int | None = UNSET,
        override_gates: bool = False, incident: str | None = None,
        with_config_from: str | None = None,
    ) -> MoveView | RequestView:
        """Promote, or (approvals on) record a request to; a request for what already runs
        there changes nothing, as the promotion would."""
        check_environment(environment)
        needed = self.required(org, environment)
        move = dict(org=org, name=name, version=version, environment=environment, actor=actor,
                    reason=reason, expect_current=expect_current, override_gates=override_gates,
                    incident=incident)
        if with_config_from is not None:
            move["with_config_from"] = with_config_from
        if not needed:
            return self.environments.promote(**move)
        if override_gates and not (reason and reason.strip()):
            raise InvalidInputError("--override-gates needs a --reason saying why")
        # With a configuration copy, the gates see the configuration the release will have,
        # and a copy that changes anything is a change even when the version already runs there.
        plan = self.environments.plan_promotion(org=org, name=name, version=version, environment=environment,
                                                with_config_from=with_config_from)
        self._check_expected(plan, expect_current, environment, name)
        if not plan["changed"] and not plan.get("config_promotion"):
            return self.environments.promote(**move)
        command = {"operation": "promote", "name": name, "version": plan["target"],
                   "environment": environment, "reason": reason, "override_gates": override_gates,
                   "incident": incident}
        if with_config_from is not None:
            command["with_config_from"] = with_config_from
        role = "deployer" if override_gates else change_role(environment)
        return self._open(org, environment, name, command, plan, actor, needed, role)

    def rollback(
        self, *, org: str, name: str, to: int, actor: str, environment: str = "production",
        reason: str | None = None, incident: str | None = None, force: bool = False,
        expect_current: int | None = UNSET, with_config: bool = False,
    ) -> MoveView | RequestView:
        """Roll back, or (approvals on) record a request to; with ``approvals.rollback_exempt``
        a rollback to a known-good version goes through at once, recorded as exempt."""
        check_environment(environment)
        needed = self.required(org, environment)
        move = dict(org=org, name=name, to=to, actor=actor, environment=environment, reason=reason,
                    incident=incident, force=force, expect_current=expect_current)
        if with_config:
            move["with_config"] = True
        if not needed:
            return self.environments.rollback(**move)
        plan = self.safety.plan_rollback(org=org, name=name, to=to, environment=environment,
                                         incident=incident, reason=reason, force=force)
        self._check_expected(plan, expect_current, environment, name)
        known_good = all(g["passed"] for g in plan["gates"]) and not force
        if not plan["changed"]:
            return self.environments.rollback(**move)
        if known_good and self.safety.get_policy(org=org)["approvals.rollback_exempt"]:
            return self.environments.rollback(**move, approval={"exempt": True, "required": needed})
        command = {"operation": "rollback", "name": name, "to": plan["target"],
                   "environment": environment, "reason": reason, "incident": incident, "force": force}
        if with_config:
            command["with_config"] = True
        return self._open(org, environment, name, command, plan, actor, needed, change_role(environment))

    @staticmethod
    def _check_expected(plan: dict[str, Any], expect_current: int | None, environment: str, name: str) -> None:
        if expect_current is not UNSET and expect_current != 0 and plan["current"] != expect_current:
            shown = "unset" if plan["current"] is None else f"at version {plan['current']}"
            wanted = "unset" if expect_current is None else f"at version {expect_current}"
            raise ConflictError(f"{environment} pointer of {name!r} is {shown}, expected {wanted}: nothing changed")

    @retried
    def _open(self, org: str, environment: str, script: str, command: dict[str, Any],
              plan: dict[str, Any], requester: str, required: int, role: str) -> RequestView:
        expiry = duration_seconds(self.safety.get_policy(org=org)["approvals.expiry"])
        request = ChangeRequest.open(
            expires_in=expiry, org=org, environment=environment, operation=command["operation"],
            script=script, command=command, plan=plan, requester=requester, required=required, role=role,
        )
        position = self.store.save(request)
        return self.view(request, position=position)

    # Deciding ------------------------------------------------------------------------

    def _load(self, org: str, request_id: str) -> ChangeRequest:
        check_org(org)
        request = self.store.get(ChangeRequest, parse_request_id(request_id))
        if request is None or request.org != org:
            raise NotFoundError(f"no change request {request_id} in {org!r}")
        return request

    @retried
    def approve_request(self, *, org: str, request_id: str, actor: str, role: str | None = None,
                        reason: str | None = None) -> RequestView:
        """Approve (``role``: the approver's, checked against the change's; None locally).
        The last approval applies the change, or records why it no longer can."""
        request = self._load(org, request_id)
        request.approve(actor, role, reason)
        if not request.complete:
            return self.view(request, position=self.store.save(request))
        request.applied()
        try:
            if request.operation in CONFIG_OPERATIONS:
                applied, position = self.config.apply(request)
            else:
                move = self._apply(request)
                applied, position = move.to_dict(), move.position
        except RacedError:
            raise
        except LedgerError as error:  # the plan no longer holds: record the approval and why
            request = self._load(org, request_id)
            request.approve(actor, role, reason)
            request.not_applied(why=error.message)
            return self.view(request, position=self.store.save(request))
        # Times as text (isoformat, as the CLI prints them): a free-form field that every
        # interface serialises alike (HTTP's JSON encoder would write a datetime with "Z").
        applied = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in applied.items()}
        return self.view(request, position=position, applied=applied)

    def _apply(self, request: ChangeRequest) -> MoveView:
        command = request.command
        approval = {"request": str(request.id), "requester": request.requester,
                    "approvers": request.approvers, "required": request.required}
        common = dict(org=request.org, name=command["name"], environment=command["environment"],
                      actor=request.requester, reason=command["reason"], incident=command["incident"],
                      expect_current=request.plan["current"], approval=approval, along=(request,))
        if command["operation"] == "promote":
            promote = Environments.promote.__wrapped__  # type: ignore[attr-defined]  # the retry is ours
            extra = {"with_config_from": command["with_config_from"]} if command.get("with_config_from") else {}
            return promote(self.environments, version=command["version"],  # type: ignore[no-any-return]
                           override_gates=command["override_gates"], **common, **extra)
        rollback = Environments.rollback.__wrapped__  # type: ignore[attr-defined]
        extra = {"with_config": True} if command.get("with_config") else {}
        return rollback(self.environments, to=command["to"], force=command["force"], **common, **extra)  # type: ignore[no-any-return]

    @retried
    def reject_request(self, *, org: str, request_id: str, actor: str, reason: str,
                       role: str | None = None) -> RequestView:
        if not (reason and reason.strip()):
            raise InvalidInputError("rejecting a change request needs a --reason saying why")
        request = self._load(org, request_id)
        request.reject(actor, role, reason)
        return self.view(request, position=self.store.save(request))

    def get_request(self, *, org: str, request_id: str) -> RequestView:
        """One request, with its plan as it would apply now while it is open."""
        request = self._load(org, request_id)
        plan_now = None
        if request.state() == "open":
            command = request.command
            try:
                if command["operation"] in CONFIG_OPERATIONS:
                    plan_now = self.config.plan_now(request)
                elif command["operation"] == "promote":
                    plan_now = self.safety.plan_promotion(
                        org=org, name=command["name"], version=command["version"],
                        environment=command["environment"])
                else:
                    plan_now = self.safety.plan_rollback(
                        org=org, name=command["name"], to=command["to"], environment=command["environment"],
                        incident=command["incident"], reason=command["reason"], force=command["force"])
            except LedgerError as error:
                plan_now = {"error": error.message}
        return self.view(request, plan_now=plan_now)

    view = staticmethod(request_view)
