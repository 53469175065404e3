"""The whole log of a ledger, in order, a page at a time (for copying and comparing stores)."""

from __future__ import annotations

from collections.abc import Iterator

from eventsourcing.persistence import Notification

from ledger.application import Ledger

PAGE = 500


def notifications(ledger: Ledger, page: int = PAGE) -> Iterator[Notification]:
    """The whole log in order, page by page (the last id seen, never a count: ids may skip)."""
    start = 0
    while True:
        batch = ledger.recorder.select_notifications(start=start, limit=page, inclusive_of_start=False)
        yield from batch
        if len(batch) < page:
            return
        start = batch[-1].id
