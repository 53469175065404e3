"""Timelines: one chronological story of an incident (or an environment over a window).

The story joins the audit trail (publishes, promotes, rollbacks, overrides, config changes,
runs, policy), the incident's own events, and the log records bucketed and annotated with
the version in effect; it names the suspect change and judges the recovery from the records
themselves (see :mod:`projections.suspects`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.errors import InvalidInputError, NotFoundError
from ledger.names import check_environment, check_org, check_script_name
from ledger.times import utc_text
from projections.release_answers import with_config_releases, with_releases
from projections.buckets import bucket_seconds, bucket_start, elapsed, format_duration, rate
from projections.logs import Logs
from projections.suspects import (
    DEFAULT_TOLERANCE,
    Change,
    Counter,
    changes_in,
    find_recovery,
    find_suspect,
)

if TYPE_CHECKING:
    from projections.service import Projections

DEFAULT_BEFORE = timedelta(hours=2)
DEFAULT_AFTER = timedelta(hours=1)
_TICK = timedelta(microseconds=1)


class Timelines:
    """Incident and environment timelines over one ledger's read models."""

    def __init__(self, projections: Projections) -> None:
        self.projections = projections
        self.logs = Logs(projections)

    def incident(
        self,
        *,
        org: str,
        incident: str,
        before: timedelta = DEFAULT_BEFORE,
        after: timedelta = DEFAULT_AFTER,
        bucket: timedelta | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> dict[str, Any]:
        """The story of an incident: from ``before`` its start to ``after`` its last event."""
        check_org(org)
        opened = self.projections.get_incident(org=org, incident=incident)
        # The changes tagged with it (its own opening and closing come from ``opened``).
        tagged = [r for r in self.projections.audit_trail.view.rows(org, incident=incident)
                  if r["kind"] != "incident"]
        if opened is None and not tagged:
            raise NotFoundError(
                f"no incident {incident}: none was opened and no change was tagged with it"
            )
        tagged_scripts = {r["script"] for r in tagged if r["script"]}
        if opened is not None:
            meta, environment = opened, opened["environment"]
            scripts = set(opened["scripts"]) or tagged_scripts
        else:
            moves = [r for r in tagged if r["kind"] in ("promote", "rollback")]
            environment = moves[0]["environment"] if moves else "production"
            scripts = tagged_scripts
            meta = {"id": incident, "title": None, "status": "not opened", "environment": environment,
                    "scripts": sorted(scripts), "started": None, "opened_at": None, "opened_by": None,
                    "closed_at": None, "closed_by": None, "resolution": None}
        times = [t for t in (meta["started"], meta["opened_at"], meta["closed_at"]) if t]
        times += [r["time"] for r in tagged]
        start, end = datetime.fromisoformat(min(times)), datetime.fromisoformat(max(times))
        try:
            since, until = utc_text(start - before), utc_text(end + after)
        except OverflowError:
            raise InvalidInputError("the timeline window falls outside years 1-9999: use a shorter before/after") from None
        story = self._story(
            org, environment, since, until,
            scripts or None, bucket, tolerance, incident=incident,
            extra=_incident_entries(opened) if opened else [],
        )
        return {"incident": {**meta, "tagged_changes": [r["position"] for r in tagged]}, **story}

    def environment(
        self,
        *,
        org: str,
        environment: str,
        since: datetime,
        until: datetime,
        scripts: Iterable[str] = (),
        bucket: timedelta | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> dict[str, Any]:
        """The story of one environment in a window (optionally of some scripts only)."""
        check_org(org)
        check_environment(environment)
        names = {check_script_name(s) for s in scripts}
        for name in names:
            self.projections.check_script(org, name)
        if until <= since:
            raise InvalidInputError("--until must be after --since")
        story = self._story(org, environment, utc_text(since), utc_text(until),
                            names or None, bucket, tolerance)
        return {"incident": None, **story}

    def _story(
        self,
        org: str,
        environment: str,
        since: str,
        until: str,
        scripts: set[str] | None,
        bucket: timedelta | None,
        tolerance: float,
        incident: str | None = None,
        extra: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        if not 0 <= tolerance <= 1:
            raise InvalidInputError("--tolerance is a fraction between 0 and 1 (0.02 = 2 percentage points)")
        self.logs.refresh(org)
        rows = self._rows(org, environment, since, until, scripts)
        step = bucket_seconds(elapsed(since, until), bucket)
        buckets, series = self._buckets(org, environment, since, until, scripts, step)
        entries = [_entry(r) for r in rows] + buckets + (extra or [])
        entries.sort(key=lambda e: (e["time"], e["kind"] != "bucket", e.get("position") or 0))
        changes = changes_in(rows, environment, scripts)
        end = utc_text(datetime.fromisoformat(until) + _TICK)  # the window includes ``until``
        count = self._counter(org, environment)
        found = find_suspect(changes, count, since, end, tolerance)
        suspect = self._suspect(org, environment, *found) if found else None
        judged = find_recovery(changes, suspect, found[1] if found else None, count, end, tolerance, incident)
        recovery = _recovery(rows, *judged) if judged else None
        return {
            "window": {"since": since, "until": until},
            "environment": environment,
            "scripts": sorted(scripts) if scripts is not None else None,
            "bucket": format_duration(step),
            "bucket_seconds": step,
            "tolerance": tolerance,
            "entries": entries,
            "suspect": suspect,
            "recovery": recovery,
            "recovered": recovery["recovered"] if recovery else None,
            "lanes": self._lanes(org, environment, since, until, scripts),
            "series": series,
        }

    def _rows(
        self, org: str, environment: str, since: str, until: str, scripts: set[str] | None
    ) -> list[dict[str, Any]]:
        """Audit rows in the window for the environment (or none) and the scripts (or org-wide);
        a run's started and finished rows become one. Incidents' own rows are left out (an
        incident's story shows its opening and closing itself), and so is token bookkeeping."""
        rows = [
            r for r in self.projections.audit_trail.view.rows(org, since=since, until=until)
            if r["kind"] not in ("incident", "token", "logs") and r["environment"] in (None, environment)
            and (scripts is None or r["script"] is None or r["script"] in scripts)
        ]
        finished = {(r["details"] or {}).get("run_id") for r in rows
                    if r["kind"] == "run" and (r["details"] or {}).get("status") != "started"}
        view = self.projections.releases.view
        return with_config_releases(view, with_releases(view, [
            r for r in rows
            if not (r["kind"] == "run" and (r["details"] or {}).get("status") == "started"
                    and (r["details"] or {}).get("run_id") in finished)
        ]), environment, scripts)

    def _buckets(
        self, org: str, environment: str, since: str, until: str, scripts: set[str] | None, step: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Bucket entries per (start, script, version) and the overall error rate per bucket."""
        cells: dict[tuple[str, str, int | None], dict[str, Any]] = {}
        totals: dict[str, dict[str, Any]] = {}
        for record in self.logs.records(org, environment=environment, since=since, until=until, scripts=scripts):
            start = bucket_start(record["ts"], step)
            cell = cells.setdefault((start, record["script"], record["version"]), {
                "time": start, "kind": "bucket", "start": start,
                "end": utc_text(datetime.fromisoformat(start) + timedelta(seconds=step)),
                "script": record["script"], "version": record["version"], "count": 0, "errors": 0,
            })
            total = totals.setdefault(start, {"start": start, "count": 0, "errors": 0})
            for group in (cell, total):
                group["count"] += 1
                group["errors"] += record["error"]
        buckets = [{**c, "error_rate": rate(c["errors"], c["count"])} for c in cells.values()]
        buckets.sort(key=lambda c: (c["start"], c["script"], c["version"] is None, c["version"] or 0))
        series = [{**t, "error_rate": rate(t["errors"], t["count"])} for _, t in sorted(totals.items())]
        return buckets, series

    def _lanes(
        self, org: str, environment: str, since: str, until: str, scripts: set[str] | None
    ) -> list[dict[str, Any]]:
        """Which version each script ran over the window: one lane segment per interval."""
        sql = ("SELECT script, version, valid_from, valid_to, kind, start_position FROM pointer_intervals"
               " WHERE org = ? AND environment = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)")
        params: list[Any] = [org, environment, until, since]
        if scripts is not None:
            names = sorted(scripts)
            sql += f" AND script IN ({', '.join('?' for _ in names)})"
            params += names
        rows = self.projections.db.execute(sql + " ORDER BY script, valid_from, start_position", params)
        return [
            {"script": script, "version": version, "since": max(start, since),
             "until": min(stop, until) if stop else until, "kind": kind, "position": position}
            for script, version, start, stop, kind, position in rows
        ]

    def _counter(self, org: str, environment: str) -> Counter:
        def count(scope: frozenset[str] | None, a: str, b: str) -> tuple[int, int]:
            return (0, 0) if a >= b else self.logs.count(org, environment, scope, a, b)

        return count

    def _suspect(self, org: str, environment: str, stats: dict[str, Any], change: Change) -> dict[str, Any]:
        """The suspect change as the story tells it, with the version it left running."""
        row = change.row
        script = row["script"] or (next(iter(change.scope)) if change.scope and len(change.scope) == 1 else None)
        version = row["to_version"] if row["kind"] in ("promote", "rollback") else None
        if version is None and script is not None:
            interval = self.projections.pointers.view.interval_at(org, script, environment, change.time)
            version = interval["version"] if interval else None
        return {
            "script": script, "version": version, "kind": row["kind"], "time": row["time"],
            "position": row["position"], "actor": row["actor"], "from_version": row["from_version"],
            "keys": row["keys"] or [], "reason": row["reason"], "incident": row["incident"],
            "override": row["override"], **stats,
        }


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row as a timeline entry."""
    details = row["details"] or {}
    entry = {
        "time": row["time"], "kind": row["kind"], "position": row["position"],
        "actor": row["actor"], "script": row["script"], "environment": row["environment"],
        "from_version": row["from_version"], "to_version": row["to_version"],
        "reason": row["reason"], "incident": row["incident"], "override": row["override"],
        "gates": row["gates"] or [], "keys": row["keys"] or [], "details": details,
    }
    if "config_sha256" in row:  # a pointer move: the release it started
        entry.update(config_sha256=row["config_sha256"], release=row["release"])
    if "releases" in row:  # a configuration change: the configuration-only releases it started
        entry["releases"] = row["releases"]
    if row["kind"] == "run":
        entry.update(run_id=details.get("run_id"), status=details.get("status"),
                     duration_ms=details.get("duration_ms"), version=row["to_version"])
    return entry


def _incident_entries(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """When an opened incident's impact started, when it was opened and when closed."""
    incident = meta["id"]
    entries = []
    if meta["started"] != meta["opened_at"]:
        entries.append({"time": meta["started"], "kind": "incident_started", "incident": incident,
                        "title": meta["title"]})
    entries.append({"time": meta["opened_at"], "kind": "incident_opened", "incident": incident,
                    "title": meta["title"], "actor": meta["opened_by"]})
    if meta["closed_at"]:
        entries.append({"time": meta["closed_at"], "kind": "incident_closed", "incident": incident,
                        "actor": meta["closed_by"], "resolution": meta["resolution"]})
    return entries


def _recovery(rows: list[dict[str, Any]], stats: dict[str, Any], rollback: Change) -> dict[str, Any]:
    """The recovery as the story tells it: the rollback, the smoke runs after it, the verdict."""
    row = rollback.row
    smoke_runs = [
        {"time": r["time"], "run_id": (r["details"] or {}).get("run_id"), "version": r["to_version"],
         "environment": r["environment"], "status": (r["details"] or {}).get("status"),
         "actor": r["actor"], "position": r["position"]}
        for r in rows
        if r["kind"] == "run" and r["script"] == row["script"] and r["position"] > rollback.position
    ]
    return {
        "rollback": {
            "time": row["time"], "position": row["position"], "script": row["script"],
            "from_version": row["from_version"], "to_version": row["to_version"],
            "actor": row["actor"], "reason": row["reason"], "incident": row["incident"],
        },
        "smoke_runs": smoke_runs,
        **stats,
    }
