"""Timestamp → aggregate version for the configuration aggregates, so the ledger can load a
tenant's variables or a script's overlay exactly as they were at any instant (searchable
timestamps): an index seek here, then ``repository.get(id, version=v)``."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.times import utc_text
from ledger.variables import Overlay, TenantVariables
from projections.view import TrackedView, event_time


class RevisionTimestampsView(TrackedView):
    tables = ("revision_timestamps",)
    indexes = {"revision_timestamps_lookup": "revision_timestamps (originator_id, timestamp, originator_version)"}

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS revision_timestamps ("
            " originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL,"
            " timestamp TEXT NOT NULL, PRIMARY KEY (originator_id, originator_version))"
        )

    _INSERT = "INSERT INTO revision_timestamps (originator_id, originator_version, timestamp) VALUES (?, ?, ?)"

    #: How many aggregates' latest timestamps a catch-up remembers between pages at most.
    REMEMBERED = 100_000

    def forget(self) -> None:
        self._latest: dict[str, str] = {}  # the newest timestamp per aggregate written

    def begin_page(self, position: int | None = None) -> None:
        super().begin_page(position)
        if len(self._latest) > self.REMEMBERED:
            self.forget()

    def record(self, originator_id: UUID, version: int, timestamp: str) -> None:
        key = str(originator_id)
        paged = self._page_position is not None
        previous = self._latest.get(key) if paged else None
        if previous is None:
            # Timestamps are kept monotonic per aggregate, so the newest version holds the
            # latest one: a seek on the primary key, however many versions there are.
            row = self.db.execute(
                "SELECT timestamp FROM revision_timestamps WHERE originator_id = ?"
                " ORDER BY originator_version DESC LIMIT 1",
                [key],
            ).fetchone()
            previous = row[0] if row else None
        # Keep timestamps monotonic per aggregate even if writers' clocks disagree.
        if previous is not None and previous > timestamp:
            timestamp = previous
        if paged:
            self._latest[key] = timestamp
        self.write(self._INSERT, [key, version, timestamp])

    def version_at(self, originator_id: UUID, instant: str) -> int | None:
        """The aggregate's version at ``instant``, or None if it did not exist yet."""
        row = self.db.execute(
            "SELECT originator_version FROM revision_timestamps"
            " WHERE originator_id = ? AND timestamp <= ?"
            " ORDER BY timestamp DESC, originator_version DESC LIMIT 1",
            [str(originator_id), instant],
        ).fetchone()
        return None if row is None else int(row[0])


class RevisionTimestamps(Projection[RevisionTimestampsView]):
    name = "revision_timestamps"
    topics = (
        TenantVariables.Started.TOPIC,
        TenantVariables.VariablesSet.TOPIC,
        TenantVariables.VariablesDeleted.TOPIC,
        Overlay.Started.TOPIC,
        Overlay.OverlayUpdated.TOPIC,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        self.view.record(
            domain_event.originator_id,
            domain_event.originator_version,
            event_time(domain_event),
        )
