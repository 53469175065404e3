"""Version and draft content, stored once and outside the Script aggregate.

The Script aggregate, loaded by every command on a script, keeps only the sha256, format and
where the content lives. New content goes into a ``ContentBlob``: one small aggregate per
organization and sha256, written in the same transaction as the draft that first saved it,
so a script with a thousand 100 KiB versions loads as fast as one with a single version.
Content saved before this (inline in an old ``DraftSaved`` or ``VersionPublished`` event)
stays where it is and is read from that one event.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.content import Content
from ledger.names import aggregate_id


class ContentBlob(Aggregate):
    """One piece of content, named by its sha256 within an organization. Never changes."""

    TOPIC = "revledger:ContentBlob"

    class Created(Aggregate.Created):
        TOPIC = "revledger:ContentBlob.Created"

    @staticmethod
    def create_id(org: str, content_sha256: str) -> UUID:
        return aggregate_id(org, "content", content_sha256)

    @event("Stored", topic="revledger:ContentBlob.Stored")
    def __init__(self, org: str, content_sha256: str, format: str, content: Any):  # noqa: A002
        self.org = org
        self.content_sha256 = content_sha256
        self.format = format
        self.content = content


class ContentStore:
    """Finds content by where the Script aggregate says it lives; makes blobs for new content."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def new_blob(self, org: str, content: Content) -> ContentBlob | None:
        """A blob to save with the command, or None if this content is stored already."""
        blob_id = ContentBlob.create_id(org, content.sha256)
        if self.app.recorder.select_events(blob_id, limit=1):
            return None
        return ContentBlob(org=org, content_sha256=content.sha256, format=content.format,
                           content=content.data)

    def get(self, org: str, script_id: UUID, entry: dict[str, Any]) -> Content:
        """The content of a draft or version entry of a Script aggregate."""
        at = entry.get("content_at")
        if at is None:  # in a blob
            records = self.app.recorder.select_events(
                ContentBlob.create_id(org, entry["content_sha256"]), limit=1
            )
            if records:
                blob = self.app.mapper.to_domain_event(records[0])
                return Content(entry["format"], blob.content)
            at = 0
        # Inline in one of the script's own events: that event (``at``) or, for an entry
        # upcast from an old snapshot (0), the first event that carries this sha256.
        events = self.app.events.get(script_id, gt=at - 1, lte=at) if at else self.app.events.get(script_id)
        for stored in events:
            if getattr(stored, "content_sha256", None) == entry["content_sha256"] and getattr(
                stored, "content", None
            ) is not None:
                return Content(entry["format"], stored.content)
        raise LookupError(f"content {entry['content_sha256']} is missing from the store")
