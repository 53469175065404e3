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
from projections.view import TrackedView, event_time

COLUMNS = (
    "id, org, script, environment, release, version, content_sha256, config_sha256, valid_from,"
    " valid_to, start_position, end_position, kind, actor, time, reason, incident"
)

_CLOSE = "UPDATE releases SET valid_to = ?, end_position = ? WHERE id = ?"
_INSERT = (f"INSERT INTO releases ({COLUMNS})"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_HEAD = "INSERT OR REPLACE INTO release_heads VALUES (?, ?, ?, ?)"
#: Releases started in a page and not yet written, at most.
PENDING_MAX = 2_000


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
        self._discard_pending()

    # Releases started in a page are written in bulk (one ``executemany`` per statement) before
    # anything reads the tables and at the end of the page, with the ids SQLite would give them
    # one by one (the largest id so far plus one), so the rows are exactly the same.

    def _discard_pending(self) -> None:
        self._next_id: int | None = None
        #: Within a page: org -> script -> environment -> its running head, as ``running`` reads it.
        self._running: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        self._closing: list[list[Any]] = []
        self._opening: list[list[Any]] = []
        self._heads: list[list[Any]] = []

    def _flush(self) -> None:
        if getattr(self, "_opening", None):
            conn = self.db.conn
            conn.executemany(_CLOSE, self._closing)
            conn.executemany(_INSERT, self._opening)
            conn.executemany(_HEAD, self._heads)
            self._closing, self._opening, self._heads = [], [], []

    def end_page(self) -> None:
        self._flush()
        self._discard_pending()
        super().end_page()

    def abandon_page(self) -> None:
        self._discard_pending()
        super().abandon_page()

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
        self._flush()
        rows = list(self.db.query(
            f"SELECT {COLUMNS} FROM releases WHERE id = ("
            " SELECT release_id FROM release_heads WHERE org = ? AND script = ? AND environment = ?)",
            [org, script, environment],
        ))
        return rows[0] if rows else None

    def running(self, org: str, script: str | None, environment: str | None) -> list[dict[str, Any]]:
        """The head (``script``, ``environment``, ``id``, ``version``, ``config_sha256``,
        ``valid_from``) of every release running in the org (optionally narrowed), in one query
        (within a page, once per org: the page's own releases keep it current)."""
        heads = self._page_heads(org)
        if heads is not None:
            found = []
            for name in [script] if script is not None else sorted(heads):
                pairs = heads.get(name, {})
                found += [pairs[e] for e in sorted(pairs) if environment is None or e == environment]
            return found
        return self._read_running(org, script, environment)

    def _read_running(self, org: str, script: str | None, environment: str | None) -> list[dict[str, Any]]:
        self._flush()
        sql = ("SELECT h.script, h.environment, r.id, r.version, r.config_sha256, r.valid_from"
               " FROM release_heads h JOIN releases r ON r.id = h.release_id WHERE h.org = ?")
        params: list[Any] = [org]
        if script is not None:
            sql, params = sql + " AND h.script = ?", [*params, script]
        if environment is not None:
            sql, params = sql + " AND h.environment = ?", [*params, environment]
        names = ("script", "environment", "id", "version", "config_sha256", "valid_from")
        return [dict(zip(names, row)) for row in self.db.execute(sql + " ORDER BY h.script, h.environment", params)]

    def _page_heads(self, org: str) -> dict[str, dict[str, dict[str, Any]]] | None:
        if self._page_position is None:
            return None
        heads = self._running.get(org)
        if heads is None:
            heads = self._running[org] = {}
            for head in self._read_running(org, None, None):
                heads.setdefault(head["script"], {})[head["environment"]] = head
        return heads

    def start(self, event: Any, position: int, script: str, environment: str, kind: str,
              version: int, config_sha: str, current: dict[str, Any] | None = None) -> None:
        """Open a release (closing the one it replaces, ``current`` if already read) at this event."""
        org = event.org
        at = event_time(event)  # once per event, however many releases it starts
        if current is None:
            heads = self._page_heads(org)
            current = self.head(org, script, environment) if heads is None else heads.get(script, {}).get(environment)
        # Writers' clocks can disagree: a release never starts before the one it replaces.
        valid_from = max(at, current["valid_from"]) if current else at
        content = self.content_of(org, script, version)
        row = [org, script, environment, release_id(content, config_sha), version, content, config_sha,
               valid_from, position, kind, event.actor, at, getattr(event, "reason", None),
               getattr(event, "incident", None)]
        if self._page_position is None:  # outside a page: one row now
            if current is not None:
                self.db.execute(_CLOSE, [valid_from, position, current["id"]])
            cursor = self.db.execute(_INSERT, [None, *row[:8], None, row[8], None, *row[9:]])
            self.db.execute(_HEAD, [org, script, environment, cursor.lastrowid])
            return
        if self._next_id is None:
            self._next_id = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM releases").fetchone()[0]
        if current is not None:
            first = self._next_id - len(self._opening)
            if current["id"] >= first:  # started in this page and not written yet: close it there
                opened = self._opening[current["id"] - first]
                opened[9], opened[11] = valid_from, position  # valid_to, end_position
            else:
                self._closing.append([valid_from, position, current["id"]])
        self._opening.append([self._next_id, *row[:8], None, row[8], None, *row[9:]])
        self._heads.append([org, script, environment, self._next_id])
        if org in self._running:  # always, within a page (start read it)
            self._running[org].setdefault(script, {})[environment] = {
                "script": script, "environment": environment, "id": self._next_id, "version": version,
                "config_sha256": config_sha, "valid_from": valid_from,
            }
        self._next_id += 1
        if len(self._opening) >= PENDING_MAX:  # memory stays bounded, however many a page starts
            self._flush()

    # Queries -------------------------------------------------------------------

    def at(self, org: str, script: str, environment: str, instant: str) -> dict[str, Any] | None:
        self._flush()
        rows = list(self.db.query(
            f"SELECT {COLUMNS} FROM releases WHERE org = ? AND script = ? AND environment = ?"
            " AND valid_from <= ? ORDER BY valid_from DESC, start_position DESC, id DESC LIMIT 1",
            [org, script, environment, instant],
        ))
        return rows[0] if rows else None

    def started_at(self, positions: list[int]) -> dict[int, dict[str, Any]]:
        """The releases the events at these positions started, by position."""
        self._flush()
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
        self._flush()
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
        self._flush()
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
        self._flush()
        return list(self.db.query(
            f"SELECT {COLUMNS} FROM releases WHERE org = ? AND script = ? AND environment = ?"
            " ORDER BY valid_from, start_position",
            [org, script, environment],
        ))
