"""Environment pointers: which version each environment runs, moved by promote and
rollback (:class:`Environments`; the aggregate is :class:`ledger.deployment.Deployment`)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregates import Aggregates
from ledger.deployment import Deployment
from ledger.errors import InvalidInputError, NotFoundError
from ledger.names import check_environment
from ledger.retries import retried
from ledger.releasing import Releasing
from ledger.safety import Safety
from ledger.unset import UNSET
from ledger.views import MoveView


class Environments:
    """Reading and moving the environment pointers of scripts (gates checked by :class:`Safety`)."""

    def __init__(self, store: Aggregates, safety: Safety, releasing: Releasing) -> None:
        self.store = store
        self.safety = safety
        self.releasing = releasing

    def pointers(self, *, org: str, name: str) -> dict[str, int | None]:
        return self.store.pointers(org, name)

    def plan_promotion(
        self, *, org: str, name: str, version: int | str, environment: str,
        with_config_from: str | None = None,
    ) -> dict[str, Any]:
        """What ``promote`` would do (a dry run). ``with_config_from``: the plan of the copy
        (``config_promotion``), and the gates and config changes evaluated against the
        configuration the release will have, as the promotion itself evaluates them."""
        if with_config_from is None:
            return self.safety.plan_promotion(org=org, name=name, version=version, environment=environment)
        check_environment(environment)
        script = self.store.script(org, name)
        number = self.store.resolve_version(org, script, version)
        tenant, overlay = self.store.tenant(org), self.store.overlay(org, name)
        copy = self.releasing.plan_promotion(org, script, with_config_from, environment, versions=[number],
                                             tenant=tenant, overlay=overlay)
        # Applied to unsaved aggregates, dropped with the plan: nothing is written.
        changed_tenant, changed_overlay = copy.apply(
            tenant, overlay, org, name, "plan", self.releasing.secrets.sealing(org))
        plan = self.safety.plan_promotion(org=org, name=name, version=number, environment=environment,
                                          config=(changed_tenant or tenant, changed_overlay or overlay))
        plan["config_promotion"] = copy.changes
        return plan

    @retried
    def promote(
        self,
        *,
        org: str,
        name: str,
        version: int | str,
        environment: str,
        actor: str,
        reason: str | None = None,
        expect_current: int | None = UNSET,
        override_gates: bool = False,
        incident: str | None = None,
        with_config_from: str | None = None,
        approval: dict[str, Any] | None = None,
        along: tuple[Aggregate, ...] = (),
    ) -> MoveView:
        """Move a pointer after the gates pass (or, with a reason, are overridden); ``incident``
        tags the move (an override during an incident, say) for the incident's timeline.
        ``with_config_from`` copies that environment's overlay to this one in the same
        transaction (both or neither), and the gates see the configuration the release will have.
        ``approval`` records how approvals were met; ``along`` is saved in the same transaction
        (the change request whose last approval this is)."""
        check_environment(environment)
        script = self.store.script(org, name)
        number = self.store.resolve_version(org, script, version)
        existing = self.store.deployment(org, name, environment)
        deployment = existing or Deployment(org=org, script=name, environment=environment)
        if expect_current is not UNSET:
            if expect_current == 0:  # version 0 = the version production runs
                expect_current = self.store.resolve_version(org, script, 0)
            deployment.check_expected(expect_current)
        previous = deployment.current
        overridden = None
        tenant, overlay = self.store.tenant(org), self.store.overlay(org, name)
        copy, saved = None, []
        if with_config_from is not None:
            copy = self.releasing.plan_promotion(
                org, script, with_config_from, environment, versions=[number],
                tenant=tenant, overlay=overlay,
            )
            moving = {"script": name, "environment": environment} if number != previous else None
            changed_tenant, changed_overlay = copy.apply(
                tenant, overlay, org, name, actor, self.releasing.secrets.sealing(org, actor),
                reason=reason, incident=incident, release=moving,
            )
            tenant, overlay = changed_tenant or tenant, changed_overlay or overlay
            saved = [*copy.pending, changed_tenant, changed_overlay]
        if number != previous:
            _gates, overridden = self.safety.check_gates(
                org, script, number, environment, existing, override_gates, reason, (tenant, overlay)
            )
        changed = deployment.promote(
            number, actor=actor, reason=reason, incident=incident, overridden_gates=overridden,
            approval=approval,
        )
        written = bool(changed or copy)
        # The configuration first, then the pointer (and what comes along), in one transaction.
        position = self.store.save(*saved, deployment if changed else None, *along) if written else None
        return MoveView(
            script=name,
            environment=environment,
            kind="promote",
            version=number,
            previous_version=previous,
            changed=changed,
            actor=actor,
            reason=reason,
            incident=incident,
            overridden_gates=overridden or [],
            approval=approval,
            time=deployment.modified_on if changed else None,
            position=position,
            config_changes=copy.changes if copy is not None else None,
        )

    @retried
    def rollback(
        self,
        *,
        org: str,
        name: str,
        to: int | str,
        actor: str,
        environment: str = "production",
        reason: str | None = None,
        incident: str | None = None,
        force: bool = False,
        expect_current: int | None = UNSET,
        with_config: bool = False,
        approval: dict[str, Any] | None = None,
        along: tuple[Aggregate, ...] = (),
    ) -> MoveView:
        """Roll back; ``with_config`` also restores ``overlay[ENV]`` (and the ``tenant[ENV]`` keys
        the target references) to their values when the target was last live there, in the
        same transaction, as configuration events citing the reason and incident."""
        check_environment(environment)
        script = self.store.script(org, name)
        to = self.store.version_number(script, to)
        if to < 0:
            raise InvalidInputError("--to must be a version number or label, or 0 for the previous version")
        deployment = self.store.deployment(org, name, environment)
        if deployment is None:
            raise NotFoundError(f"{environment} has never run {name!r}: nothing to roll back")
        if to != 0:
            self.store.resolve_version(org, script, to)
        if expect_current is not UNSET:
            deployment.check_expected(expect_current)
        previous = deployment.current
        if to != 0 and to == previous:  # already there: nothing changed, as for promote
            return MoveView(
                script=name, environment=environment, kind="rollback", version=to,
                previous_version=previous, changed=False, actor=actor, reason=reason,
                incident=incident, forced=force, time=None, position=None,
            )
        copy = None
        if with_config:  # planned before the move: it reads when the target was last live
            tenant, overlay = self.store.tenant(org), self.store.overlay(org, name)
            copy = self.releasing.plan_restore(
                org, script, deployment, deployment.rollback_target(to), tenant, overlay
            )
        target = deployment.rollback(to, actor=actor, reason=reason, incident=incident, force=force,
                                     approval=approval)
        saved: list[object] = []
        if copy is not None:
            changed = copy.apply(tenant, overlay, org, name, actor, self.releasing.secrets.sealing(org, actor),
                                 reason=reason, incident=incident,
                                 release={"script": name, "environment": environment})
            saved = [*copy.pending, *changed]
        position = self.store.save(*saved, deployment, *along)
        return MoveView(
            script=name,
            environment=environment,
            kind="rollback",
            version=target,
            previous_version=previous,
            changed=True,
            actor=actor,
            reason=reason,
            incident=incident,
            forced=force,
            approval=approval,
            time=deployment.modified_on,
            position=position,
            config_changes=copy.changes if copy is not None else None,
        )
