"""Moving a ledger to another store: every event in log order, then proof that nothing changed.

The copy writes the stored events as they are (same originator, version, topic and state
bytes) in pages, each page one transaction, so the target's log has the source's order.
It refuses a target that already holds events. Verification reads both stores back: the
same number of events, each stored event identical, and every aggregate equal at its last
version. (Read models are rebuilt and compared by the caller, on the read side.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from ledger.application import Ledger
from ledger.errors import RefusedError
from ledger.log_pages import PAGE, notifications

__all__ = ["PAGE", "CopyReport", "copy_events", "notifications", "snapshot_long_aggregates", "verify_copy"]


@dataclass
class CopyReport:
    events: int = 0
    aggregates: int = 0
    #: source position -> target position, only where they differ (PostgreSQL ids can skip).
    moved_positions: dict[int, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    last_versions: dict[Any, int] = field(default_factory=dict)
    #: the target's position of the last copied event, and the key events appended after it
    last_copied: int = 0
    appended: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def copy_events(
    source: Ledger, target: Ledger, progress: Callable[[int], None] | None = None,
    rewrite: Callable[[Notification], StoredEvent | None] | None = None,
) -> CopyReport:
    """Every event in log order; ``rewrite`` may store another event in one's place (same
    originator, version and topic: :class:`ledger.sealing_copy.Sealer` seals old plaintext)."""
    if target.recorder.max_notification_id():
        raise RefusedError("the target store already holds events: copy only into an empty store")
    report = CopyReport()
    batch: list[Notification] = []

    def flush() -> None:
        stored = [(rewrite and rewrite(n)) or StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                  for n in batch]
        target.recorder.insert_events(stored)
        report.events += len(batch)
        batch.clear()
        if progress is not None:
            progress(report.events)

    for notification in notifications(source):
        batch.append(notification)
        if len(batch) >= PAGE:
            flush()
    if batch:
        flush()
    report.last_copied = target.recorder.max_notification_id() or 0
    return report


def verify_copy(source: Ledger, target: Ledger, report: CopyReport, sealer: Any = None) -> CopyReport:
    """Compare the two logs event by event, then every aggregate at its last version. With a
    :class:`ledger.sealing_copy.Sealer`, the events it rewrote are compared opened, and the
    key events it appended are counted, not compared."""
    last_version: dict[UUID | str, int] = {}
    count = 0
    pairs = zip(notifications(source), notifications(target), strict=False)
    for a, b in pairs:
        count += 1
        if sealer is not None and a.id in sealer.rewritten:
            if not sealer.same_event(target, a, b):
                report.mismatches.append(f"event {a.id} does not open to the source's (target event {b.id})")
        elif (a.originator_id, a.originator_version, a.topic, a.state) != (
            b.originator_id, b.originator_version, b.topic, b.state
        ):
            report.mismatches.append(f"event {a.id} differs from the target's event {b.id}")
            if len(report.mismatches) > 10:
                return report
        if a.id != b.id:
            report.moved_positions[a.id] = b.id
        last_version[a.originator_id] = a.originator_version
    source_count = _count(source)
    target_count = _count(target)
    if not (source_count == count and target_count == count + report.appended):
        report.mismatches.append(
            f"the source holds {source_count} events, the target {target_count}"
            + (f" ({report.appended} key events appended)" if report.appended else "")
        )
    touched = sealer.touched() if sealer is not None else set()
    for originator_id in last_version:
        if originator_id in touched:
            continue
        if _state(source, originator_id, sealer) != _state(target, originator_id, sealer):
            report.mismatches.append(f"aggregate {originator_id} differs at its last version")
    report.aggregates = len(last_version)
    report.last_versions = last_version
    return report


def snapshot_long_aggregates(target: Ledger, report: CopyReport, threshold: int = 50) -> int:
    """Snapshot, in the target, every aggregate with ``threshold`` events or more (the copy
    moves events only; without snapshots a long pointer would replay all of them)."""
    taken = 0
    for originator_id, version in report.last_versions.items():
        if version >= threshold:
            target.take_snapshot(originator_id, version=version)  # type: ignore[arg-type]
            taken += 1
    return taken


def _count(ledger: Ledger) -> int:
    return sum(1 for _ in notifications(ledger))


def _state(ledger: Ledger, originator_id: UUID | str, sealer: Any = None) -> dict[str, Any]:
    aggregate = ledger.repository.get(originator_id)  # type: ignore[arg-type]
    if sealer is not None:
        from ledger.sealing_copy import opened_state

        return opened_state(ledger, aggregate)
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
