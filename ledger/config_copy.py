"""Copying configuration into one environment: ``config promote``, ``promote --with-config-from``
and ``version rollback --with-config`` all plan the same thing, a target ``overlay[ENV]`` (and
some ``tenant[ENV]`` keys) and the changes that get there, then record them as events.

A plan is pure data: each change is ``{"key", "op": add|change|remove, "layer", "secret",
"from_fingerprint", "to_fingerprint"}``; values are never in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.config import fingerprint, looks_secret, resolve
from ledger.envelope import is_sealed
from ledger.errors import RefusedError
from ledger.names import ENVIRONMENTS
from ledger.variables import Overlay, TenantVariables


@dataclass
class ConfigCopy:
    """What to write in ``environment``: overlay values to set or delete, tenant ones likewise."""

    environment: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    overlay_set: dict[str, str] = field(default_factory=dict)
    overlay_delete: list[str] = field(default_factory=list)
    tenant_set: dict[str, str] = field(default_factory=dict)
    tenant_delete: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def apply(
        self, tenant: TenantVariables | None, overlay: Overlay | None, org: str, script: str,
        actor: str, **why: Any,
    ) -> tuple[TenantVariables | None, Overlay | None]:
        """Record the copy on the aggregates (unsaved); returns those that changed, to save.
        ``why``: ``reason``, ``incident`` and ``release`` for the events."""
        changed_tenant = changed_overlay = None
        if self.overlay_set or self.overlay_delete:
            changed_overlay = overlay or Overlay(org=org, script=script)
            changed_overlay.update(self.environment, self.overlay_set, self.overlay_delete, actor=actor, **why)
        if self.tenant_set or self.tenant_delete:
            changed_tenant = tenant or TenantVariables(org=org)
            if self.tenant_set:
                secrets = [k for k in self.tenant_set if changed_tenant.is_marked_secret(k)]
                changed_tenant.set_values(self.environment, self.tenant_set, secrets, actor=actor,
                                          source="config promote", **why)
            if self.tenant_delete:
                changed_tenant.delete_keys(self.environment, self.tenant_delete, actor=actor, **why)
        return changed_tenant, changed_overlay


def plan_copy(
    *,
    environment: str,
    tenant: TenantVariables | None,
    overlay: Overlay | None,
    overlay_wanted: dict[str, str],
    overlay_keys: Iterable[str],
    tenant_wanted: dict[str, str],
    tenant_keys: Iterable[str],
) -> ConfigCopy:
    """The changes that make ``overlay[environment]`` hold ``overlay_wanted`` for each key of
    ``overlay_keys`` (absent = removed), and ``tenant[environment]`` likewise."""
    plan = ConfigCopy(environment)
    is_secret = secrecy(tenant)
    overlay_now = overlay.scope(environment) if overlay else {}
    tenant_now = {k: v["value"] for k, v in (tenant.scope(environment) if tenant else {}).items()}
    for layer, now, wanted, keys, to_set, to_delete in (
        (f"overlay[{environment}]", overlay_now, overlay_wanted, overlay_keys, plan.overlay_set, plan.overlay_delete),
        (f"tenant[{environment}]", tenant_now, tenant_wanted, tenant_keys, plan.tenant_set, plan.tenant_delete),
    ):
        for key in sorted(set(keys)):
            old, new = now.get(key), wanted.get(key)
            if old == new:
                continue
            if is_sealed(new) or is_sealed(old):
                raise RefusedError(
                    f"{key} is a secret, sealed for its own scope: configuration copies do not carry "
                    f"secrets yet; set it in {environment} with `env set`/`overlay update` (nothing changed)"
                )
            op = "add" if old is None else "remove" if new is None else "change"
            if new is None:
                to_delete.append(key)
            else:
                to_set[key] = new
            plan.changes.append({
                "key": key, "op": op, "layer": layer, "secret": is_secret(key),
                "from_fingerprint": None if old is None else fingerprint(old),
                "to_fingerprint": None if new is None else fingerprint(new),
            })
    return plan


def secrecy(tenant: TenantVariables | None) -> Callable[[str], bool]:
    return lambda key: looks_secret(key) or bool(tenant and tenant.is_marked_secret(key))


def effective_values(tenant: TenantVariables | None, overlay: Overlay | None) -> dict[str, dict[str, str]]:
    """The script's effective values in every environment (to compare before and after)."""
    return {env: {k: v.value for k, v in resolve(tenant, overlay, env).items()} for env in ENVIRONMENTS}


def effective_changes(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Per environment, the keys whose effective value changed."""
    return {
        env: sorted(k for k in before[env].keys() | after[env].keys() if before[env].get(k) != after[env].get(k))
        for env in ENVIRONMENTS
    }
