"""The releases read model's tables and queries (:class:`ReleasesView`); the projection that
writes them is :class:`projections.releases.Releases`.

``releases`` holds one row per release of a script in an environment, valid from ``valid_from``
until the next release replaced it (``valid_to`` NULL while it runs); ``release_heads`` points
at each pair's running one; ``release_versions`` keeps each version's content fingerprint and
label; ``release_sources`` the version of each configuration aggregate the log has reached.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.config import release_id
from ledger.times import utc_text
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
        contents = getattr(self, "_contents", None) if self._page_position is not None else None
        if contents is not None and (org, script, version) in contents:
            return contents[org, script, version]  # type: ignore[no-any-return]
        row = self.db.execute(
            "SELECT content_sha256 FROM release_versions WHERE org = ? AND script = ? AND version = ?",
            [org, script, version],
        ).fetchone()
        content = None if row is None else str(row[0])
        if contents is not None and content is not None:
            contents[org, script, version] = content  # a published version's content never changes
        return content

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
        #: Versions' content fingerprints read in this page.
        self._contents: dict[tuple[str, str, int], str] = {}
        self._page_token = object()

    @property
    def page(self) -> object | None:
        """A token for the page being written (None outside one): caches keyed to it last
        one page."""
        return getattr(self, "_page_token", None) if self._page_position is not None else None

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

    def running(self, org: str, script: str | None, environment: str | None) -> list[dict[str, Any]]:
        """The head (``script``, ``environment``, ``id``, ``version``, ``config_sha256``,
        ``valid_from``) of every release running in the org (optionally narrowed), in one query."""
        sql = ("SELECT h.script, h.environment, r.id, r.version, r.config_sha256, r.valid_from"
               " FROM release_heads h JOIN releases r ON r.id = h.release_id WHERE h.org = ?")
        params: list[Any] = [org]
        if script is not None:
            sql, params = sql + " AND h.script = ?", [*params, script]
        if environment is not None:
            sql, params = sql + " AND h.environment = ?", [*params, environment]
        names = ("script", "environment", "id", "version", "config_sha256", "valid_from")
        return [dict(zip(names, row)) for row in self.db.execute(sql + " ORDER BY h.script, h.environment", params)]

    def start(self, event: Any, position: int, script: str, environment: str, kind: str,
              version: int, config_sha: str, current: dict[str, Any] | None = None) -> None:
        """Open a release (closing the one it replaces, ``current`` if already read) at this event."""
        org = event.org
        at = utc_text(event.timestamp)
        current = current or self.head(org, script, environment)
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
