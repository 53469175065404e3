"""Environment-scoped configuration writes through change requests (:class:`ConfigRequests`).

With ``approvals.<environment>`` above 0, ``env set``, ``env delete``, ``env import`` and
``overlay update`` scoped to that environment, and ``config promote`` into it, record a
:class:`ChangeRequest` instead of writing. The request holds the exact command; the four
writes in one shape: ``set`` (values), ``delete`` (keys), each value's ``fingerprints``. Their
secret values are sealed (issue 16's envelope, :mod:`ledger.envelope`) for the request itself:
bound to the organization, the request's id, the scope and the key, so no event holds them in
plaintext; outputs show them masked (:func:`ledger.request_view.masked`), by fingerprint. A
config promote holds no values: its plan holds the copy's fingerprints, which must be the same
when the last approval makes the copy.

The plan records each key's fingerprint when requested; the last approval opens the values
and writes them in the same transaction as the requester's write, its event recording the
approval, unless one of those keys changed meanwhile (the request then says which, and
nothing is written). A write that would change nothing writes nothing and needs no request.
The base scope, read by every environment, is not covered.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import uuid4

from ledger.access import change_role
from ledger.aggregates import Aggregates
from ledger.change_request import ChangeRequest
from ledger.config import looks_secret
from ledger.configuration import Configuration, check_import_scope, overlay_update
from ledger.envelope import SHREDDED, is_sealed
from ledger.envfile import parse_dotenv
from ledger.errors import ConflictError, RefusedError
from ledger.names import check_scope, check_variable_name
from ledger.policy_settings import duration_seconds
from ledger.request_view import request_view
from ledger.retries import retried
from ledger.releasing import Releasing
from ledger.safety import Safety
from ledger.secrets import Reader, Secrets, place
from ledger.variables import TenantVariables
from ledger.views import View


class ConfigRequests:
    """Tenant-variable and overlay writes, through a change request when the policy asks."""

    def __init__(self, store: Aggregates, safety: Safety, configuration: Configuration,
                 secrets: Secrets, releasing: Releasing) -> None:
        self.store = store
        self.safety = safety
        self.configuration = configuration
        self.secrets = secrets
        self.releasing = releasing

    def required(self, org: str, environment: str | None) -> int:
        if environment is None:
            return 0
        check_scope(environment)
        return int(self.safety.get_policy(org=org)[f"approvals.{environment}"])

    # Covered commands --------------------------------------------------------------

    def set_variable(self, *, org: str, key: str, value: str, actor: str,
                     environment: str | None = None, secret: bool = False) -> View:
        """Set a tenant variable, or (approvals on for its environment) request to."""
        if not self.required(org, environment):
            return self.configuration.set_variable(org=org, key=key, value=value, actor=actor,
                                                   environment=environment, secret=secret)
        check_variable_name(key)
        command = {"operation": "env.set", "environment": environment, "secret": secret}
        return self._request(org, actor, command, {key: value}, [], secret_keys={key} if secret else set(),
                             unchanged=lambda: self.configuration.get_variable(
                                 org=org, key=key, environment=environment))

    def delete_variable(self, *, org: str, key: str, actor: str, environment: str | None = None) -> View:
        """Delete a tenant variable from one scope, or (approvals on) request to."""
        if not self.required(org, environment):
            return self.configuration.delete_variable(org=org, key=key, actor=actor, environment=environment)
        self.configuration.get_variable(org=org, key=key, environment=environment)  # there, or 404
        return self._request(org, actor, {"operation": "env.delete", "environment": environment}, {}, [key])

    def import_variables(self, *, org: str, text: str, actor: str, environment: str | None = None,
                         source: str = ".env", base: bool = False) -> View:
        """Import a .env text into one scope, or (approvals on) request to."""
        if not self.required(org, environment):
            return self.configuration.import_variables(org=org, text=text, actor=actor,
                                                       environment=environment, source=source, base=base)
        values = parse_dotenv(text, source=source)
        check_import_scope(source, environment, base)
        command = {"operation": "env.import", "environment": environment, "source": source}
        return self._request(org, actor, command, values, [])

    def update_overlay(self, *, org: str, name: str, actor: str, set_: dict[str, str] | None = None,
                       delete: list[str] | None = None, environment: str | None = None) -> View:
        """Set and delete overlay keys in one event, or (approvals on) request to; deleting a
        key that is not there is not a change."""
        if not self.required(org, environment):
            return self.configuration.update_overlay(org=org, name=name, actor=actor, set_=set_,
                                                     delete=delete, environment=environment)
        set_, delete = overlay_update(set_, delete)
        self.store.script(org, name)
        present = self._current(environment, name, org=org)
        command = {"operation": "overlay.update", "environment": environment, "script": name}
        absent = sorted(k for k in delete if k not in present)
        return self._request(org, actor, command, set_, [k for k in delete if k in present],
                             script=name, unchanged=lambda: dataclasses.replace(
                                 self.configuration.get_overlay(org=org, name=name, environment=environment),
                                 not_present=absent))

    def promote_config(self, *, org: str, name: str, source: str, target: str, actor: str,
                       keys: list[str] | None = None, include_tenant: bool = False, dry_run: bool = False,
                       reason: str | None = None, incident: str | None = None) -> dict[str, Any] | View:
        """``config promote``, or (approvals on for ``target``) a request to make this copy."""
        copy = dict(org=org, name=name, source=source, target=target, actor=actor, keys=keys,
                    include_tenant=include_tenant, reason=reason, incident=incident)
        if dry_run or not self.required(org, target):
            return self.releasing.promote_config(**copy, dry_run=dry_run)
        planned = self.releasing.promote_config(**copy, dry_run=True)
        if not planned["changes"]:
            return self.releasing.promote_config(**copy)
        command = {"operation": "config.promote", "environment": target, "source": source, "keys": keys,
                   "include_tenant": include_tenant, "reason": reason, "incident": incident}
        plan = {"kind": "config", "operation": "config.promote", "script": name, "environment": target,
                "layer": f"overlay[{target}]", "changes": planned["changes"], "changed": True}
        return self._open(org, actor, command, plan, name, ())

    def _copy_now(self, request: ChangeRequest, **extra: Any) -> dict[str, Any]:
        command = request.command
        return Releasing.promote_config.__wrapped__(  # type: ignore[attr-defined, no-any-return]
            self.releasing, org=request.org, name=request.script, source=command["source"],
            target=command["environment"], actor=request.requester, keys=command["keys"],
            include_tenant=command["include_tenant"], reason=command["reason"],
            incident=command["incident"], **extra)

    def _check_copy_unchanged(self, request: ChangeRequest) -> None:
        now = self._copy_now(request, dry_run=True)["changes"]
        if now != request.plan["changes"]:
            shown = ", ".join(f"{c['op']} {c['key']} in {c['layer']}" for c in now) or "nothing"
            raise ConflictError(f"the configuration changed since the request: the copy would now be {shown}; "
                                "nothing was written")

    def _open(self, org: str, actor: str, command: dict[str, Any], plan: dict[str, Any],
              script: str | None, pending: Any, request_id: Any = None) -> View:
        environment = command["environment"]
        policy = self.safety.get_policy(org=org)
        request = ChangeRequest.open(
            request_id=request_id, expires_in=duration_seconds(policy["approvals.expiry"]), org=org,
            environment=environment, operation=command["operation"], script=script, command=command,
            plan=plan, requester=actor, required=int(policy[f"approvals.{environment}"]),
            role=change_role(environment),
        )
        return request_view(request, position=self.store.save(*pending, request))

    @retried
    def _request(self, org: str, actor: str, command: dict[str, Any], values: dict[str, str],
                 delete: list[str], *, secret_keys: set[str] = frozenset(),  # type: ignore[assignment]
                 script: str | None = None, unchanged: Any = None) -> View:
        """Record the request, its secret values sealed for it; or, when nothing would change,
        write nothing: the ``unchanged`` answer (else the import's, which writes nothing then)."""
        environment = command["environment"]
        request_id = uuid4()
        sealing = self.secrets.sealing(org, actor)
        tenant = self.store.tenant(org)
        encrypt = {k for k in values if k in secret_keys or looks_secret(k)
                   or (tenant is not None and tenant.is_marked_secret(k))}
        stored, fingerprints = sealing.seal(request_id, environment, values, encrypt, ChangeRequest.INITIAL_VERSION)
        command = {**command, "set": stored, "delete": sorted(delete), "fingerprints": fingerprints}
        plan = self._plan(org, command, Reader(self.secrets, org, sealing.ring), tenant)
        if not plan["changed"]:
            return unchanged() if unchanged else self._write(org, command, values, actor)
        return self._open(org, actor, command, plan, script, sealing.pending, request_id)

    # The plan ------------------------------------------------------------------------

    def _current(self, environment: str, script: str | None, *, org: str,
                 tenant: TenantVariables | None = None) -> dict[str, str]:
        """The stored values of the scope the command writes (overlay[ENV], or tenant[ENV] of
        ``tenant``, the organization's as loaded)."""
        if script is not None:
            overlay = self.store.overlay(org, script)
            return dict(overlay.scope(environment)) if overlay else {}
        return {k: v["value"] for k, v in tenant.scope(environment).items()} if tenant else {}

    def _plan(self, org: str, command: dict[str, Any], reader: Reader,
              tenant: TenantVariables | None) -> dict[str, Any]:
        """Each key's fingerprint now, and the changes (values never in it); ``tenant``: the
        organization's variables as just loaded (loading them is most of a request's cost)."""
        environment, script = command["environment"], command.get("script")
        layer = f"{'overlay' if script else 'tenant'}[{environment}]"
        now = self._current(environment, script, org=org, tenant=tenant)
        keys = sorted({*command["set"], *command["delete"]})
        current = {k: reader.fingerprint(now[k]) if k in now else None for k in keys}
        changes = []
        for key in keys:
            old, new = current[key], command["fingerprints"].get(key) if key in command["set"] else None
            marking = command.get("secret") and not (tenant and tenant.is_marked_secret(key))
            if old == new and not marking:  # (``env set --secret`` of the same value marks it secret)
                continue
            changes.append({
                "key": key, "op": "add" if old is None else "remove" if new is None else "change",
                "layer": layer, "from_fingerprint": old, "to_fingerprint": new,
                "secret": is_sealed(command["set"].get(key)) or looks_secret(key)
                or bool(tenant and tenant.is_marked_secret(key)),
            })
        return {"kind": "config", "operation": command["operation"], "script": script,
                "environment": environment, "layer": layer, "current_fingerprints": current,
                "changes": changes, "changed": bool(changes)}

    def plan_now(self, request: ChangeRequest) -> dict[str, Any]:
        """The plan as it would apply now, or ``{"error": why}`` if it no longer holds."""
        try:
            if request.operation == "config.promote":
                self._check_copy_unchanged(request)
                return request.plan
            self._check_unchanged(request)
        except ConflictError as error:
            return {"error": error.message}
        return self._plan(request.org, request.command, self.secrets.reader(request.org),
                          self.store.tenant(request.org))

    def _check_unchanged(self, request: ChangeRequest) -> None:
        now = self._plan(request.org, request.command, self.secrets.reader(request.org),
                         self.store.tenant(request.org))
        before = request.plan["current_fingerprints"]
        moved = [k for k in sorted(before) if now["current_fingerprints"][k] != before[k]]
        if moved:
            shown = ", ".join(f"{k} ({before[k] or 'absent'} → {now['current_fingerprints'][k] or 'absent'})"
                              for k in moved)
            raise ConflictError(f"{now['layer']} changed since the request: {shown}; nothing was written")

    # Applying ------------------------------------------------------------------------

    def apply(self, request: ChangeRequest) -> tuple[dict[str, Any], int | None]:
        """Write what the request asked, saved with ``request`` (its Applied event) in one
        transaction; a LedgerError if the plan no longer holds. (The applied view, position.)"""
        approval = {"request": str(request.id), "requester": request.requester,
                    "approvers": request.approvers, "required": request.required}
        if request.operation == "config.promote":
            self._check_copy_unchanged(request)
            copied = self._copy_now(request, along=(request,), approval=approval)
            if request.pending_events:  # (the check above makes this the same non-empty copy)
                return copied, self.store.save(request)
            return copied, copied["position"]
        self._check_unchanged(request)
        command, reader = request.command, self.secrets.reader(request.org)
        values = {}
        for key, stored in command["set"].items():
            value = reader.plain(stored, place(request.org, request.id, command["environment"], key))
            if value == SHREDDED:
                raise RefusedError(f"the requested value of {key} was shredded with the organization's "
                                   "keys: nothing was written; request the change again")
            values[key] = value
        view = self._write(request.org, command, values, request.requester, along=(request,),
                           approval=approval)
        position = getattr(view, "position", None)
        if request.pending_events:  # nothing was written after all: the request alone
            position = self.store.save(request)
        return view.to_dict(), position

    def _write(self, org: str, command: dict[str, Any], values: dict[str, str], actor: str,
               along: tuple[Any, ...] = (), **why: Any) -> View:
        """The write itself, as the direct commands make it (their retry is the caller's);
        ``why``: the ``approval`` the applied event records."""
        config, environment = self.configuration, command["environment"]
        operation = command["operation"]
        if operation == "env.set":
            [(key, value)] = values.items()
            return Configuration.set_variable.__wrapped__(  # type: ignore[attr-defined, no-any-return]
                config, org=org, key=key, value=value, actor=actor, environment=environment,
                secret=command["secret"], along=along, **why)
        if operation == "env.delete":
            return Configuration.delete_variable.__wrapped__(  # type: ignore[attr-defined, no-any-return]
                config, org=org, key=command["delete"][0], actor=actor, environment=environment,
                along=along, **why)
        if operation == "env.import":
            return config.import_values(org=org, values=values, actor=actor, environment=environment,
                                        source=command["source"], along=along, **why)
        return Configuration.update_overlay.__wrapped__(  # type: ignore[attr-defined, no-any-return]
            config, org=org, name=command["script"], actor=actor, set_=values,
            delete=command["delete"], environment=environment, along=along, **why)
