"""Tenant variables, script overlays and effective configuration: the ledger's configuration commands (:class:`Configuration`)."""

from __future__ import annotations

import dataclasses

from dataclasses import replace
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.aggregates import Aggregates
from ledger.retries import retried
from ledger.config import ResolvedVariable, looks_secret, resolve
from ledger.envfile import environment_named_by, parse_dotenv
from ledger.errors import InvalidInputError, NotFoundError
from ledger.names import ENVIRONMENTS, check_environment, check_org, check_scope, check_variable_name
from ledger.secrets import Reader, Secrets, place
from ledger.variables import Overlay, TenantVariables
from ledger.views import ConfigView, ImportView, OverlayView, VariableView



def check_import_scope(source: str, environment: str | None, base: bool) -> None:
    if base and environment is not None:
        raise InvalidInputError("give --environment or --base, not both")
    named = environment_named_by(source)
    if environment is None and not base and named is not None:
        raise InvalidInputError(
            f"{source} names the {named} environment but no scope was given: add --environment {named} "
            f"to import it there, or --base to import it into the base scope every environment reads"
        )


def tenant_effective(tenant: TenantVariables, environment: str) -> dict[str, str]:
    """The tenant's values as one environment reads them: tenant[ENV] over the base scope."""
    values = {k: v["value"] for k, v in tenant.scope(None).items()}
    values.update({k: v["value"] for k, v in tenant.scope(environment).items()})
    return values


def effective_changes(before: dict[str, dict[str, str]], tenant: TenantVariables,
                      reader: Reader) -> dict[str, list[str]]:
    """Per environment, the keys whose tenant value as that environment reads it changed
    (compared by fingerprint: a secret sealed again under a fresh nonce is unchanged)."""
    result = {}
    for env in ENVIRONMENTS:
        after = tenant_effective(tenant, env)
        result[env] = sorted(
            k for k in before[env].keys() | after.keys()
            if (k in before[env]) != (k in after)
            or (k in after and reader.fingerprint(before[env][k]) != reader.fingerprint(after[k])))
    return result


def _scope_name(environment: str | None) -> str:
    return "the base scope" if environment is None else environment



def overlay_update(set_: dict[str, str] | None, delete: list[str] | None) -> tuple[dict[str, str], list[str]]:
    """An overlay update's keys to set and to delete (each once), checked: valid names, at
    least one key, and no key both set and deleted."""
    set_, delete = dict(set_ or {}), list(dict.fromkeys(delete or []))
    for key in [*set_, *delete]:
        check_variable_name(key)
    if not set_ and not delete:
        raise InvalidInputError("nothing to update: give --set KEY=VALUE or --delete KEY")
    both = sorted(set(set_) & set(delete))
    if both:
        raise InvalidInputError(f"keys both set and deleted: {', '.join(both)}")
    return set_, delete


