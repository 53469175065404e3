"""Releases: what ran where, with what. One row per release of a script in an environment.

A release is a version run with one effective configuration. A pointer move (promote,
rollback) starts one; so does a configuration change that alters the script's effective
configuration there (``kind = 'config'``, same version). Each row holds the version, its
``content_sha256``, the ``config_sha256`` of the effective configuration (see
:func:`ledger.config.config_sha256`) and the short ``release`` id, valid from ``valid_from``
until the next release replaced it (NULL while it runs).

The fingerprint is computed from real values, with the ledger's own :func:`ledger.config.resolve`
over the tenant's variables and the script's overlay at the versions the log has reached at
this event (``repository.get(id, version=v)``; snapshots keep each load to a few events). So
each event costs what it touches: a move resolves one configuration, an overlay change the
script's environments that run something, a tenant change every running script of the scopes
it touched. Never a replay of the history.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.config import config_sha256, release_id, resolve
from ledger.deployment import Deployment
from ledger.script import Script
from ledger.times import utc_text
from ledger.variables import Overlay, TenantVariables
from projections.view import TrackedView

COLUMNS = (
    "id, org, script, environment, release, version, content_sha256, config_sha256, valid_from,"
    " valid_to, start_position, end_position, kind, actor, time, reason, incident"
)


class ReleasesView(TrackedView):
    tables = ("releases", "release_heads", "release_versions", "release_sources")
    indexes = {
        "releases_lookup": "releases (org, script, environment, valid_from, start_position)",
        "releases_started": "releases (start_position)",
    }

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS releases ("
            " id INTEGER PRIMARY KEY, org TEXT NOT NULL, script TEXT NOT NULL, environment TEXT NOT NULL,"
            " release TEXT NOT NULL, version INTEGER NOT NULL, content_sha256 TEXT,"
            " config_sha256 TEXT NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT,"
            " start_position INTEGER NOT NULL, end_position INTEGER, kind TEXT NOT NULL,"
            " actor TEXT NOT NULL, time TEXT NOT NULL, reason TEXT, incident TEXT)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS release_heads ("
            " org TEXT NOT NULL, script TEXT NOT NULL, environment TEXT NOT NULL,"
            " release_id INTEGER NOT NULL, PRIMARY KEY (org, script, environment))"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS release_versions ("
            " org TEXT NOT NULL, script TEXT NOT NULL, version INTEGER NOT NULL,"
            " content_sha256 TEXT NOT NULL, label TEXT, PRIMARY KEY (org, script, version))"
        )
        #: The version of each configuration aggregate (tenant, overlay) the log has reached.
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS release_sources ("
            " aggregate_id TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )

    # Writing -------------------------------------------------------------------

    def record_version(self, org: str, script: str, version: int, content_sha256: str, label: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO release_versions VALUES (?, ?, ?, ?, ?)",
            [org, script, version, content_sha256, label],
        )

    def relabel(self, org: str, script: str, version: int, label: str) -> None:
        self.db.execute(
            "UPDATE release_versions SET label = ? WHERE org = ? AND script = ? AND version = ?",
            [label, org, script, version],
        )

    def content_of(self, org: str, script: str, version: int) -> str | None:
        row = self.db.execute(
            "SELECT content_sha256 FROM release_versions WHERE org = ? AND script = ? AND version = ?",
            [org, script, version],
        ).fetchone()
        return None if row is None else str(row[0])

    def label_of(self, org: str, script: str, version: int) -> str | None:
        row = self.db.execute(
            "SELECT label FROM release_versions WHERE org = ? AND script = ? AND version = ?",
            [org, script, version],
        ).fetchone()
        return None if row is None else row[0]

    def begin_page(self, *args: Any, **kwargs: Any) -> None:
        super().begin_page(*args, **kwargs)
        #: Source versions read or written in this page (another process may write between pages).
        self._sources: dict[UUID, int | None] = {}

    def source_version(self, aggregate_id: UUID) -> int | None:
        sources = getattr(self, "_sources", None) if self._page_position is not None else None
        if sources is not None and aggregate_id in sources:
            return sources[aggregate_id]
        row = self.db.execute(
            "SELECT version FROM release_sources WHERE aggregate_id = ?", [str(aggregate_id)]
        ).fetchone()
        version = None if row is None else int(row[0])
        if sources is not None:
            sources[aggregate_id] = version
        return version

    def record_source(self, aggregate_id: UUID, version: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO release_sources VALUES (?, ?)", [str(aggregate_id), version])
        if self._page_position is not None:
            self._sources[aggregate_id] = version

    def head(self, org: str, script: str, environment: str) -> dict[str, Any] | None:
        rows = list(self.db.query(
            f"SELECT {COLUMNS} FROM releases WHERE id = ("
            " SELECT release_id FROM release_heads WHERE org = ? AND script = ? AND environment = ?)",
            [org, script, environment],
        ))
        return rows[0] if rows else None

    def running(self, org: str, script: str | None, environment: str | None) -> list[tuple[str, str]]:
        """(script, environment) of every release running in the org (optionally narrowed)."""
        sql, params = "SELECT script, environment FROM release_heads WHERE org = ?", [org]
        if script is not None:
            sql, params = sql + " AND script = ?", [*params, script]
        if environment is not None:
            sql, params = sql + " AND environment = ?", [*params, environment]
        return [(row[0], row[1]) for row in self.db.execute(sql, params)]

    def start(self, event: Any, position: int, script: str, environment: str, kind: str,
              version: int, config_sha: str) -> None:
        """Open a release (closing the one it replaces) at this event."""
        org = event.org
        at = utc_text(event.timestamp)
        current = self.head(org, script, environment)
        # Writers' clocks can disagree: a release never starts before the one it replaces.
        valid_from = max(at, current["valid_from"]) if current else at
        if current is not None:
            self.db.execute(
                "UPDATE releases SET valid_to = ?, end_position = ? WHERE id = ?",
                [valid_from, position, current["id"]],
            )
        content = self.content_of(org, script, version)
        cursor = self.db.execute(
            f"INSERT INTO releases ({COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?, ?, ?)",
            [org, script, environment, release_id(content, config_sha), version, content, config_sha,
             valid_from, position, kind, event.actor, at, getattr(event, "reason", None),
             getattr(event, "incident", None)],
        )
        self.db.execute(
            "INSERT OR REPLACE INTO release_heads VALUES (?, ?, ?, ?)",
            [org, script, environment, cursor.lastrowid]
        )

    # Queries -------------------------------------------------------------------

    def at(self, org: str, script: str, environment: str, instant: str) -> dict[str, Any] | None:
        rows = list(self.db.query(
            f"SELECT {COLUMNS} FROM releases WHERE org = ? AND script = ? AND environment = ?"
            " AND valid_from <= ? ORDER BY valid_from DESC, start_position DESC, id DESC LIMIT 1",
            [org, script, environment, instant],
        ))
        return rows[0] if rows else None

    def started_at(self, positions: list[int]) -> dict[int, dict[str, Any]]:
        """The releases the events at these positions started, by position."""
        found: dict[int, dict[str, Any]] = {}
        for i in range(0, len(positions), 500):
            chunk = positions[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.db.query(
                f"SELECT {COLUMNS} FROM releases WHERE start_position IN ({marks})"
                " AND kind IN ('promote', 'rollback')", chunk
            ):
                found[row["start_position"]] = row
        return found

    def config_releases(self, org: str, script: str, environment: str | None) -> list[dict[str, Any]]:
        """The configuration-only releases of a script (in one environment or all), each with
        the release it replaced (``previous_release``, ``previous_config_sha256``)."""
        columns = ", ".join(f"r.{c.strip()}" for c in COLUMNS.split(","))
        sql = (f"SELECT {columns}, p.release AS previous_release, p.config_sha256 AS previous_config_sha256"
               " FROM releases r LEFT JOIN releases p ON p.org = r.org AND p.script = r.script"
               " AND p.environment = r.environment AND p.end_position = r.start_position"
               " WHERE r.org = ? AND r.script = ? AND r.kind = 'config'")
        params: list[Any] = [org, script]
        if environment is not None:
            sql, params = sql + " AND r.environment = ?", [*params, environment]
        return list(self.db.query(sql + " ORDER BY r.start_position", params))

    def config_started_at(self, positions: list[int]) -> dict[int, list[dict[str, Any]]]:
        """The configuration-only releases the events at these positions started, by position."""
        found: dict[int, list[dict[str, Any]]] = {}
        for i in range(0, len(positions), 500):
            chunk = positions[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.db.query(
                f"SELECT {COLUMNS} FROM releases WHERE start_position IN ({marks}) AND kind = 'config'"
                " ORDER BY start_position, script, environment", chunk
            ):
                found.setdefault(row["start_position"], []).append(row)
        return found

    def history(self, org: str, script: str, environment: str) -> list[dict[str, Any]]:
        return list(self.db.query(
            f"SELECT {COLUMNS} FROM releases WHERE org = ? AND script = ? AND environment = ?"
            " ORDER BY valid_from, start_position",
            [org, script, environment],
        ))


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
        #: Configuration aggregates recently loaded, by (id, version): immutable once read.
        self._loaded: OrderedDict[tuple[UUID, int], Any] = OrderedDict()
        #: A tenant's values as one environment reads them, for its latest version seen.
        self._tenant_values: dict[tuple[UUID, int | None, str], dict[str, str]] = {}

    # Effective configuration at the log's current position ----------------------

    def _load(self, aggregate_id: UUID) -> Any:
        version = self.view.source_version(aggregate_id)
        if version is None:
            return None
        key = (aggregate_id, version)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        aggregate = self.app.repository.get(aggregate_id, version=version)
        self._loaded[key] = aggregate
        if len(self._loaded) > 512:
            self._loaded.popitem(last=False)
        return aggregate

    def config_sha(self, org: str, script: str, environment: str) -> str:
        """The fingerprint of the script's effective configuration there, now: resolved as the
        ledger resolves it, over the real values (sealed secrets opened by the ledger's reader)."""
        tenant = self._load(TenantVariables.create_id(org))
        overlay = self._load(Overlay.create_id(org, script))
        reader = self.app.secrets.reader(org)  # type: ignore[attr-defined]
        resolved = resolve(tenant, overlay, environment, reader)
        return config_sha256({k: reader.plain(v.value, v.place) for k, v in resolved.items()})

    def _config_changed(self, event: Any, tracking: Tracking, script: str | None) -> None:
        """After a configuration event: a new release wherever the effective config changed."""
        self.view.insert_tracking(tracking)
        self.view.record_source(event.originator_id, event.originator_version)
        scope = getattr(event, "environment", None)
        marked = getattr(event, "release", None)  # part of that pointer's move: one release
        for name, environment in self.view.running(event.org, script, scope):
            if marked and (marked["script"], marked["environment"]) == (name, environment):
                continue
            current = self.view.head(event.org, name, environment)
            assert current is not None
            config = self.config_sha(event.org, name, environment)
            if config != current["config_sha256"]:
                self.view.start(event, tracking.notification_id, name, environment, "config",
                                current["version"], config)

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



