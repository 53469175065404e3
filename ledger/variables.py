"""Configuration aggregates: an organization's tenant variables and each script's overlay.

A scope is the base (``None``) or one environment. Inside aggregate state the base
scope is stored under the key ``""`` so the state stays JSON-serialisable for snapshots.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.envelope import rebound
from ledger.names import aggregate_id

BASE = ""


def scope_key(environment: str | None) -> str:
    return environment or BASE


class TenantVariables(Aggregate):
    """Every tenant variable of one organization, in the base scope and per environment."""

    TOPIC = "revledger:TenantVariables"

    class Created(Aggregate.Created):
        TOPIC = "revledger:TenantVariables.Created"

    @staticmethod
    def create_id(org: str) -> UUID:
        return aggregate_id(org, "tenant-variables")

    @event("Started", topic="revledger:TenantVariables.Started")
    def __init__(self, org: str):
        self.org = org
        self.scopes: dict[str, dict[str, dict[str, Any]]] = {}

    class Changed(Aggregate.Event):
        TOPIC = "revledger:TenantVariables.Changed"
        org: str
        environment: str | None
        actor: str

    class VariablesSet(Changed):
        """Values set in one scope (``env set`` sets one, ``env import`` many)."""

        TOPIC = "revledger:TenantVariables.VariablesSet"
        values: dict[str, str]  # secret values sealed (ledger.envelope), others as they are
        secret_keys: list[str]
        source: str | None
        #: Every value's keyed fingerprint (None in events written before keys).
        fingerprints: dict[str, str] | None = None
        #: Why, and for which incident (config promote, rollback --with-config); None before.
        reason: str | None = None
        incident: str | None = None
        #: ``{"script", "environment"}`` when the change belongs to that pointer's move in the
        #: same transaction (one release, not two); None otherwise.
        release: dict[str, str] | None = None
        #: ``{"request", "requester", "approvers", "required"}`` when a change request's last
        #: approval applied it (issue 19); None otherwise.
        approval: dict[str, Any] | None = None

        def apply(self, aggregate: TenantVariables) -> None:
            scope = aggregate.scopes.setdefault(scope_key(self.environment), {})
            for key, value in self.values.items():
                scope[key] = {"value": rebound(value, self.originator_version),
                              "secret": key in self.secret_keys}

    class VariablesDeleted(Changed):
        TOPIC = "revledger:TenantVariables.VariablesDeleted"
        keys: list[str]
        reason: str | None = None
        incident: str | None = None
        release: dict[str, str] | None = None
        approval: dict[str, Any] | None = None

        def apply(self, aggregate: TenantVariables) -> None:
            scope = aggregate.scopes.get(scope_key(self.environment), {})
            for key in self.keys:
                scope.pop(key, None)

    def scope(self, environment: str | None) -> dict[str, dict[str, Any]]:
        return self.scopes.get(scope_key(environment), {})

    def is_marked_secret(self, key: str) -> bool:
        return any(scope.get(key, {}).get("secret") for scope in self.scopes.values())

    def set_values(
        self,
        environment: str | None,
        values: dict[str, str],
        secret_keys: list[str],
        actor: str,
        source: str | None = None,
        fingerprints: dict[str, str] | None = None,
        **why: Any,
    ) -> None:
        """``why``: optional ``reason``, ``incident``, ``release`` and ``approval`` (see the event)."""
        self.trigger_event(
            self.VariablesSet,
            org=self.org,
            environment=environment,
            actor=actor,
            values=values,
            secret_keys=sorted(secret_keys),
            source=source,
            fingerprints=fingerprints,
            **why,
        )

    def delete_keys(self, environment: str | None, keys: list[str], actor: str, **why: Any) -> None:
        self.trigger_event(
            self.VariablesDeleted, org=self.org, environment=environment, actor=actor, keys=keys, **why
        )


class Overlay(Aggregate):
    """One script's overlay over the tenant variables, in the base scope and per environment."""

    TOPIC = "revledger:Overlay"

    class Created(Aggregate.Created):
        TOPIC = "revledger:Overlay.Created"

    @staticmethod
    def create_id(org: str, script: str) -> UUID:
        return aggregate_id(org, "overlay", script)

    @event("Started", topic="revledger:Overlay.Started")
    def __init__(self, org: str, script: str):
        self.org = org
        self.script = script
        self.scopes: dict[str, dict[str, str]] = {}

    class OverlayUpdated(Aggregate.Event):
        """Scriptum's ``UpdateScriptEnv``: one set map and one delete list, applied together."""

        TOPIC = "revledger:Overlay.OverlayUpdated"
        org: str
        script: str
        environment: str | None
        actor: str
        set: dict[str, str]  # secret values sealed (ledger.envelope), others as they are
        delete: list[str]
        #: Every set value's keyed fingerprint (None in events written before keys).
        fingerprints: dict[str, str] | None = None
        reason: str | None = None
        incident: str | None = None
        #: As on the tenant's events: the pointer move this change belongs to, if any.
        release: dict[str, str] | None = None
        #: As on the tenant's events: the change request whose last approval applied it.
        approval: dict[str, Any] | None = None

        def apply(self, aggregate: Overlay) -> None:
            scope = aggregate.scopes.setdefault(scope_key(self.environment), {})
            for key in self.delete:
                scope.pop(key, None)
            scope.update({k: rebound(v, self.originator_version) for k, v in self.set.items()})

    def scope(self, environment: str | None) -> dict[str, str]:
        return self.scopes.get(scope_key(environment), {})

    def update(
        self, environment: str | None, set_: dict[str, str], delete: list[str], actor: str,
        fingerprints: dict[str, str] | None = None, **why: Any
    ) -> None:
        """``why``: optional ``reason``, ``incident``, ``release`` and ``approval`` (see the event)."""
        self.trigger_event(
            self.OverlayUpdated,
            org=self.org,
            script=self.script,
            environment=environment,
            actor=actor,
            set=set_,
            delete=delete,
            fingerprints=fingerprints,
            **why,
        )
