"""Opened incidents and where each stands: ``revledger incident show`` and the timelines.

One row per incident, written when it is opened and updated when it is closed, so reading one
is a seek, not an aggregate load.
"""

from __future__ import annotations

import json
from typing import Any


from ledger.incidents import Incident
from ledger.times import utc_text
from projections.view import RowProjection, TrackedView, topics_of


class IncidentsView(TrackedView):
    tables = ("incidents",)

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS incidents ("
            " org TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL, environment TEXT NOT NULL,"
            " scripts TEXT NOT NULL, started TEXT, opened_at TEXT NOT NULL, opened_by TEXT NOT NULL,"
            " closed_at TEXT, closed_by TEXT, resolution TEXT, PRIMARY KEY (org, id)) WITHOUT ROWID"
        )

    def opened(self, e: Incident.Opened) -> None:  # type: ignore[name-defined]
        self.db.execute(
            "INSERT INTO incidents (org, id, title, environment, scripts, started, opened_at, opened_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [e.org, e.incident, e.title, e.environment, json.dumps(list(e.scripts)), e.started,
             utc_text(e.timestamp), e.actor],
        )

    def closed(self, e: Any) -> None:
        self.db.execute(
            "UPDATE incidents SET closed_at = ?, closed_by = ?, resolution = ? WHERE org = ? AND id = ?",
            [utc_text(e.timestamp), e.actor, e.resolution, e.org, e.incident],
        )

    def get(self, org: str, incident: str) -> dict[str, Any] | None:
        """The incident as ``incident show`` prints it, or None if none was opened under that ID."""
        row = next(iter(self.db.query("SELECT * FROM incidents WHERE org = ? AND id = ?", [org, incident])), None)
        if row is None:
            return None
        return {
            "id": row["id"], "title": row["title"],
            "status": "closed" if row["closed_by"] is not None else "open",
            "environment": row["environment"], "scripts": json.loads(row["scripts"]),
            "started": row["started"] or row["opened_at"], "opened_at": row["opened_at"],
            "opened_by": row["opened_by"], "closed_at": row["closed_at"], "closed_by": row["closed_by"],
            "resolution": row["resolution"],
        }


class Incidents(RowProjection[IncidentsView]):
    name = "incidents"
    handlers = {Incident.Opened: "opened", Incident.Closed: "closed"}
    topics = topics_of(handlers)
