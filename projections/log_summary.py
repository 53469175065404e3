"""The log summary of a script in an environment: did error rates and durations return to
baseline after the rollback?

Error rate, count and duration (p50/p95) per version, per time bucket and per stretch a
version ran (so a version rolled back to shows its stretch before and its stretch after apart).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from ledger.errors import InvalidInputError
from ledger.names import check_environment, check_org
from ledger.times import utc_text
from projections.buckets import bucket_seconds, bucket_start, elapsed, format_duration, percentile, rate


class AnnotatedRecords(Protocol):
    """What a summary reads: the annotated log records (:class:`projections.logs.Logs` is one)."""

    db: Any  # the read models' sqlite_utils Database

    def refresh(self, org: str) -> int: ...

    def span(self, org: str, environment: str, script: str) -> tuple[str | None, str | None]: ...

    def records(
        self, org: str, *, environment: str, since: str, until: str, scripts: Iterable[str] | None = None
    ) -> Iterable[dict[str, Any]]: ...


class LogSummary:
    """Summaries over annotated log records; ``check_script`` refuses an unknown script."""

    def __init__(self, records: AnnotatedRecords, check_script: Callable[[str, str], object]) -> None:
        self.logs = records
        self.check_script = check_script

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
        """The summary over [since, until] (default: the script's first to last record)."""
        check_org(org)
        check_environment(environment)
        self.check_script(org, name)
        self.logs.refresh(org)
        first, last = self.logs.span(org, environment, name)
        start = utc_text(since) if since else first
        end = utc_text(until) if until else last
        result: dict[str, Any] = {
            "script": name, "environment": environment, "since": start, "until": end,
            "bucket": None, "count": 0, "errors": 0, "error_rate": None,
            "by_version": [], "buckets": [], "intervals": [],
        }
        if start is None or end is None:
            return result
        if end < start:
            raise InvalidInputError("--until is before --since")
        step = bucket_seconds(elapsed(start, end), bucket)
        result["bucket"] = format_duration(step)
        versions: dict[int | None, dict[str, Any]] = {}
        cells: dict[tuple[str, int | None], dict[str, Any]] = {}
        stretches: dict[int | None, dict[str, Any]] = {}
        for row in self.logs.records(org, environment=environment, since=start, until=end, scripts=[name]):
            error, duration, version = row["error"], row["duration_ms"], row["version"]
            result["count"] += 1
            result["errors"] += error
            by_version = versions.setdefault(version, _group(version))
            at = bucket_start(row["ts"], step)
            cell = cells.setdefault((at, version), {"start": at, "version": version, "count": 0, "errors": 0})
            stretch = stretches.setdefault(
                row["interval_position"], {**_group(version), "interval_position": row["interval_position"]}
            )
            for group in (by_version, cell, stretch):
                group["count"] += 1
                group["errors"] += error
            if duration is not None:
                by_version["durations"].append(duration)
                stretch["durations"].append(duration)
        result["error_rate"] = rate(result["errors"], result["count"])
        result["by_version"] = [_stats(v) for v in sorted(versions.values(), key=_by_version)]
        result["buckets"] = [
            {**cell, "error_rate": rate(cell["errors"], cell["count"])}
            for cell in sorted(cells.values(), key=lambda c: (c["start"], *_by_version(c)))
        ]
        result["intervals"] = [
            {**self._interval(stretch["interval_position"]), **_stats(stretch)}
            for stretch in sorted(stretches.values(), key=lambda s: s["interval_position"] or 0)
        ]
        return result

    def _interval(self, position: int | None) -> dict[str, Any]:
        """When the pointer interval a stretch of records fell in began and ended, and who set it."""
        found: dict[str, Any] = {"since": None, "until": None, "set_by": None, "interval_position": position}
        if position is None:
            return found
        row = self.logs.db.execute(
            "SELECT valid_from, valid_to, kind, actor, incident FROM pointer_intervals WHERE start_position = ?",
            [position],
        ).fetchone()
        if row is not None:  # else the pointer model is being rebuilt: refresh will fill it back in
            found.update(since=row[0], until=row[1], set_by={"kind": row[2], "actor": row[3], "incident": row[4]})
        return found


def _group(version: int | None) -> dict[str, Any]:
    return {"version": version, "count": 0, "errors": 0, "durations": []}


def _by_version(group: dict[str, Any]) -> tuple[bool, int]:
    """Versions in order, records annotated with no version last."""
    return group["version"] is None, group["version"] or 0


def _stats(group: dict[str, Any]) -> dict[str, Any]:
    durations = sorted(group["durations"])
    return {
        "version": group["version"], "count": group["count"], "errors": group["errors"],
        "error_rate": rate(group["errors"], group["count"]),
        "p50_ms": percentile(durations, 50), "p95_ms": percentile(durations, 95),
    }