class Configuration:
    """Tenant variables, script overlays and the configuration they resolve to."""

    def __init__(self, store: Aggregates, secrets: Secrets) -> None:
        self.store = store
        self.secrets = secrets

    def _tenant(self, org: str) -> TenantVariables | None:
        check_org(org)
        return self.store.get(TenantVariables, TenantVariables.create_id(org))

    def _overlay(self, org: str, name: str) -> Overlay | None:
        return self.store.get(Overlay, Overlay.create_id(org, name))

    def _variable_view(
        self, tenant: TenantVariables, key: str, environment: str | None, reveal: bool,
        reader: Reader | None = None,
    ) -> VariableView:
        reader = reader or self.secrets.reader(tenant.org)
        entry = tenant.scope(environment)[key]
        secret = bool(entry["secret"]) or looks_secret(key)
        where = place(tenant.org, tenant.id, environment, key)
        return VariableView(
            key=key,
            value=reader.shown(entry["value"], secret, reveal, where),
            secret=secret,
            fingerprint=reader.fingerprint(entry["value"]),
            environment=environment,
        )

    def _set_values(
        self, tenant: TenantVariables, environment: str | None, values: dict[str, str],
        secret_keys: list[str], actor: str, source: str | None = None,
        along: tuple[Aggregate, ...] = (), **why: Any,
    ) -> int | None:
        """One event setting ``values``, the secret ones sealed; saved with any new key (and
        ``along``: the change request whose last approval this is, in the same transaction)."""
        sealing = self.secrets.sealing(tenant.org, actor)
        encrypt = {k for k in values if k in secret_keys or looks_secret(k)}
        stored, fingerprints = sealing.seal(tenant.id, environment, values, encrypt, tenant.version + 1)
        tenant.set_values(environment, stored, secret_keys, actor=actor, source=source,
                          fingerprints=fingerprints, **why)
        return self.store.save(*sealing.pending, tenant, *along)

    def effective_values(self, *, org: str, name: str, environment: str) -> dict[str, ResolvedVariable]:
        """The effective config with real values (for a run, or a release's digest); a
        shredded secret's value is ``<shredded>``."""
        check_environment(environment)
        reader = self.secrets.reader(org)
        resolved = resolve(self.store.tenant(org), self.store.overlay(org, name), environment, reader)
        return {key: replace(var, value=reader.plain(var.value, var.place)) for key, var in resolved.items()}

    # Tenant variables ----------------------------------------------------------

    @retried
    def set_variable(
        self,
        *,
        org: str,
        key: str,
        value: str,
        actor: str,
        environment: str | None = None,
        secret: bool = False,
        along: tuple[Aggregate, ...] = (),
        **why: Any,
    ) -> VariableView:
        """``along`` and ``why`` (``approval``): as :meth:`_set_values` and the event take them."""
        check_scope(environment)
        check_variable_name(key)
        tenant = self.store.tenant(org) or TenantVariables(org=org)
        # Once a key is secret it stays secret: a later plain `set` must not expose it.
        is_secret = secret or tenant.is_marked_secret(key)
        self._set_values(tenant, environment, {key: value}, [key] if is_secret else [], actor,
                         along=along, **why)
        return self._variable_view(tenant, key, environment, reveal=False)

    def get_variable(
        self, *, org: str, key: str, environment: str | None = None, reveal: bool = False
    ) -> VariableView:
        check_scope(environment)
        check_variable_name(key)
        tenant = self.store.tenant(org)
        if tenant is None or key not in tenant.scope(environment):
            raise NotFoundError(f"no variable {key!r} in {_scope_name(environment)}")
        return self._variable_view(tenant, key, environment, reveal)

    def list_variables(
        self, *, org: str, environment: str | None = None, reveal: bool = False
    ) -> list[VariableView]:
        check_scope(environment)
        tenant = self.store.tenant(org)
        if tenant is None:
            return []
        reader = self.secrets.reader(org)
        return [
            self._variable_view(tenant, key, environment, reveal, reader)
            for key in sorted(tenant.scope(environment))
        ]

    @retried
    def delete_variable(
        self, *, org: str, key: str, actor: str, environment: str | None = None,
        along: tuple[Aggregate, ...] = (), **why: Any,
    ) -> VariableView:
        view = self.get_variable(org=org, key=key, environment=environment)
        tenant = self.store.tenant(org)
        assert tenant is not None
        tenant.delete_keys(environment, [key], actor=actor, **why)
        self.store.save(tenant, *along)
        return view

    @retried
    def import_variables(
        self,
        *,
        org: str,
        text: str,
        actor: str,
        environment: str | None = None,
        source: str = ".env",
        base: bool = False,
    ) -> ImportView:
        """Import a .env text into one scope as one event. A file named for an environment
        (``.env.prod``…) is refused without a scope: the base scope is read by every
        environment, so it takes ``base=True`` (``--base``) to mean it."""
        check_scope(environment)
        values = parse_dotenv(text, source=source)
        check_import_scope(source, environment, base)
        return self.import_values(org=org, values=values, actor=actor, environment=environment,
                                  source=source)

    def import_values(
        self, *, org: str, values: dict[str, str], actor: str, environment: str | None,
        source: str, along: tuple[Aggregate, ...] = (), **why: Any,
    ) -> ImportView:
        """:meth:`import_variables` once the file is parsed (a change request applies this)."""
        tenant = self.store.tenant(org) or TenantVariables(org=org)
        current = tenant.scope(environment)
        reader = self.secrets.reader(org)

        def same(key: str) -> bool:
            where = place(org, tenant.id, environment, key)
            return reader.plain(current[key]["value"], where) == values[key]

        added = [k for k in values if k not in current]
        unchanged = [k for k in values if k in current and same(k)]
        kept = set(unchanged)
        changed = [k for k in values if k in current and k not in kept]
        before = {env: tenant_effective(tenant, env) for env in ENVIRONMENTS}
        position = None
        if added or changed:
            secrets = [k for k in values if tenant.is_marked_secret(k)]
            position = self._set_values(tenant, environment, values, secrets, actor, source, along, **why)
        return ImportView(
            environment=environment,
            added=len(added),
            changed=len(changed),
            unchanged=len(unchanged),
            keys=sorted(values),
            position=position,
            effective_changes=effective_changes(before, tenant, self.secrets.reader(org)),
        )

    # Script overlays -----------------------------------------------------------

    def get_overlay(
        self, *, org: str, name: str, environment: str | None = None, reveal: bool = False
    ) -> OverlayView:
        check_scope(environment)
        self.store.script(org, name)
        return self._overlay_view(org, name, environment, reveal)

    def _overlay_view(
        self,
        org: str,
        name: str,
        environment: str | None,
        reveal: bool,
        set_: list[str] | None = None,
        deleted: list[str] | None = None,
        position: int | None = None,
    ) -> OverlayView:
        overlay = self.store.overlay(org, name)
        tenant = self.store.tenant(org)
        values = overlay.scope(environment) if overlay else {}
        reader = self.secrets.reader(org)
        variables = {}
        for key in sorted(values):
            secret = looks_secret(key) or bool(tenant and tenant.is_marked_secret(key))
            where = place(org, Overlay.create_id(org, name), environment, key)
            variables[key] = {
                "value": reader.shown(values[key], secret, reveal, where),
                "secret": secret,
                "fingerprint": reader.fingerprint(values[key]),
            }
        return OverlayView(
            script=name,
            environment=environment,
            variables=variables,
            set=set_ or [],
            deleted=deleted or [],
            position=position,
        )

    @retried
    def update_overlay(
        self,
        *,
        org: str,
        name: str,
        actor: str,
        set_: dict[str, str] | None = None,
        delete: list[str] | None = None,
        environment: str | None = None,
        along: tuple[Aggregate, ...] = (),
        **why: Any,
    ) -> OverlayView:
        check_scope(environment)
        set_, delete = overlay_update(set_, delete)
        self.store.script(org, name)
        overlay = self.store.overlay(org, name) or Overlay(org=org, script=name)
        # Deleting a key that is not there is not an error (the update can be re-run): it is
        # reported under ``not_present``, and only the keys that are there are deleted.
        present = overlay.scope(environment)
        not_present = sorted(k for k in delete if k not in present)
        delete = [k for k in delete if k in present]
        position = None
        if set_ or delete:
            tenant = self.store.tenant(org)
            encrypt = {k for k in set_ if looks_secret(k) or (tenant and tenant.is_marked_secret(k))}
            sealing = self.secrets.sealing(org, actor)
            stored, fingerprints = sealing.seal(overlay.id, environment, set_, encrypt, overlay.version + 1)
            overlay.update(environment, stored, delete, actor=actor, fingerprints=fingerprints, **why)
            position = self.store.save(*sealing.pending, overlay, *along)
        view = self._overlay_view(
            org, name, environment, False, sorted(set_), sorted(delete), position
        )
        return dataclasses.replace(view, not_present=not_present)

    # Effective configuration ---------------------------------------------------

    def resolve_config(
        self,
        *,
        org: str,
        name: str,
        environment: str,
        reveal: bool = False,
        at: datetime | None = None,
        versions: tuple[int | None, int | None] | None = None,
    ) -> ConfigView:
        """Effective config now or, given the aggregates' ``versions`` at instant ``at``
        (None: it did not exist yet), as it was then."""
        check_environment(environment)
        self.store.script(org, name)
        if versions is None:
            tenant, overlay = self.store.tenant(org), self.store.overlay(org, name)
        else:
            tenant = self.store.get_at(TenantVariables, TenantVariables.create_id(org), versions[0])
            overlay = self.store.get_at(Overlay, Overlay.create_id(org, name), versions[1])
        reader = self.secrets.reader(org)
        resolved = resolve(tenant, overlay, environment, reader)
        if versions is not None:
            # A key marked secret later stays secret when looking back: secrecy is sticky.
            now = self.store.tenant(org)
            resolved = {
                key: replace(var, secret=var.secret or bool(now and now.is_marked_secret(key)))
                for key, var in resolved.items()
            }
        return ConfigView(
            script=name,
            environment=environment,
            variables={
                key: {
                    "value": reader.shown(var.value, var.secret, reveal, var.place),
                    "layer": var.layer,
                    "secret": var.secret,
                    "fingerprint": var.fingerprint,
                }
                for key, var in resolved.items()
            },
            at=at,
        )
