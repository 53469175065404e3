"""The suspect change and the recovery verdict, judged on log record counts alone.

* The **suspect change**: among the deploys and config changes of the affected scripts in
  the window, the one after which the error rate over the records up to the next change
  (of the same scripts) rose the most above the rate before it (by more than the
  tolerance). "Before" is the nearest preceding stretch between changes that has records,
  so changes seconds apart are told apart as long as records fall between them.
* The **recovery**: the rollback after the suspect (the one tagged with the incident, if
  any) and whether the error rate after it — over the records up to the next change —
  returned to the rate before the suspect change, within a tolerance in absolute
  percentage points (stated in the verdict).

No I/O here: records are counted through a :data:`Counter` the caller provides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from projections.buckets import percent, rate

#: Error-rate differences within this are noise (absolute: 0.02 = 2 percentage points): a
#: suspect must raise the rate by more, and a recovery must bring it back to within it.
DEFAULT_TOLERANCE = 0.02
#: The audit kinds that change what runs: deploys and config changes.
CHANGE_KINDS = ("promote", "rollback", "env", "overlay")

#: ``count(scope, since, until)`` → (records, errors) of the scope's scripts in [since, until).
Counter = Callable[[frozenset[str] | None, str, str], tuple[int, int]]


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


def changes_in(rows: list[dict[str, Any]], environment: str, scripts: set[str] | None) -> list[Change]:
    """The changes among audit rows, in time order: moves in the environment and config
    changes (a base-scope one concerns every script of the story)."""
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
