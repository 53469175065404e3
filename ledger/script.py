"""The Script aggregate: one per org and script name, holding its draft and immutable versions.

It keeps each version's metadata (number, sha256, format, label, note, author, time) and
where its content lives, never the content itself (see ``ledger.contents``): class version
2 dropped it, older snapshots are upcast on load, and older events still replay unchanged.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.content import Content
from ledger.errors import AlreadyExistsError, RefusedError
from ledger.names import aggregate_id, check_label


class Script(Aggregate):
    """A script (workflow): one mutable draft and an append-only list of versions."""

    TOPIC = "revledger:Script"
    class_version = 2

    class Created(Aggregate.Created):
        TOPIC = "revledger:Script.Created"

    @staticmethod
    def create_id(org: str, script: str) -> UUID:
        return aggregate_id(org, "script", script)

    @event("Registered", topic="revledger:Script.Registered")
    def __init__(self, org: str, script: str, actor: str, description: str, tags: list[str]):
        self.org = org
        self.name = script
        self.description = description
        self.tags = tags
        self.created_by = actor
        self.draft: dict[str, Any] | None = None
        self.versions: list[dict[str, Any]] = []

    class Event(Aggregate.Event):
        """Every Script event names its org, script and actor."""

        org: str
        script: str
        actor: str

    class DraftSaved(Event):
        TOPIC = "revledger:Script.DraftSaved"
        format: str
        #: The content itself in events written before it moved to a ContentBlob; now None.
        content: Any
        content_sha256: str

        def apply(self, aggregate: Script) -> None:
            aggregate.draft = {
                "format": self.format,
                "content_sha256": self.content_sha256,
                "content_at": None if self.content is None else self.originator_version,
                "saved_at": self.timestamp,
                "actor": self.actor,
            }

    class VersionPublished(Event):
        TOPIC = "revledger:Script.VersionPublished"
        version: int
        format: str
        content: Any
        content_sha256: str
        label: str | None
        note: str | None

        def apply(self, aggregate: Script) -> None:
            if self.content is not None:
                content_at = self.originator_version
            else:  # the content of the draft it was published from: where that is stored
                draft = aggregate.draft or {}
                same = draft.get("content_sha256") == self.content_sha256
                content_at = draft.get("content_at") if same else None
            aggregate.versions.append(
                {
                    "version": self.version,
                    "format": self.format,
                    "content_sha256": self.content_sha256,
                    "content_at": content_at,
                    "label": self.label,
                    "note": self.note,
                    "author": self.actor,
                    "published_at": self.timestamp,
                }
            )

    class VersionLabelled(Event):
        """A version's label set (or moved from another name): labels are unique in a script."""

        TOPIC = "revledger:Script.VersionLabelled"
        version: int
        label: str
        previous_label: str | None

        def apply(self, aggregate: Script) -> None:
            aggregate.versions[self.version - 1]["label"] = self.label

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A version-1 snapshot held every version's content: keep where to find it instead
        (0: in one of the script's events up to the snapshot, found by its sha256)."""
        for entry in [state.get("draft"), *state.get("versions", [])]:
            if entry is not None:
                entry.pop("content", None)
                entry["content_at"] = 0

    # Commands -----------------------------------------------------------------

    def save_draft(self, content: Content, actor: str) -> None:
        self.trigger_event(
            self.DraftSaved,
            org=self.org,
            script=self.name,
            actor=actor,
            format=content.format,
            content=None,  # stored once, in a ContentBlob saved with this event
            content_sha256=content.sha256,
        )

    def publish(self, actor: str, label: str | None = None, note: str | None = None) -> int:
        if self.draft is None:
            raise RefusedError(f"script {self.name!r} has no draft to publish: save one first")
        latest = self.latest
        if latest is not None and latest["content_sha256"] == self.draft["content_sha256"]:
            raise RefusedError(
                f"the draft of {self.name!r} is identical to version {latest['version']}: nothing to publish"
            )
        if label is not None:
            self.check_label_free(check_label(label))
        number = len(self.versions) + 1
        self.trigger_event(
            self.VersionPublished,
            org=self.org,
            script=self.name,
            actor=actor,
            version=number,
            format=self.draft["format"],
            content=None,
            content_sha256=self.draft["content_sha256"],
            label=label,
            note=note,
        )
        return number

    def label_version(self, number: int, label: str, actor: str) -> bool:
        """Give version ``number`` the label; False (nothing recorded) if it already has it."""
        check_label(label)
        entry = self.get_version(number)
        assert entry is not None
        if entry["label"] == label:
            return False
        self.check_label_free(label)
        self.trigger_event(
            self.VersionLabelled, org=self.org, script=self.name, actor=actor,
            version=number, label=label, previous_label=entry["label"],
        )
        return True

    def check_label_free(self, label: str) -> None:
        taken = self.versions_labelled(label)
        if taken:
            raise AlreadyExistsError(
                f"label {label!r} already names version {taken[0]} of {self.name!r}: labels are unique "
                f"within a script (relabel with `revledger version label {self.name} N LABEL`)"
            )

    # Queries ------------------------------------------------------------------

    def versions_labelled(self, label: str) -> list[int]:
        return [v["version"] for v in self.versions if v["label"] == label]

    @property
    def labels(self) -> list[str]:
        return [v["label"] for v in self.versions if v["label"]]

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.versions[-1] if self.versions else None

    def has_version(self, number: int) -> bool:
        return 1 <= number <= len(self.versions)

    def get_version(self, number: int) -> dict[str, Any] | None:
        return self.versions[number - 1] if self.has_version(number) else None

    @property
    def draft_status(self) -> str:
        """``none`` (never saved), ``unchanged`` (equals the latest version) or ``modified``."""
        if self.draft is None:
            return "none"
        latest = self.latest
        if latest is not None and latest["content_sha256"] == self.draft["content_sha256"]:
            return "unchanged"
        return "modified"


class ScriptCatalog(Aggregate):
    """The names of an organization's scripts, so they can be listed without scanning the log."""

    TOPIC = "revledger:ScriptCatalog"

    class Created(Aggregate.Created):
        TOPIC = "revledger:ScriptCatalog.Created"

    @staticmethod
    def create_id(org: str) -> UUID:
        return aggregate_id(org, "catalog")

    @event("Started", topic="revledger:ScriptCatalog.Started")
    def __init__(self, org: str):
        self.org = org
        self.names: list[str] = []

    @event("ScriptAdded", topic="revledger:ScriptCatalog.ScriptAdded")
    def add(self, name: str) -> None:
        self.names.append(name)
