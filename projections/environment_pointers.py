"""Current environment pointers and their history as validity intervals.

``pointer_intervals`` holds one row per version an environment ran: ``valid_from`` (when the
move happened) to ``valid_to`` (when the next move replaced it, NULL while active). It is
indexed on ``(org, script, environment, valid_from, start_position)``, so "what ran at T" is
one descending index seek: O(log n) in the length of the history.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.deployment import Deployment
from projections.view import TrackedView, event_time

_INTERVAL_COLUMNS = (
    "org, script, environment, version, valid_from, valid_to, start_position, end_position,"
    " kind, actor, time, reason, incident"
)


class PointersView(TrackedView):
    tables = ("pointers", "pointer_intervals")
    indexes = {"pointer_intervals_lookup": "pointer_intervals (org, script, environment, valid_from, start_position)"}

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS pointers ("
            " org TEXT NOT NULL, script TEXT NOT NULL, environment TEXT NOT NULL,"
            " version INTEGER NOT NULL, since TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL,"
            " reason TEXT, incident TEXT, position INTEGER NOT NULL,"
            " PRIMARY KEY (org, script, environment))"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS pointer_intervals ("
            " org TEXT NOT NULL, script TEXT NOT NULL, environment TEXT NOT NULL,"
            " version INTEGER NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT,"
            " start_position INTEGER PRIMARY KEY, end_position INTEGER,"
            " kind TEXT NOT NULL, actor TEXT NOT NULL, time TEXT NOT NULL, reason TEXT, incident TEXT)"
        )

    _INSERT_INTERVAL = (
        "INSERT INTO pointer_intervals (org, script, environment, version, valid_from,"
        " start_position, kind, actor, time, reason, incident, valid_to, end_position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    _CLOSE_INTERVAL = "UPDATE pointer_intervals SET valid_to = ?, end_position = ? WHERE start_position = ?"
    _UPSERT_POINTER = (
        "INSERT INTO pointers (org, script, environment, version, since, actor, kind, reason,"
        " incident, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (org, script, environment) DO UPDATE SET version = excluded.version,"
        " since = excluded.since, actor = excluded.actor, kind = excluded.kind,"
        " reason = excluded.reason, incident = excluded.incident, position = excluded.position"
    )

    #: How many pointers' (since, position) a catch-up remembers between pages at most.
    REMEMBERED = 100_000

    def forget(self) -> None:
        self._known: dict[tuple[str, str, str], tuple[str, int]] = {}

    def begin_page(self, position: int | None = None) -> None:
        super().begin_page(position)
        if len(self._known) > self.REMEMBERED:
            self.forget()
        #: This page's pointers (key -> row), new intervals (start -> row) and closed old ones.
        self._pointers: dict[tuple[str, str, str], list[Any]] = {}
        self._intervals: dict[int, list[Any]] = {}
        self._closed: list[list[Any]] = []

    def end_page(self) -> None:
        if self._page_position is not None:
            conn = self.db.conn
            conn.executemany(self._CLOSE_INTERVAL, self._closed)
            conn.executemany(self._INSERT_INTERVAL, list(self._intervals.values()))
            conn.executemany(self._UPSERT_POINTER, list(self._pointers.values()))
        super().end_page()

    def record_move(self, event: Deployment.Moved, position: int) -> None:
        key = (event.org, event.script, event.environment)
        moved_at = event_time(event)
        paged = self._page_position is not None
        current: Any = self._known.get(key) if paged else None
        if current is None:
            current = self.db.execute(
                "SELECT since, position FROM pointers WHERE org = ? AND script = ? AND environment = ?",
                list(key),
            ).fetchone()
        # Clocks of different writers can disagree: never let an interval start before the
        # one it replaces, so intervals of one pointer never overlap.
        valid_from = max(moved_at, current[0]) if current else moved_at
        interval = [*key, event.version, valid_from, position, event.kind, event.actor, moved_at,
                    event.reason, event.incident, None, None]
        pointer = [*key, event.version, valid_from, event.actor, event.kind, event.reason,
                   event.incident, position]
        if not paged:
            if current:  # close the open interval, found by its key: O(log n), however long the history
                self.db.execute(self._CLOSE_INTERVAL, [valid_from, position, current[1]])
            self.db.execute(self._INSERT_INTERVAL, interval)
            self.db.execute(self._UPSERT_POINTER, pointer)
            return
        if current:
            opened = self._intervals.get(current[1])
            if opened is not None:  # opened in this page: close it before it is written
                opened[11], opened[12] = valid_from, position
            else:
                self._closed.append([valid_from, position, current[1]])
        self._intervals[position] = interval
        self._pointers[key] = pointer
        self._known[key] = (valid_from, position)

    # Queries -------------------------------------------------------------------

    def current(self, org: str, environment: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM pointers WHERE org = ?"
        params: list[Any] = [org]
        if environment:
            sql += " AND environment = ?"
            params.append(environment)
        order = "CASE environment WHEN 'development' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END"
        return list(self.db.query(sql + f" ORDER BY script, {order}", params))

    def versions_of(self, org: str, script: str) -> dict[str, int]:
        """The version each environment of one script runs (environments never moved are absent)."""
        return {
            row[0]: row[1]
            for row in self.db.execute(
                "SELECT environment, version FROM pointers WHERE org = ? AND script = ?", [org, script]
            )
        }

    def interval_at(self, org: str, script: str, environment: str, instant: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                f"SELECT {_INTERVAL_COLUMNS} FROM pointer_intervals"
                " WHERE org = ? AND script = ? AND environment = ? AND valid_from <= ?"
                " ORDER BY valid_from DESC, start_position DESC LIMIT 1",
                [org, script, environment, instant],
            )
        )
        return rows[0] if rows else None

    def scripts_in(self, org: str, environment: str) -> list[str]:
        return [
            row["script"]
            for row in self.db.query(
                "SELECT script FROM pointers WHERE org = ? AND environment = ? ORDER BY script",
                [org, environment],
            )
        ]


class EnvironmentPointers(Projection[PointersView]):
    name = "environment_pointers"
    topics = (Deployment.Promoted.TOPIC, Deployment.RolledBack.TOPIC)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Deployment.Moved, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        self.view.record_move(domain_event, tracking.notification_id)
