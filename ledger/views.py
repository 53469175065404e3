"""What the application's queries and commands return: plain data, never aggregates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


class View:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class ScriptView(View):
    name: str
    description: str
    tags: list[str]
    latest_version: int | None
    draft: str  # none | unchanged | modified
    draft_base_version: int | None  # "modified since version N"
    environments: dict[str, int | None]
    created_at: datetime
    created_by: str
    position: int | None = None


@dataclass(frozen=True)
class DraftView(View):
    script: str
    format: str
    content_sha256: str
    status: str
    saved_at: datetime
    actor: str
    position: int | None = None


@dataclass(frozen=True)
class VersionView(View):
    script: str
    version: int
    label: str | None
    note: str | None
    author: str
    published_at: datetime
    content_sha256: str
    format: str
    content: Any = None
    position: int | None = None


@dataclass(frozen=True)
class MoveView(View):
    """The result of a promote or rollback."""

    script: str
    environment: str
    kind: str  # promote | rollback
    version: int
    previous_version: int | None
    changed: bool
    actor: str
    reason: str | None = None
    incident: str | None = None
    forced: bool = False
    overridden_gates: list[str] = field(default_factory=list)
    #: How approvals were met (see ``Deployment.Moved.approval``), None if none were required.
    approval: dict[str, Any] | None = None
    time: datetime | None = None
    position: int | None = None


@dataclass(frozen=True)
class VariableView(View):
    key: str
    value: str
    secret: bool
    fingerprint: str
    environment: str | None


@dataclass(frozen=True)
class ImportView(View):
    environment: str | None
    added: int
    changed: int
    unchanged: int
    keys: list[str]
    position: int | None = None
    #: Per environment, the keys whose value (tenant[ENV] over the base scope) changed.
    effective_changes: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class OverlayView(View):
    script: str
    environment: str | None
    variables: dict[str, dict[str, Any]]  # key -> {value, secret, fingerprint}
    set: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    not_present: list[str] = field(default_factory=list)
    position: int | None = None


@dataclass(frozen=True)
class ConfigView(View):
    script: str
    environment: str
    variables: dict[str, dict[str, Any]]  # key -> {value, layer, secret, fingerprint}
    at: datetime | None = None
