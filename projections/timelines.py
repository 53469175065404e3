"""Timelines: one chronological story of an incident (or an environment over a window).

The story joins the audit trail (publishes, promotes, rollbacks, overrides, config changes,
runs, policy), the incident's own events, and the log records bucketed and annotated with
the version in effect. From the records themselves it names:

* the **suspect change**: among the deploys and config changes of the affected scripts in
  the window, the one after which the error rate over the records up to the next change
  (of the same scripts) rose the most above the rate before it (by more than the tolerance). "Before" is the nearest
  preceding stretch between changes that has records, so changes seconds apart are told
  apart as long as records fall between them;
* the **recovery**: the rollback after the suspect (the one tagged with the incident, if
  any), the smoke runs after it, and whether the error rate after it — over the records up
  to the next change — returned to the rate before the suspect change, within a tolerance
  in absolute percentage points (stated in the output).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ledger.errors import InvalidInputError, NotFoundError
from ledger.names import check_environment, check_org, check_script_name
from ledger.times import utc_text
from projections.logs import Logs, bucket_seconds, bucket_start, format_duration, parse_utc, rate

if TYPE_CHECKING:
    from projections.service import Projections

DEFAULT_BEFORE = timedelta(hours=2)
DEFAULT_AFTER = timedelta(hours=1)
#: Error-rate differences within this are noise (absolute: 0.02 = 2 percentage points): a
#: suspect must raise the rate by more, and a recovery must bring it back to within it.
DEFAULT_TOLERANCE = 0.02
CHANGE_KINDS = ("promote", "rollback", "env", "overlay")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Change:
    """A deploy or config change, and the scripts whose records it can explain (None: all)."""

    row: dict[str, Any]
    scope: frozenset[str] | None

    @property
    def time(self) -> str:
        return str(self.row["time"])

    @property
    def position(self) -> int:
        return int(self.row["position"])

    def touches(self, other: Change) -> bool:
        return self.scope is None or other.scope is None or bool(self.scope & other.scope)


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


class Timelines:
    """Incident and environment timelines over one ledger's read models."""

    def __init__(self, projections: Projections) -> None:
        self.projections = projections
        self.logs = Logs(projections)

    # Entry points ---------------------------------------------------------------

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
        meta = self.projections.ledger.get_incident(org=org, incident=incident)
        tagged = self.projections.audit_trail.view.rows(org, incident=incident)
        if meta is None and not tagged:
            raise NotFoundError(
                f"no incident {incident}: none was opened and no change was tagged with it"
            )
        moves = [r for r in tagged if r["kind"] in ("promote", "rollback")]
        if meta is not None:
            environment = meta["environment"]
            scripts = set(meta["scripts"]) or {r["script"] for r in tagged if r["script"]}
        else:
            environment = moves[0]["environment"] if moves else "production"
            scripts = {r["script"] for r in tagged if r["script"]}
            meta = {"id": incident, "title": None, "status": "not opened", "environment": environment,
                    "scripts": sorted(scripts), "started": None, "opened_at": None, "opened_by": None,
                    "closed_at": None, "closed_by": None, "resolution": None}
        times = [t for t in (meta["started"], meta["opened_at"], meta["closed_at"]) if t]
        times += [r["time"] for r in tagged]
        start, end = parse_utc(min(times)), parse_utc(max(times))
        story = self._story(
            org, environment, utc_text(start - before), utc_text(end + after),
            scripts or None, bucket, tolerance, incident=incident,
        )
        meta = {**meta, "tagged_changes": [r["position"] for r in tagged]}
        return {"incident": meta, **story}

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
            self.projections.ledger.get_script(org=org, name=name)
        if until <= since:
            raise InvalidInputError("--until must be after --since")
        story = self._story(org, environment, utc_text(since), utc_text(until),
                            names or None, bucket, tolerance)
        return {"incident": None, **story}

    # The story --------------------------------------------------------------------

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
    ) -> dict[str, Any]:
        if not 0 <= tolerance <= 1:
            raise InvalidInputError("--tolerance is a fraction between 0 and 1 (0.02 = 2 percentage points)")
        self.logs.refresh(org)
        rows = self._rows(org, environment, since, until, scripts)
        step = bucket_seconds(parse_utc(until) - parse_utc(since), bucket)
        buckets, series = self._buckets(org, environment, since, until, scripts, step)
        entries = [self._entry(r) for r in rows] + buckets
        if incident is not None:
            entries += self._incident_entries(org, incident, since, until)
        entries.sort(key=lambda e: (e["time"], e["kind"] != "bucket", e.get("position") or 0))
        changes = self._changes(rows, environment, scripts)
        end = utc_text(parse_utc(until) + _TICK)  # the window includes ``until``
        suspect, suspect_change = self._suspect(org, environment, changes, since, end, tolerance)
        recovery = self._recovery(org, environment, changes, rows, suspect, suspect_change,
                                  end, tolerance, incident)
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
        a run's started and finished rows become one."""
        rows = [
            r for r in self.projections.audit_trail.view.rows(org, since=since, until=until)
            if r["environment"] in (None, environment)
            and (scripts is None or r["script"] is None or r["script"] in scripts)
        ]
        finished = {(r["details"] or {}).get("run_id") for r in rows
                    if r["kind"] == "run" and (r["details"] or {}).get("status") != "started"}
        return [
            r for r in rows
            if not (r["kind"] == "run" and (r["details"] or {}).get("status") == "started"
                    and (r["details"] or {}).get("run_id") in finished)
        ]

    @staticmethod
    def _entry(row: dict[str, Any]) -> dict[str, Any]:
        details = row["details"] or {}
        entry = {
            "time": row["time"], "kind": row["kind"], "position": row["position"],
            "actor": row["actor"], "script": row["script"], "environment": row["environment"],
            "from_version": row["from_version"], "to_version": row["to_version"],
            "reason": row["reason"], "incident": row["incident"], "override": row["override"],
            "gates": row["gates"] or [], "keys": row["keys"] or [], "details": details,
        }
        if row["kind"] == "run":
            entry.update(run_id=details.get("run_id"), status=details.get("status"),
                         duration_ms=details.get("duration_ms"), version=row["to_version"])
        return entry

    def _incident_entries(self, org: str, incident: str, since: str, until: str) -> list[dict[str, Any]]:
        meta = self.projections.ledger.get_incident(org=org, incident=incident)
        if meta is None:
            return []
        entries = []
        if meta["started"] != meta["opened_at"]:
            entries.append({"time": meta["started"], "kind": "incident_started", "incident": incident,
                            "title": meta["title"]})
        entries.append({"time": meta["opened_at"], "kind": "incident_opened", "incident": incident,
                        "title": meta["title"], "actor": meta["opened_by"]})
        if meta["closed_at"]:
            entries.append({"time": meta["closed_at"], "kind": "incident_closed", "incident": incident,
                            "actor": meta["closed_by"], "resolution": meta["resolution"]})
        return [e for e in entries if since <= e["time"] <= until]

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
                "end": utc_text(parse_utc(start) + timedelta(seconds=step)),
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

    # Suspect and recovery -------------------------------------------------------------

    @staticmethod
    def _changes(rows: list[dict[str, Any]], environment: str, scripts: set[str] | None) -> list[Change]:
        changes = []
        for row in rows:
            if row["kind"] not in CHANGE_KINDS:
                continue
            if row["kind"] in ("promote", "rollback") and row["environment"] != environment:
                continue
            if row["script"] is not None:
                scope: frozenset[str] | None = frozenset({row["script"]})
            else:
                scope = frozenset(scripts) if scripts is not None else None
            changes.append(Change(row, scope))
        return sorted(changes, key=lambda c: (c.time, c.position))

    def _counter(self, org: str, environment: str) -> Counter:
        def count(scope: frozenset[str] | None, a: str, b: str) -> tuple[int, int]:
            return (0, 0) if a >= b else self.logs.count(org, environment, scope, a, b)

        return count

    def _suspect(
        self, org: str, environment: str, changes: list[Change], since: str, end: str, tolerance: float
    ) -> tuple[dict[str, Any] | None, Change | None]:
        found = find_suspect(changes, self._counter(org, environment), since, end, tolerance)
        if found is None:
            return None, None
        stats, change = found
        row = change.row
        script = row["script"] or (next(iter(change.scope)) if change.scope and len(change.scope) == 1 else None)
        version = row["to_version"] if row["kind"] in ("promote", "rollback") else None
        if version is None and script is not None:
            interval = self.projections.pointers.view.interval_at(org, script, environment, change.time)
            version = interval["version"] if interval else None
        suspect = {
            "script": script, "version": version, "kind": row["kind"], "time": row["time"],
            "position": row["position"], "actor": row["actor"], "from_version": row["from_version"],
            "keys": row["keys"] or [], "reason": row["reason"], "incident": row["incident"],
            "override": row["override"], **stats,
        }
        return suspect, change

    def _recovery(
        self,
        org: str,
        environment: str,
        changes: list[Change],
        rows: list[dict[str, Any]],
        suspect: dict[str, Any] | None,
        suspect_change: Change | None,
        end: str,
        tolerance: float,
        incident: str | None,
    ) -> dict[str, Any] | None:
        found = find_recovery(changes, suspect, suspect_change, self._counter(org, environment),
                              end, tolerance, incident)
        if found is None:
            return None
        stats, rollback = found
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


