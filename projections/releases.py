"""Releases: what ran where, with what. One row per release of a script in an environment.

A release is a version run with one effective configuration. A pointer move (promote,
rollback) starts one; so does a configuration change that alters the script's effective
configuration there (``kind = 'config'``, same version). Each row holds the version, its
``content_sha256``, the ``config_sha256`` of the effective configuration (see
:func:`ledger.config.config_sha256`) and the short ``release`` id, valid from ``valid_from``
until the next release replaced it (NULL while it runs).

The fingerprint is computed from real values, layered as :func:`ledger.config.resolve` layers
them, over the tenant's variables and the script's overlay at the versions the log has reached
at this event (:mod:`projections.release_configs`: loaded once, advanced by the events
themselves, opened once per page). So each event costs what it touches: a move resolves one
configuration, an overlay change the script's environments that run something, a tenant change
every running script of the scopes it touched whose layers above do not shadow every key it
changed. Never a replay of the history. The tables are :class:`ReleasesView`'s.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.deployment import Deployment
from ledger.script import Script
from ledger.variables import Overlay, TenantVariables
from projections.release_configs import ReleaseConfigs, changed_keys, overlay_id, rank_of, tenant_id
from projections.releases_view import COLUMNS, ReleasesView

__all__ = ["COLUMNS", "Releases", "ReleasesView"]


class Releases(Projection[ReleasesView]):
    name = "releases"
    topics = (
        Script.VersionPublished.TOPIC,
        Script.VersionLabelled.TOPIC,
        Deployment.Promoted.TOPIC,
        Deployment.RolledBack.TOPIC,
        TenantVariables.Started.TOPIC,
        TenantVariables.VariablesSet.TOPIC,
        TenantVariables.VariablesDeleted.TOPIC,
        Overlay.Started.TOPIC,
        Overlay.OverlayUpdated.TOPIC,
    )

    def __init__(self, view: ReleasesView, app: Application[UUID]) -> None:
        super().__init__(view)
        self.app = app
        self.configs = ReleaseConfigs(view, app)

    def config_sha(self, org: str, script: str, environment: str) -> str:
        return self.configs.config_sha(org, script, environment)

    def _config_changed(self, event: Any, tracking: Tracking, script: str | None) -> None:
        """After a configuration event: a new release wherever the effective config changed
        (pairs where every changed key is shadowed by a higher layer are not resolved)."""
        self.view.insert_tracking(tracking)
        self.view.record_source(event.originator_id, event.originator_version)
        self.configs.advance(event)
        scope = getattr(event, "environment", None)
        marked = getattr(event, "release", None)  # part of that pointer's move: one release
        keys, rank = changed_keys(event), rank_of(event)
        tenant = self.configs.load(tenant_id(event.org))
        overlays: dict[str, Any] = {}
        for head in self.view.running(event.org, script, scope):
            name, environment = head["script"], head["environment"]
            if marked and (marked["script"], marked["environment"]) == (name, environment):
                continue
            if name not in overlays:
                overlays[name] = self.configs.load(overlay_id(event.org, name))
            if self.configs.shadowed(environment, keys, rank, tenant, overlays[name]):
                continue
            config = self.configs.config_sha(event.org, name, environment, (tenant, overlays[name]))
            if config != head["config_sha256"]:
                self.view.start(event, tracking.notification_id, name, environment, "config",
                                head["version"], config, head)

    # Handlers --------------------------------------------------------------------

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Script.VersionPublished, tracking: Tracking) -> None:
        e = domain_event
        self.view.insert_tracking(tracking)
        self.view.record_version(e.org, e.script, e.version, e.content_sha256, e.label)

    @process_event.register
    def _(self, domain_event: Script.VersionLabelled, tracking: Tracking) -> None:
        e = domain_event
        self.view.insert_tracking(tracking)
        self.view.relabel(e.org, e.script, e.version, e.label)

    @process_event.register
    def _(self, domain_event: Deployment.Moved, tracking: Tracking) -> None:
        e = domain_event
        self.view.insert_tracking(tracking)
        config = self.config_sha(e.org, e.script, e.environment)
        self.view.start(e, tracking.notification_id, e.script, e.environment, e.kind, e.version, config)

    @process_event.register
    def _(self, domain_event: TenantVariables.Changed, tracking: Tracking) -> None:
        self._config_changed(domain_event, tracking, None)

    @process_event.register
    def _(self, domain_event: TenantVariables.Started, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        self.view.record_source(domain_event.originator_id, domain_event.originator_version)

    @process_event.register
    def _(self, domain_event: Overlay.Started, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        self.view.record_source(domain_event.originator_id, domain_event.originator_version)

    @process_event.register
    def _(self, domain_event: Overlay.OverlayUpdated, tracking: Tracking) -> None:
        self._config_changed(domain_event, tracking, domain_event.script)



