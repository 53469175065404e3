"""Log records correlated with revisions: a read-model table fed by imports, not by events.

Each imported record (see :mod:`projections.log_records`) is annotated with the version its
script ran in its environment at its timestamp (the same O(log n) interval seek as ``at``)
and a fingerprint of the effective config in effect then. A batch is applied in one
transaction: the first malformed record rejects it whole, naming its line.

Logs do not come from the event log, so ``projections rebuild`` leaves them alone; their
annotations come from the read models and are recomputed whenever a change lands at or
before a record's timestamp after it was annotated (``refresh``), or on demand (``reannotate``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.names import check_org
from ledger.variables import Overlay, TenantVariables
from projections.log_records import MalformedLogError, NotJson, json_lines, validate_record
from projections.log_summary import LogSummary
from projections.view import exclusive

if TYPE_CHECKING:
    from projections.service import Projections

_COLUMNS = (
    "org", "script", "environment", "ts", "status", "level", "error", "duration_ms", "run_id",
    "message", "version", "interval_position", "config_fingerprint", "batch", "record_key",
)
_PAGE = 1000


class Annotator:
    """Version, interval and config fingerprint in effect for (script, environment) at an instant.

    Two index seeks per record (the pointer interval, the config aggregates' versions);
    the effective config is resolved once per (script, environment, tenant version, overlay
    version), so a large import loads each configuration at most once.
    """

    def __init__(self, projections: Projections, org: str) -> None:
        self.projections = projections
        self.org = org
        self._fingerprints: dict[tuple[str, str, int | None, int | None], str] = {}

    def __call__(self, script: str, environment: str, ts: str) -> tuple[int | None, int | None, str]:
        interval = self.projections.pointers.view.interval_at(self.org, script, environment, ts)
        timestamps = self.projections.timestamps.view
        tenant = timestamps.version_at(TenantVariables.create_id(self.org), ts)
        overlay = timestamps.version_at(Overlay.create_id(self.org, script), ts)
        key = (script, environment, tenant, overlay)
        if key not in self._fingerprints:
            config = self.projections.ledger.resolve_config(
                org=self.org, name=script, environment=environment, versions=(tenant, overlay)
            )
            pairs = "\n".join(f"{k}={v['fingerprint']}" for k, v in sorted(config.variables.items()))
            self._fingerprints[key] = hashlib.sha256(pairs.encode("utf-8")).hexdigest()[:8]
        if interval is None:
            return None, None, self._fingerprints[key]
        return interval["version"], interval["start_position"], self._fingerprints[key]


class Logs:
    """Import, annotate and query the log records of one ledger's projections (and summarise
    them, through a :class:`~projections.log_summary.LogSummary` over these records)."""

    def __init__(self, projections: Projections) -> None:
        self.projections = projections
        self.db = projections.db
        self.summaries = LogSummary(self, projections.check_script)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS log_records ("
            " id INTEGER PRIMARY KEY, org TEXT NOT NULL, script TEXT NOT NULL,"
            " environment TEXT NOT NULL, ts TEXT NOT NULL, status TEXT, level TEXT,"
            " error INTEGER NOT NULL, duration_ms REAL, run_id TEXT, message TEXT,"
            " version INTEGER, interval_position INTEGER, config_fingerprint TEXT,"
            " batch TEXT NOT NULL, record_key TEXT NOT NULL UNIQUE)"
        )
        self.db.execute(
            "CREATE INDEX IF NOT EXISTS log_records_lookup ON log_records"
            " (org, environment, script, ts)"
        )
        self.db.execute("CREATE INDEX IF NOT EXISTS log_records_time ON log_records (org, ts)")
        # Per org: the log position the annotations are correct for.
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS log_annotations (org TEXT PRIMARY KEY, position INTEGER NOT NULL)"
        )

    def summary(
        self,
        *,
        org: str,
        name: str,
        environment: str,
        since: datetime | None = None,
        until: datetime | None = None,
        bucket: timedelta | None = None,
    ) -> dict[str, Any]:
        """The summary of a script's records in an environment (see :class:`LogSummary`)."""
        return self.summaries.summary(
            org=org, name=name, environment=environment, since=since, until=until, bucket=bucket
        )

    # Import -----------------------------------------------------------------------

    def import_lines(self, *, org: str, lines: Iterable[str], source: str = "input") -> dict[str, Any]:
        """Import JSON Lines; the first malformed line rejects the whole batch."""
        return self._import(org, json_lines(lines), source, "line")

    def import_records(self, *, org: str, records: Iterable[Any], source: str = "request") -> dict[str, Any]:
        """Import a list of decoded records (the API's batch); numbered from 1 like lines."""
        return self._import(org, enumerate(records, start=1), source, "record")

    def _import(self, org: str, numbered: Iterable[tuple[int, Any]], source: str, unit: str) -> dict[str, Any]:
        check_org(org)
        annotate = Annotator(self.projections, org)
        known_scripts: dict[str, bool] = {}
        seen: dict[str, int] = {}
        batch = hashlib.sha256(f"{org}/{source}/{datetime.now(UTC).isoformat()}".encode()).hexdigest()[:16]
        imported = duplicates = 0
        first: str | None = None
        last: str | None = None
        scripts: set[str] = set()
        with exclusive(self.db):
            self._refresh(org)
            for number, value in numbered:
                try:
                    if isinstance(value, NotJson):
                        raise ValueError(value.problem)
                    record = validate_record(value)
                    if record.script not in known_scripts:
                        known_scripts[record.script] = self._script_exists(org, record.script)
                    if not known_scripts[record.script]:
                        raise ValueError(f"unknown script {record.script!r} in organization {org!r}")
                except ValueError as error:
                    raise MalformedLogError(
                        f"{source}: {unit} {number}: {error}; nothing was imported", number
                    ) from None
                digest = record.digest(org)
                seen[digest] = seen.get(digest, 0) + 1
                version, interval, config = annotate(record.script, record.environment, record.ts)
                cursor = self.db.execute(
                    f"INSERT OR IGNORE INTO log_records ({', '.join(_COLUMNS)})"
                    f" VALUES ({', '.join('?' for _ in _COLUMNS)})",
                    [org, record.script, record.environment, record.ts, record.status, record.level,
                     int(record.error), record.duration_ms, record.run_id, record.message, version,
                     interval, config, batch, f"{digest}:{seen[digest]}"],
                )
                if cursor.rowcount:
                    imported += 1
                else:
                    duplicates += 1
                scripts.add(record.script)
                first, last = min(first or record.ts, record.ts), max(last or record.ts, record.ts)
        return {
            "source": source, "imported": imported, "duplicates": duplicates,
            "scripts": sorted(scripts), "first": first, "last": last,
            "batch": batch if imported else None,
        }

    def _script_exists(self, org: str, script: str) -> bool:
        return self.projections.audit_trail.view.has_script(org, script)

    # Annotations ----------------------------------------------------------------

    def _head(self) -> int:
        """The log position every read model the annotations come from has applied."""
        name = self.projections.ledger.name
        views = (self.projections.pointers.view, self.projections.timestamps.view,
                 self.projections.audit_trail.view)
        return min(view.max_tracking_id(name) or 0 for view in views)

    def _annotated(self, org: str) -> int | None:
        row = self.db.execute("SELECT position FROM log_annotations WHERE org = ?", [org]).fetchone()
        return None if row is None else int(row[0])

    def _mark(self, org: str, head: int) -> None:
        self.db.execute(
            "INSERT INTO log_annotations (org, position) VALUES (?, ?)"
            " ON CONFLICT (org) DO UPDATE SET position = excluded.position",
            [org, head],
        )

    def refresh(self, org: str) -> int:
        """Re-annotate the records a change applied since their annotation reaches back to.

        Changes normally land after the records they follow, so this costs two index seeks;
        a change stamped at or before some record's timestamp (logs imported ahead of a
        rollback, say) re-annotates the records from that change's time on.
        """
        check_org(org)
        stored = self._annotated(org)
        if stored is None or stored >= self._head():
            return 0
        with exclusive(self.db):
            return self._refresh(org)

    def _refresh(self, org: str) -> int:
        """(Inside a transaction.)"""
        head, stored = self._head(), self._annotated(org)
        changed = 0
        if stored is not None and stored < head:
            earliest = [
                self.db.execute(
                    "SELECT MIN(valid_from) FROM pointer_intervals WHERE org = ? AND start_position > ?",
                    [org, stored],
                ).fetchone()[0],
                self.db.execute(
                    "SELECT MIN(time) FROM audit WHERE org = ? AND position > ? AND kind IN ('env', 'overlay')",
                    [org, stored],
                ).fetchone()[0],
            ]
            since = min((t for t in earliest if t is not None), default=None)
            if since is not None:
                changed = self._reannotate(org, since)
        self._mark(org, head)
        return changed

    def reannotate(self, org: str, since: str | None = None) -> int:
        """Recompute the annotations of every record (from ``since``); returns how many changed."""
        check_org(org)
        with exclusive(self.db):
            changed = self._reannotate(org, since)
            self._mark(org, self._head())
        return changed

    def _reannotate(self, org: str, since: str | None) -> int:
        annotate = Annotator(self.projections, org)
        changed, last_id = 0, 0
        while True:
            rows = self.db.execute(
                "SELECT id, script, environment, ts, version, interval_position, config_fingerprint"
                " FROM log_records WHERE org = ? AND ts >= ? AND id > ? ORDER BY id LIMIT ?",
                [org, since or "", last_id, _PAGE],
            ).fetchall()
            for row_id, script, environment, ts, *old in rows:
                new = list(annotate(script, environment, ts))
                if new != old:
                    self.db.execute(
                        "UPDATE log_records SET version = ?, interval_position = ?, config_fingerprint = ?"
                        " WHERE id = ?",
                        [*new, row_id],
                    )
                    changed += 1
            if len(rows) < _PAGE:
                return changed
            last_id = rows[-1][0]

    # Queries ----------------------------------------------------------------------

    @staticmethod
    def _where(
        org: str, environment: str, scripts: Iterable[str] | None, since: str, until: str, until_op: str
    ) -> tuple[str, list[Any]]:
        where = ["org = ?", "environment = ?", "ts >= ?", f"ts {until_op} ?"]
        params: list[Any] = [org, environment, since, until]
        if scripts is not None:
            names = sorted(scripts)
            where.append(f"script IN ({', '.join('?' for _ in names)})")
            params.extend(names)
        return " AND ".join(where), params

    def records(
        self, org: str, *, environment: str, since: str, until: str, scripts: Iterable[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Records of the environment in [since, until] in time order (optionally some scripts)."""
        where, params = self._where(org, environment, scripts, since, until, "<=")
        yield from self.db.query(f"SELECT * FROM log_records WHERE {where} ORDER BY ts, id", params)

    def count(
        self, org: str, environment: str, scripts: Iterable[str] | None, since: str, until: str
    ) -> tuple[int, int]:
        """(records, errors) in [since, until) — for comparing error rates between changes."""
        where, params = self._where(org, environment, scripts, since, until, "<")
        count, errors = self.db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(error), 0) FROM log_records WHERE {where}", params
        ).fetchone()
        return int(count), int(errors)

    def span(self, org: str, environment: str, script: str) -> tuple[str | None, str | None]:
        """The first and last timestamps of a script's records in an environment."""
        first, last = self.db.execute(
            "SELECT MIN(ts), MAX(ts) FROM log_records WHERE org = ? AND environment = ? AND script = ?",
            [org, environment, script],
        ).fetchone()
        return first, last
