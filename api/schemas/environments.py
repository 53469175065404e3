"""Schemas of environments: moving pointers (promote, rollback, their plans) and what ran
where and when (status, at, release, history)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.base import Integral, Label, Public, Request, Row, Text, Version, VersionRef, public
from ledger.views import MoveView


class PromoteRequest(Request):
    version: VersionRef
    reason: Text | None = None
    expect_current: Version | None = Field(
        default=None,
        description="Refuse (409) unless the pointer is at this version; null = unset. "
        "Omit to skip the check.",
    )
    override_gates: bool = Field(
        default=False, description="Promote although gates fail (deployer role and a reason required)."
    )
    incident: Text | None = Field(default=None, examples=["INC-1042"],
                                  description="Incident the promotion is for (shows in its timeline).")
    dry_run: bool = Field(default=False, description="Change nothing: answer with the plan.")
    with_config_from: str | None = Field(
        default=None, description="Also copy that environment's overlay here, in the same transaction.",
        examples=["staging"],
    )


class RollbackRequest(Request):
    to: Integral | Label = Field(
        description="Target version number or label; 0 = the version active before the current one."
    )
    incident: Text | None = Field(default=None, examples=["INC-1042"])
    reason: Text | None = None
    force: bool = Field(default=False, description="Allow a target never active in this environment.")
    expect_current: Version | None = Field(
        default=None, description="Refuse with 409 unless the environment runs this version now."
    )
    dry_run: bool = Field(default=False, description="Change nothing: answer with the plan.")
    with_config: bool = Field(
        default=False, description="Also restore the environment's overlay (and referenced tenant keys) "
        "to their values when the target was last live there, in the same transaction.",
    )


MovePublic = public(MoveView, "MovePublic", "The result of a promote or rollback.")


class EnvironmentsPublic(Public):
    script: str
    environments: dict[str, int | None]



class StatusRowPublic(Row):
    script: str
    environment: str
    version: int | None
    since: str | None
    actor: str | None
    kind: str | None
    reason: str | None
    incident: str | None
    position: int | None


class AtPublic(Row):
    script: str
    environment: str
    time: str
    version: int | None
    since: str | None
    until: str | None
    set_by: dict[str, Any] | None
    replaced_by_position: int | None


class ReleasePublic(Row):
    """What ran, with what: a release of a script in an environment at an instant."""

    script: str
    environment: str
    time: str
    release: str | None
    version: int | None
    label: str | None
    content_sha256: str | None
    config_sha256: str | None
    variables: dict[str, dict[str, Any]] | None
    since: str | None
    until: str | None
    set_by: dict[str, Any] | None


class HistoryEntryPublic(Row):
    kind: str
    time: str
    actor: str
    version: int | None
    environment: str | None
    previous_version: int | None
    reason: str | None
    incident: str | None
    position: int



class GatePublic(Public):
    name: str
    passed: bool
    detail: str


class PlanPublic(Public):
    """A dry run: what a promotion or rollback would change, and whether the gates pass."""

    model_config = ConfigDict(extra="allow")
    script: str
    environment: str
    kind: Literal["promote", "rollback"]
    current: int | None
    target: int
    changed: bool
    diff_summary: str
    config_changes: list[dict[str, Any]]
    gates: list[GatePublic]
    would_pass: bool
    command: str