# The judgement, on record counts alone ---------------------------------------------------

#: ``count(scope, since, until)`` → (records, errors) of the scope's scripts in [since, until).
Counter = Callable[[frozenset[str] | None, str, str], tuple[int, int]]


def find_suspect(
    changes: list[Change], count: Counter, since: str, end: str, noise: float = 0.0
) -> tuple[dict[str, Any], Change] | None:
    """The change after which the error rate rose the most above the rate before it.

    "After" is every record from the change up to the next change touching the same scripts
    (or ``end``); "before" is the nearest earlier stretch between such changes (back to
    ``since``) that has records. Only a rise above ``noise`` makes a suspect; ties go to the
    earlier change. ``changes`` are in time order.
    """
    best: tuple[float, dict[str, Any], Change] | None = None
    for i, change in enumerate(changes):
        earlier = [c for c in changes[:i] if c.touches(change)]
        later = [c for c in changes[i + 1:] if c.touches(change)]
        after_end = later[0].time if later else end
        records_after, errors_after = count(change.scope, change.time, after_end)
        if records_after == 0:
            continue
        bounds = [since, *(c.time for c in earlier), change.time]
        records_before = errors_before = 0
        before_since = None
        for k in range(len(bounds) - 2, -1, -1):
            records_before, errors_before = count(change.scope, bounds[k], bounds[k + 1])
            if records_before:
                before_since = bounds[k]
                break
        rise = errors_after / records_after - (errors_before / records_before if records_before else 0.0)
        if rise <= noise or (best is not None and rise <= best[0]):
            continue
        stats = {
            "rate_before": rate(errors_before, records_before), "records_before": records_before,
            "errors_before": errors_before, "before_since": before_since,
            "rate_after": rate(errors_after, records_after), "records_after": records_after,
            "errors_after": errors_after, "after_until": after_end if later else None,
            "rise": round(rise, 4),
        }
        best = (rise, stats, change)
    return (best[1], best[2]) if best else None


