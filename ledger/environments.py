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
from ledger.safety import Safety
from ledger.unset import UNSET
from ledger.views import MoveView


class Environments:
    """Reading and moving the environment pointers of scripts (gates checked by :class:`Safety`)."""

    def __init__(self, store: Aggregates, safety: Safety) -> None:
        self.store = store
        self.safety = safety

    def pointers(self, *, org: str, name: str) -> dict[str, int | None]:
        return self.store.pointers(org, name)

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
        approval: dict[str, Any] | None = None,
        along: tuple[Aggregate, ...] = (),
    ) -> MoveView:
        """Move a pointer after the gates pass (or, with a reason, are overridden); ``incident``
        tags the move (an override during an incident, say) for the incident's timeline.
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
        if number != previous:
            _gates, overridden = self.safety.check_gates(
                org, script, number, environment, existing, override_gates, reason
            )
        changed = deployment.promote(
            number, actor=actor, reason=reason, incident=incident, overridden_gates=overridden,
            approval=approval,
        )
        position = self.store.save(deployment, *along) if changed else None
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
        approval: dict[str, Any] | None = None,
        along: tuple[Aggregate, ...] = (),
    ) -> MoveView:
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
        target = deployment.rollback(to, actor=actor, reason=reason, incident=incident, force=force,
                                     approval=approval)
        position = self.store.save(deployment, *along)
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
        )
