"""The whole log of an eventsourcing application, in order, a page at a time (for copying,
comparing and verifying stores, and counting what they hold). No other ledger import, so any
module of the write side may use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eventsourcing.persistence import Notification

PAGE = 500


def notifications(ledger: Any, page: int = PAGE) -> Iterator[Notification]:
    """The whole log in order, page by page (the last id seen, never a count: ids may skip)."""
    start = 0
    while True:
        batch = ledger.recorder.select_notifications(start=start, limit=page, inclusive_of_start=False)
        yield from batch
        if len(batch) < page:
            return
        start = batch[-1].id