def find_recovery(
    changes: list[Change],
    suspect: dict[str, Any] | None,
    suspect_change: Change | None,
    count: Counter,
    end: str,
    tolerance: float,
    incident: str | None = None,
) -> tuple[dict[str, Any], Change] | None:
    """The rollback after the suspect (the incident's, if one is tagged) and the verdict:
    recovered when the error rate over the records from it to the next change is at most
    the rate before the suspect change plus ``tolerance``; None without records after it
    (or without a rate before a suspect to compare with)."""
    rollbacks = [
        c for c in changes if c.row["kind"] == "rollback"
        and (suspect_change is None
             or (c.position > suspect_change.position and c.touches(suspect_change)))
    ]
    if not rollbacks:
        return None
    tagged = [c for c in rollbacks if incident is not None and c.row["incident"] == incident]
    rollback = (tagged or rollbacks)[0]
    later = [c for c in changes if c.position > rollback.position and c.touches(rollback)]
    after_end = later[0].time if later else end
    records_after, errors_after = count(rollback.scope, rollback.time, after_end)
    baseline = suspect["rate_before"] if suspect and suspect["records_before"] else None
    rate_after = rate(errors_after, records_after)
    recovered: bool | None
    if records_after == 0:
        recovered, verdict = None, "no log records after the rollback yet: recovery unknown"
    elif baseline is None:
        recovered = None
        verdict = (f"error rate after the rollback {percent(rate_after)} ({records_after} records), "
                   "but there is no rate before a suspect change to compare it with")
    else:
        assert suspect is not None
        before = suspect["errors_before"] / suspect["records_before"]
        recovered = errors_after / records_after <= before + tolerance + 1e-12
        verdict = (
            f"error rate after the rollback {percent(rate_after)} ({records_after} records) vs "
            f"{percent(baseline)} before the suspect change ({suspect['records_before']} records), "
            f"tolerance +{tolerance * 100:.1f} percentage points: "
            + ("recovered" if recovered else "NOT recovered")
        )
    stats = {
        "baseline_rate": baseline, "rate_after": rate_after, "records_after": records_after,
        "errors_after": errors_after, "after_until": after_end if later else None,
        "tolerance": tolerance, "recovered": recovered, "verdict": verdict,
    }
    return stats, rollback
