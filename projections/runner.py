"""Catch-up: pull the application's notification log in pages into the read models.

The SQLite recorder of eventsourcing 9.5.6 has no subscriptions (so no ProjectionRunner on
SQLite): this small pull loop reads pages of the log once for every read model of one
projections database, decodes each event once (``LogReader``), hands it to every model that
follows its topic and has not applied it yet, and writes the page, rows plus positions, in
one transaction. Memory stays flat however long the log is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import singledispatchmethod
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from projections.replay import LogReader
from projections.view import TrackedView, exclusive

PAGE_SIZE = 1000
#: A rebuild writes bigger pages: fewer commits, each rewriting fewer shared B-tree pages.
REBUILD_PAGE_SIZE = 10_000


def catch_up(
    app: Application,
    projection: Projection[TrackedView],
    *,
    page_size: int = PAGE_SIZE,
    stop: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply every notification up to ``stop`` (default: the head now) to one read model."""
    report = (lambda name, position: progress(position)) if progress is not None else None
    return catch_up_all(app, [projection], page_size=page_size, stop=stop, progress=report)


def catch_up_all(
    app: Application,
    projections: Sequence[Projection[TrackedView]],
    *,
    page_size: int = PAGE_SIZE,
    stop: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Bring read models that share one database up to ``stop`` (default: the head now).

    Each page is read and applied inside one write transaction on the projections database,
    after re-reading the positions there, so two processes catching up at once never apply
    a page twice: the second simply finds nothing left to do. Returns the position reached.
    """
    if not projections:
        return 0
    db = projections[0].view.db
    head = (app.recorder.max_notification_id() or 0) if stop is None else stop
    reader = LogReader(app)
    routes = _Routes(projections)
    topics = {topic for projection in projections for topic in projection.topics}
    name = app.name
    # Nothing new: answer without a write lock (a reader never waits in WAL mode), so a
    # periodic catch-up never queues a writer's command behind another process's lock.
    if all((p.view.max_tracking_id(name) or 0) >= head for p in projections):
        return head
    while True:
        with exclusive(db):
            positions = {p.name: p.view.max_tracking_id(name) or 0 for p in projections}
            start = min(positions.values())
            if start >= head:
                break
            behind = [p for p in projections if positions[p.name] < head]
            rows = reader.page(start, head, page_size, topics)
            for projection in behind:
                projection.view.begin_page(positions[projection.name])
            try:
                _apply(reader, rows, routes, positions, name)
                # A short page reached the head: nothing anyone follows remains before it.
                last = rows[-1][0] if len(rows) >= page_size else head
                for projection in behind:
                    if (projection.view.max_tracking_id(name) or 0) < last:
                        projection.view.insert_tracking(Tracking(name, last))
                    projection.view.end_page()
            except BaseException:
                for projection in behind:
                    projection.view.abandon_page()
                raise
        if progress is not None:
            for projection in behind:
                progress(projection.name, last)
    return head


Handler = Callable[[Any, Tracking], None]


class _Routes:
    """Which read models follow a topic, and each one's handler for that topic's class,
    resolved once: ``singledispatchmethod`` rebuilds a bound wrapper on every attribute
    access, which costs more than most handlers themselves."""

    def __init__(self, projections: Sequence[Projection[TrackedView]]) -> None:
        self.projections = projections
        self._by_topic: dict[str, list[tuple[str, Handler]]] = {}

    def __call__(self, topic: str, cls: type) -> list[tuple[str, Handler]]:
        routes = self._by_topic.get(topic)
        if routes is None:
            routes = self._by_topic[topic] = [
                (p.name, _handler(p, cls)) for p in self.projections if topic in p.topics
            ]
        return routes


def _handler(projection: Projection[TrackedView], cls: type) -> Handler:
    if "process_event" in vars(projection):  # replaced on the instance: that one, then
        return projection.process_event
    method = next((k.__dict__["process_event"] for k in type(projection).__mro__ if "process_event" in k.__dict__), None)
    if isinstance(method, singledispatchmethod):
        return method.dispatcher.dispatch(cls).__get__(projection)  # type: ignore[no-any-return]
    return projection.process_event


def _apply(reader: LogReader, rows: list[Any], routes: _Routes, positions: dict[str, int], name: str) -> None:
    """Hand each row's event, decoded once, to the read models that follow it and lack it."""
    for row in rows:
        position = row[0]
        followers = routes(row[1], reader.event_class(row[1]))
        if not followers:
            continue
        event = None
        tracking = Tracking(name, position)
        for projection_name, handle in followers:
            if positions[projection_name] < position:
                if event is None:
                    event = reader.event(row)
                handle(event, tracking)
