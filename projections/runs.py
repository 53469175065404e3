"""Smoke runs of every script, newest first: ``revledger runs list``."""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.runs import Run, skipped_steps
from ledger.times import utc_text
from projections.view import TrackedView


class RunsView(TrackedView):
    tables = ("runs",)
    indexes = {"runs_by_script": "runs (org, script, started_position)"}
    layout = 2  # 2: the steps of each run (``runs get`` answers from here)

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS runs ("
            " run_id TEXT PRIMARY KEY, org TEXT NOT NULL, script TEXT NOT NULL, version INTEGER NOT NULL,"
            " environment TEXT NOT NULL, status TEXT NOT NULL, actor TEXT NOT NULL, started_at TEXT NOT NULL,"
            " finished_at TEXT, duration_ms INTEGER, input_sha256 TEXT, output_sha256 TEXT, error TEXT,"
            " started_position INTEGER NOT NULL, finished_position INTEGER, steps TEXT NOT NULL DEFAULT '[]')"
        )

    def started(self, e: Run.RunStarted, position: int) -> None:
        self.db.execute(
            "INSERT INTO runs (run_id, org, script, version, environment, status, actor, started_at,"
            " input_sha256, started_position) VALUES (?, ?, ?, ?, ?, 'started', ?, ?, ?, ?)",
            [str(e.originator_id), e.org, e.script, e.version, e.environment, e.actor,
             utc_text(e.timestamp), e.input_sha256, position],
        )

    def finished(self, e: Run.RunFinished, position: int) -> None:
        self.db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, output_sha256 = ?, error = ?,"
            " finished_position = ?, steps = ? WHERE run_id = ?",
            [e.status, utc_text(e.timestamp), e.duration_ms, e.output_sha256, e.error, position,
             json.dumps(e.steps), str(e.originator_id)],
        )

    def get(self, org: str, run_id: str) -> dict[str, Any] | None:
        """One run as ``runs get`` shows it (the fields of ``Ledger.run``'s record)."""
        run = next(iter(self.db.query("SELECT * FROM runs WHERE org = ? AND run_id = ?", [org, run_id])), None)
        if run is None:
            return None
        steps = json.loads(run["steps"])
        return {
            "run_id": run["run_id"], "script": run["script"], "version": run["version"],
            "environment": run["environment"], "status": run["status"], "duration_ms": run["duration_ms"],
            "input_sha256": run["input_sha256"], "output_sha256": run["output_sha256"], "steps": steps,
            "error": run["error"], "actor": run["actor"], "warnings": skipped_steps(steps),
            "started_at": run["started_at"], "finished_at": run["finished_at"],
        }

    def ids_starting(self, org: str, prefix: str, limit: int = 6) -> list[str]:
        """Run ids of the organization that start with ``prefix`` (hex digits and dashes only)."""
        pattern = prefix + "%"
        return [row["run_id"] for row in self.db.query(
            "SELECT run_id FROM runs WHERE org = ? AND run_id LIKE ? ORDER BY run_id LIMIT ?",
            [org, pattern, limit],
        )]

    def list(self, org: str, script: str) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT * FROM runs WHERE org = ? AND script = ? ORDER BY started_position DESC", [org, script]
        )
        return [{k: v for k, v in row.items() if k != "steps"} for row in rows]  # (runs get shows them)


class Runs(Projection[RunsView]):
    name = "runs"
    topics = (Run.RunStarted.TOPIC, Run.RunFinished.TOPIC)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Run.RunStarted, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        self.view.started(domain_event, tracking.notification_id)

    @process_event.register
    def _(self, domain_event: Run.RunFinished, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
        self.view.finished(domain_event, tracking.notification_id)
