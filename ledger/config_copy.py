"""Copying configuration into one environment: ``config promote``, ``promote --with-config-from``
and ``version rollback --with-config`` all plan the same thing, a target ``overlay[ENV]`` (and
some ``tenant[ENV]`` keys) and the changes that get there, then record them as events.

Secrets are copied too: every value is opened where it sits (its sealed value is bound to its
own scope, issue 16) and a secret is sealed again for the scope it goes to, when the copy is
applied. The plaintext stays inside the command: a plan is data without values, each change
``{"key", "op": add|change|remove, "layer", "secret", "from_fingerprint", "to_fingerprint"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.config import looks_secret, resolve
from ledger.envelope import SHREDDED, is_sealed
from ledger.errors import RefusedError
from ledger.names import ENVIRONMENTS
from ledger.secrets import Reader, Sealing, place
from ledger.variables import Overlay, TenantVariables


@dataclass(frozen=True)
class Values:
    """One scope's values opened (plaintext, never shown) and which of them were sealed there."""

    plain: dict[str, str] = field(default_factory=dict, repr=False)
    sealed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, reader: Reader, aggregate: TenantVariables | Overlay | None, environment: str | None) -> Values:
        if aggregate is None:
            return cls()
        raw = {k: v["value"] if isinstance(v, dict) else v for k, v in aggregate.scope(environment).items()}
        plain = {k: reader.plain(v, place(aggregate.org, aggregate.id, environment, k)) for k, v in raw.items()}
        return cls(plain, frozenset(k for k, v in raw.items() if is_sealed(v)))


@dataclass
class ConfigCopy:
    """What to write in ``environment``: overlay values to set or delete, tenant ones likewise.
    The values to set are plaintext until :meth:`apply` seals the secret ones for their scope."""

    environment: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    overlay_set: dict[str, str] = field(default_factory=dict, repr=False)
    overlay_delete: list[str] = field(default_factory=list)
    tenant_set: dict[str, str] = field(default_factory=dict, repr=False)
    tenant_delete: list[str] = field(default_factory=list)
    #: Keys to seal where they go: secret by name or marking, or sealed where they come from.
    secret_keys: set[str] = field(default_factory=set)
    #: Key aggregates the copy's sealing needs saved with it (a first key ring), set by apply.
    pending: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def apply(
        self, tenant: TenantVariables | None, overlay: Overlay | None, org: str, script: str,
        actor: str, sealing: Sealing, **why: Any,
    ) -> tuple[TenantVariables | None, Overlay | None]:
        """Record the copy on the aggregates (unsaved), the secrets sealed for the target scope;
        returns those that changed, to save after :attr:`pending`. ``why``: ``reason``,
        ``incident`` and ``release`` for the events."""
        changed_tenant = changed_overlay = None
        if self.overlay_set or self.overlay_delete:
            changed_overlay = overlay or Overlay(org=org, script=script)
            stored, fingerprints = sealing.seal(
                changed_overlay.id, self.environment, self.overlay_set,
                self.secret_keys & set(self.overlay_set), changed_overlay.version + 1)
            changed_overlay.update(self.environment, stored, self.overlay_delete, actor=actor,
                                   fingerprints=fingerprints if stored else None, **why)
        if self.tenant_set or self.tenant_delete:
            changed_tenant = tenant or TenantVariables(org=org)
            if self.tenant_set:
                marked = [k for k in self.tenant_set if changed_tenant.is_marked_secret(k)]
                stored, fingerprints = sealing.seal(
                    changed_tenant.id, self.environment, self.tenant_set,
                    self.secret_keys & set(self.tenant_set), changed_tenant.version + 1)
                changed_tenant.set_values(self.environment, stored, marked, actor=actor,
                                          source="config promote", fingerprints=fingerprints, **why)
            if self.tenant_delete:
                changed_tenant.delete_keys(self.environment, self.tenant_delete, actor=actor, **why)
        self.pending = list(sealing.pending) if (changed_tenant or changed_overlay) else []
        return changed_tenant, changed_overlay


def plan_copy(
    *,
    environment: str,
    reader: Reader,
    tenant: TenantVariables | None,
    overlay: Overlay | None,
    overlay_wanted: Values,
    overlay_keys: Iterable[str],
    tenant_wanted: Values,
    tenant_keys: Iterable[str],
) -> ConfigCopy:
    """The changes that make ``overlay[environment]`` hold ``overlay_wanted`` for each key of
    ``overlay_keys`` (absent = removed), and ``tenant[environment]`` likewise. Values are
    compared opened; fingerprints are the organization's keyed ones."""
    plan = ConfigCopy(environment)
    is_secret = secrecy(tenant)
    for layer, now, wanted, keys, to_set, to_delete in (
        (f"overlay[{environment}]", Values.of(reader, overlay, environment), overlay_wanted, overlay_keys,
         plan.overlay_set, plan.overlay_delete),
        (f"tenant[{environment}]", Values.of(reader, tenant, environment), tenant_wanted, tenant_keys,
         plan.tenant_set, plan.tenant_delete),
    ):
        for key in sorted(set(keys)):
            old, new = now.plain.get(key), wanted.plain.get(key)
            if old == new:
                continue
            if new == SHREDDED:
                raise RefusedError(
                    f"{key}'s value was shredded with its data key: it cannot be copied to {environment};"
                    f" set it there with `env set`/`overlay update` (nothing changed)"
                )
            secret = is_secret(key) or key in wanted.sealed or key in now.sealed
            op = "add" if old is None else "remove" if new is None else "change"
            if new is None:
                to_delete.append(key)
            else:
                to_set[key] = new
                if secret:
                    plan.secret_keys.add(key)
            plan.changes.append({
                "key": key, "op": op, "layer": layer, "secret": secret,
                "from_fingerprint": None if old is None else reader.fingerprint(old),
                "to_fingerprint": None if new is None else reader.fingerprint(new),
            })
    return plan


def secrecy(tenant: TenantVariables | None) -> Callable[[str], bool]:
    return lambda key: looks_secret(key) or bool(tenant and tenant.is_marked_secret(key))


def effective_values(
    tenant: TenantVariables | None, overlay: Overlay | None, reader: Reader
) -> dict[str, dict[str, str]]:
    """The script's effective values in every environment, opened (to compare before and after)."""
    return {
        env: {k: reader.plain(v.value, v.place) for k, v in resolve(tenant, overlay, env).items()}
        for env in ENVIRONMENTS
    }


def effective_changes(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Per environment, the keys whose effective value changed."""
    return {
        env: sorted(k for k in before[env].keys() | after[env].keys() if before[env].get(k) != after[env].get(k))
        for env in ENVIRONMENTS
    }
