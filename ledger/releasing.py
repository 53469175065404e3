"""Configuration promoted with versions (:class:`Releasing`): ``config promote``, and the
configuration half of ``promote --with-config-from`` and ``version rollback --with-config``.

Each plans a :class:`ledger.config_copy.ConfigCopy` from the aggregates (never from a read
model), and the command that uses it saves the changed aggregates in the same transaction as
anything else it changes: all or nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregates import Aggregates
from ledger.config_copy import ConfigCopy, Values, effective_changes, effective_values, plan_copy
from ledger.deployment import Deployment
from ledger.errors import InvalidInputError
from ledger.gates import env_references
from ledger.names import check_environment, check_variable_name
from ledger.retries import retried
from ledger.script import Script
from ledger.secrets import Reader, Secrets
from ledger.variables import Overlay, TenantVariables


class Releasing:
    """Plans and records configuration copied into an environment."""

    def __init__(self, store: Aggregates, secrets: Secrets) -> None:
        self.store = store
        self.secrets = secrets

    def references(self, script: Script, versions: list[int | None]) -> set[str]:
        """The ``{{ env.X }}`` names the content of these versions references."""
        names: set[str] = set()
        for number in {v for v in versions if v}:
            entry = script.get_version(number)
            if entry is not None:
                names.update(env_references(self.store.contents.get(script.org, script.id, entry)))
        return names

    def plan_promotion(
        self, org: str, script: Script, source: str, target: str, *, keys: list[str] | None = None,
        include_tenant: bool = False, versions: list[int | None] = (),  # type: ignore[assignment]
        tenant: TenantVariables | None = None, overlay: Overlay | None = None,
    ) -> ConfigCopy:
        """Copy ``overlay[source]`` (and, with ``include_tenant``, the ``tenant[source]`` keys the
        content of ``versions`` references) to ``target``; ``keys`` narrows both."""
        check_environment(source)
        check_environment(target)
        if source == target:
            raise InvalidInputError(f"--from and --to are both {source}: nothing to promote")
        wanted_keys = None if keys is None else {check_variable_name(k) for k in keys}
        reader = self.secrets.reader(org)
        overlay_from = Values.of(reader, overlay, source)
        overlay_keys = set(overlay_from.plain) | set(overlay.scope(target) if overlay else {})
        tenant_from = Values.of(reader, tenant, source) if include_tenant else Values()
        tenant_keys: set[str] = set()
        if include_tenant:
            tenant_keys = self.references(script, list(versions))
        if wanted_keys is not None:
            overlay_keys &= wanted_keys
            tenant_keys &= wanted_keys
        return plan_copy(
            environment=target, reader=reader, tenant=tenant, overlay=overlay,
            overlay_wanted=overlay_from, overlay_keys=overlay_keys,
            tenant_wanted=tenant_from, tenant_keys=tenant_keys,
        )

    def plan_restore(
        self, org: str, script: Script, deployment: Deployment, target: int,
        tenant: TenantVariables | None, overlay: Overlay | None,
    ) -> ConfigCopy:
        """Back to ``overlay[ENV]`` (and the ``tenant[ENV]`` keys version ``target`` references)
        as they were when ``target`` was last live in the environment."""
        environment = deployment.environment
        since, until = deployment.last_active(target)
        pointer = {"script": script.name, "environment": environment}
        old_tenant = self._as_of(TenantVariables, TenantVariables.create_id(org), since, until, pointer)
        old_overlay = self._as_of(Overlay, Overlay.create_id(org, script.name), since, until, pointer)
        reader = self.secrets.reader(org)
        overlay_old = Values.of(reader, old_overlay, environment)
        overlay_keys = set(overlay_old.plain) | set(overlay.scope(environment) if overlay else {})
        tenant_old = Values.of(reader, old_tenant, environment)
        return plan_copy(
            environment=environment, reader=reader, tenant=tenant, overlay=overlay,
            overlay_wanted=overlay_old, overlay_keys=overlay_keys,
            tenant_wanted=tenant_old, tenant_keys=self.references(script, [target]),
        )

    def _as_of(self, cls: type[Any], aggregate_id: Any, since: datetime | None,
               until: datetime | None, pointer: dict[str, str]) -> Any:
        """The aggregate as the release that ended at ``until`` saw it (None: as it is now):
        its last event before ``until``, leaving out the changes made with the move that ended
        it (marked for this pointer, after ``since``: no other move of it happened between)."""
        if until is None:
            return self.store.get(cls, aggregate_id)
        for event in self.store.app.events.get(aggregate_id, desc=True):
            if event.timestamp >= until:
                continue
            if getattr(event, "release", None) == pointer and since is not None and event.timestamp > since:
                continue
            return self.store.get_at(cls, aggregate_id, event.originator_version)
        return None

    @retried
    def promote_config(
        self, *, org: str, name: str, source: str, target: str, actor: str,
        keys: list[str] | None = None, include_tenant: bool = False, dry_run: bool = False,
        reason: str | None = None, incident: str | None = None,
        along: tuple[Aggregate, ...] = (), approval: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``config promote``: copy a script's ``overlay[FROM]`` to ``overlay[TO]`` as one event
        (with ``include_tenant`` also the referenced ``tenant[FROM]`` keys). ``dry_run`` plans.
        ``along`` and ``approval``: the change request whose last approval applies it."""
        script = self.store.script(org, name)
        tenant, overlay = self.store.tenant(org), self.store.overlay(org, name)
        versions = [d.current if d else None for d in
                    (self.store.deployment(org, name, source), self.store.deployment(org, name, target))]
        plan = self.plan_promotion(org, script, source, target, keys=keys, include_tenant=include_tenant,
                                   versions=versions, tenant=tenant, overlay=overlay)
        before = effective_values(tenant, overlay, self.secrets.reader(org))
        sealing = self.secrets.sealing(org, actor)
        why = {"approval": approval} if approval else {}
        changed = plan.apply(tenant, overlay, org, name, actor, sealing, reason=reason, incident=incident, **why)
        # Read under the ring the copy sealed with (a first ring is not saved yet).
        after = effective_values(changed[0] or tenant, changed[1] or overlay, Reader(self.secrets, org, sealing.ring))
        # A dry run drops the unsaved aggregates: the log is unchanged.
        position = self.store.save(*plan.pending, *changed, *along) if plan and not dry_run else None
        return {
            "script": name, "from": source, "to": target, "changes": plan.changes,
            "position": position, "dry_run": dry_run,
            "effective_changes": effective_changes(before, after),
        }

    def plan_config_restore(
        self, *, org: str, name: str, to: int | str, environment: str = "production"
    ) -> list[dict[str, Any]]:
        """The configuration changes ``version rollback --with-config`` would make (a plan)."""
        check_environment(environment)
        script = self.store.script(org, name)
        deployment = self.store.deployment(org, name, environment)
        if deployment is None:
            return []
        target = deployment.rollback_target(self.store.version_number(script, to))
        copy = self.plan_restore(org, script, deployment, target, self.store.tenant(org),
                                 self.store.overlay(org, name))
        return copy.changes
