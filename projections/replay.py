"""Pages of the notification log as domain events, each stored event read and decoded once.

A catch-up spends most of its time turning stored rows into event objects. ``LogReader``
does what ``Mapper.to_domain_event`` does (decrypt and decompress if the application does,
decode the state, convert the originator id, upcast older class versions), but resolves
each topic once instead of once per event, and decodes only the rows some read model
follows. On SQLite it reads the rows with one plain SELECT per page (no ``Notification``
objects); other recorders use ``select_notifications``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, find_id_convertor
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic

#: One row of a page: (position, topic, originator id, originator version, stored state).
Row = tuple[int, str, Any, int, bytes]
#: How many aggregates' converted ids a reader remembers at most (then it starts again).
IDS_REMEMBERED = 65_536


class LogReader:
    def __init__(self, app: Application) -> None:
        self.recorder = app.recorder
        mapper = app.mapper
        self.cipher, self.compressor = mapper.cipher, mapper.compressor
        transcoder = mapper.transcoder
        if isinstance(transcoder, JSONTranscoder):
            decode_text = transcoder.decoder.decode
            self.decode_state: Callable[[bytes], Any] = lambda data: decode_text(data.decode("utf8"))
        else:  # pragma: no cover - revledger's applications all use the JSON transcoder
            self.decode_state = transcoder.decode
        #: topic -> (event class, its class_version)
        self._classes: dict[str, tuple[type, int]] = {}
        #: (event class, stored id type) -> id convertor
        self._convertors: dict[tuple[type, type], Callable[[Any], Any]] = {}
        self._sqlite = isinstance(self.recorder, SQLiteApplicationRecorder)
        #: stored originator id -> the converted one (a UUID is immutable), bounded.
        self._ids: dict[Any, Any] = {}

    def page(self, start: int, stop: int, limit: int, topics: Collection[str]) -> list[Row]:
        """Up to ``limit`` rows of the given topics after position ``start``, up to ``stop``."""
        wanted = sorted(topics)
        if self._sqlite:
            sql = (
                f"SELECT rowid, topic, originator_id, originator_version, state"
                f" FROM {self.recorder.events_table_name} WHERE rowid > ? AND rowid <= ?"
                f" AND topic IN ({', '.join('?' for _ in wanted)}) ORDER BY rowid LIMIT ?"
            )
            with self.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(sql, (start, stop, *wanted, limit))
                return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]
        return [
            (n.id, n.topic, n.originator_id, n.originator_version, n.state)
            for n in self.recorder.select_notifications(
                start=start, limit=limit, stop=stop, topics=wanted, inclusive_of_start=False
            )
        ]

    def event_class(self, topic: str) -> type:
        return self._resolve(topic)[0]

    def _resolve(self, topic: str) -> tuple[type, int]:
        try:
            return self._classes[topic]
        except KeyError:
            cls = resolve_topic(topic)
            resolved = self._classes[topic] = (cls, getattr(cls, "class_version", 1))
            return resolved

    def event(self, row: Row) -> Any:
        """The domain event of one row, as ``Mapper.to_domain_event`` would make it."""
        _, topic, originator_id, originator_version, state = row
        cls, class_version = self._resolve(topic)
        if self.cipher is not None:
            state = self.cipher.decrypt(state)
        if self.compressor is not None:
            state = self.compressor.decompress(state)
        event_state: dict[str, Any] = self.decode_state(state)
        key = (cls, type(originator_id))
        convert = self._convertors.get(key)
        if convert is None:
            convert = self._convertors[key] = find_id_convertor(cls, type(originator_id))
        ids = self._ids
        converted = ids.get(originator_id)
        if converted is None:
            if len(ids) >= IDS_REMEMBERED:
                ids.clear()
            converted = ids[originator_id] = convert(originator_id)
        event_state["originator_id"] = converted
        event_state["originator_version"] = originator_version
        from_version = event_state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(event_state)
            from_version += 1
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", event_state)
        return domain_event
