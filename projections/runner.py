"""Catch-up: pull the application's notification log in pages into one projection.

The SQLite recorder of eventsourcing 9.5.6 has no subscriptions (so no ProjectionRunner on
SQLite): this small pull loop reads pages with ``select_notifications``, decodes them with
the application's mapper, and applies each page, rows plus position, in one transaction.
Memory stays flat however long the log is.
"""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from projections.view import TrackedView, exclusive

PAGE_SIZE = 1000


def catch_up(
    app: Application,
    projection: Projection[TrackedView],
    *,
    page_size: int = PAGE_SIZE,
    stop: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply every notification up to ``stop`` (default: the head now). Returns the position.

    Each page is read and applied inside one write transaction on the projections database,
    after re-reading the position there, so two processes catching up at once never apply
    a page twice: the second simply finds nothing left to do.
    """
    view = projection.view
    head = (app.recorder.max_notification_id() or 0) if stop is None else stop
    position = view.max_tracking_id(app.name) or 0
    while position < head:
        with exclusive(view.db):
            position = view.max_tracking_id(app.name) or 0
            if position >= head:
                break
            page = app.recorder.select_notifications(
                start=position,
                limit=page_size,
                stop=head,
                topics=projection.topics,
                inclusive_of_start=False,
            )
            view.begin_page()
            try:
                for notification in page:
                    event = app.mapper.to_domain_event(notification)
                    projection.process_event(event, Tracking(app.name, notification.id))
                view.end_page()
            except BaseException:
                view.abandon_page()
                raise
            if len(page) < page_size:
                # Nothing this projection follows remains before the head: move there.
                last = page[-1].id if page else position
                if last < head:
                    view.insert_tracking(Tracking(app.name, head))
            position = view.max_tracking_id(app.name) or 0
        if progress is not None:
            progress(position)
    return position
