"""The Deployment aggregate: one environment pointer of one script.

It holds only what promote and rollback check: the current version, the one before it
(``--to 0``), each version's last active interval (known-good, and the dry-run plan) and
the quarantined versions. Its state grows with the versions it ever ran, never with the
number of moves: the history of moves belongs to the log and the read models.
Class version 2 dropped the ``moves`` list; older snapshots are upcast on load.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import ConflictError, RefusedError
from ledger.names import aggregate_id


class Deployment(Aggregate):
    """Which version of a script an environment runs. Moves only by promote or rollback."""

    TOPIC = "revledger:Deployment"
    class_version = 2

    class Created(Aggregate.Created):
        TOPIC = "revledger:Deployment.Created"

    @staticmethod
    def create_id(org: str, script: str, environment: str) -> UUID:
        return aggregate_id(org, "deployment", script, environment)

    @event("Opened", topic="revledger:Deployment.Opened")
    def __init__(self, org: str, script: str, environment: str):
        self.org = org
        self.script = script
        self.environment = environment
        self.current: int | None = None
        #: The version active immediately before ``current`` (what ``--to 0`` returns to).
        self.previous: int | None = None
        #: Version (as text, for JSON snapshots) -> [since, until] of its last active interval.
        self.active: dict[str, list[Any]] = {}
        #: Versions rolled back from this environment: re-promoting one needs an override.
        self.quarantined: list[int] = []

    class Moved(Aggregate.Event):
        TOPIC = "revledger:Deployment.Moved"
        org: str
        script: str
        environment: str
        actor: str
        version: int
        previous_version: int | None
        reason: str | None
        incident: str | None

        def apply(self, aggregate: Deployment) -> None:
            aggregate.record_move(self.version, self.previous_version, self.timestamp)

    class Promoted(Moved):
        TOPIC = "revledger:Deployment.Promoted"
        kind = "promote"
        #: Gates this promotion failed and passed anyway (``--override-gates``), if any.
        overridden_gates: list[str] | None = None
        #: How approvals were met: {"request", "requester", "approvers"} for an approved change
        #: request, {"exempt": True} for an exempt rollback; None when none were required.
        approval: dict[str, Any] | None = None

        def apply(self, aggregate: Deployment) -> None:
            super().apply(aggregate)
            if self.version in aggregate.quarantined:
                aggregate.quarantined.remove(self.version)

    class RolledBack(Moved):
        TOPIC = "revledger:Deployment.RolledBack"
        kind = "rollback"
        forced: bool
        #: As for Promoted; {"exempt": True, …} for a rollback exempt from approvals.
        approval: dict[str, Any] | None = None

        def apply(self, aggregate: Deployment) -> None:
            super().apply(aggregate)
            if self.version in aggregate.quarantined:
                aggregate.quarantined.remove(self.version)
            if self.previous_version is not None and self.previous_version not in aggregate.quarantined:
                aggregate.quarantined.append(self.previous_version)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A version-1 snapshot kept every move: keep only what the rules read."""
        moves = state.pop("moves", [])
        state["previous"] = moves[-1]["previous_version"] if moves else None
        active: dict[str, list[Any]] = {}
        last: str | None = None
        for move in moves:
            if last is not None:
                active[last][1] = move["at"]
            last = str(move["version"])
            active[last] = [move["at"], None]
        state["active"] = active

    def record_move(self, version: int, previous: int | None, at: Any) -> None:
        if self.current is not None and str(self.current) in self.active:
            self.active[str(self.current)][1] = at
        self.active[str(version)] = [at, None]
        self.previous = previous
        self.current = version

    # Commands -----------------------------------------------------------------

    def check_expected(self, expect_current: int | None) -> None:
        """Compare-and-set: refuse unless the pointer is at ``expect_current`` (None = unset)."""
        if self.current != expect_current:
            shown = "unset" if self.current is None else f"at version {self.current}"
            wanted = "unset" if expect_current is None else f"at version {expect_current}"
            raise ConflictError(
                f"{self.environment} pointer of {self.script!r} is {shown}, expected {wanted}: nothing changed"
            )

    def promote(
        self,
        version: int,
        actor: str,
        reason: str | None = None,
        incident: str | None = None,
        overridden_gates: list[str] | None = None,
        approval: dict[str, Any] | None = None,
    ) -> bool:
        """Point at ``version``. Returns False (and records nothing) if already there."""
        if version == self.current:
            return False
        self.trigger_event(
            self.Promoted,
            org=self.org,
            script=self.script,
            environment=self.environment,
            actor=actor,
            version=version,
            previous_version=self.current,
            reason=reason,
            incident=incident,
            overridden_gates=overridden_gates,
            approval=approval,
        )
        return True

    def rollback_target(self, to: int) -> int:
        """Resolve ``to`` (0 = the version active immediately before the current one)."""
        if self.current is None:
            raise RefusedError(
                f"{self.environment} has never run {self.script!r}: nothing to roll back"
            )
        if to != 0:
            return to
        previous = self.previous
        if previous is None:
            raise RefusedError(
                f"{self.environment} ran no version of {self.script!r} before version {self.current}: "
                "nothing to roll back to"
            )
        return int(previous)

    def was_active(self, version: int) -> bool:
        return str(version) in self.active

    def last_active(self, version: int) -> tuple[Any, Any]:
        """When ``version`` was last active here: (from, until); until is None if it still is."""
        since, until = self.active.get(str(version), (None, None))
        return since, until

    def rollback(
        self,
        to: int,
        actor: str,
        reason: str | None = None,
        incident: str | None = None,
        force: bool = False,
        approval: dict[str, Any] | None = None,
    ) -> int:
        target = self.rollback_target(to)
        if target == self.current:
            raise RefusedError(
                f"{self.environment} already runs version {target} of {self.script!r}: nothing to roll back"
            )
        if not force and not self.was_active(target):
            raise RefusedError(
                f"version {target} of {self.script!r} was never active in {self.environment}, "
                "so it is not known good there: use --force to roll back to it anyway"
            )
        if not force and target in self.quarantined:
            raise RefusedError(
                f"version {target} of {self.script!r} was rolled back from {self.environment} "
                "and is quarantined there: use --force to roll back to it anyway"
            )
        self.trigger_event(
            self.RolledBack,
            org=self.org,
            script=self.script,
            environment=self.environment,
            actor=actor,
            version=target,
            previous_version=self.current,
            reason=reason,
            incident=incident,
            forced=force,
            approval=approval,
        )
        return target
