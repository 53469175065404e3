"""Request and response schemas of the HTTP API.

Requests are strict and forbid unknown fields. Responses (``…Public``) are derived from the
ledger's views, so a response has exactly the fields of the CLI's JSON for the same
operation; times are ISO 8601 with an offset, as the CLI prints them.
"""

from __future__ import annotations

import dataclasses
import types
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model

from ledger.access import IssuedTokenView, TokenView
from ledger.approvals import RequestView
from ledger.times import parse_instant
from ledger.tokens import ROLES
from ledger.views import (
    ConfigView,
    DraftView,
    ImportView,
    MoveView,
    OverlayView,
    ScriptView,
    VariableView,
    VersionView,
    View,
)

#: A datetime serialised the way the CLI prints it (``isoformat()``: ``+00:00``, not ``Z``).
Timestamp = Annotated[datetime, PlainSerializer(lambda t: t.isoformat(), return_type=str)]

def _integral(value: object) -> object:
    """An integral JSON float (``2.0``) is the integer it equals, as JSON Schema's integer is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Integral = Annotated[int, BeforeValidator(_integral)]
Version = Annotated[Annotated[int, Field(ge=0)], BeforeValidator(_integral),
                    Field(description="A version number; 0 = the version production runs.")]
Text = Annotated[str, Field(max_length=10_000)]
def _not_a_number(label: str) -> str:
    if label.strip().lstrip("-").isdigit():
        raise ValueError("a label cannot be a number: give a version number as a JSON number")
    return label


Label = Annotated[
    str, Field(min_length=1, max_length=100, examples=["stable-eu"]), AfterValidator(_not_a_number)
]
#: A version number or a version label (labels are unique within a script).
VersionRef = Annotated[
    Integral | Label, Field(description="A version number (0 = the version production runs) or a version label.")
]


#: A ``time``/``since``/``at`` query value as an aware UTC datetime.
instant = parse_instant


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Public(BaseModel):
    pass


# Requests ----------------------------------------------------------------------------


class ScriptCreate(Request):
    name: str = Field(description="A slug: 1-63 of a-z 0-9 . _ -", examples=["invoice-parser"])
    description: Text = ""
    tags: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=100)


class DraftSave(Request):
    content: Any = Field(
        description="A JSON value; or text, which is parsed when format is json or yaml."
    )
    format: Literal["json", "yaml", "text"] | None = Field(
        default=None, description="Default: text for a string, json otherwise."
    )


class PublishRequest(Request):
    label: Text | None = Field(default=None, examples=["fix-null-customer"])
    note: Text | None = None


class LabelRequest(Request):
    label: Label


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


class ConfigPromoteRequest(Request):
    source: str = Field(alias="from", description="Environment to copy overlay[FROM] from.", examples=["staging"])
    target: str = Field(alias="to", description="Environment whose overlay[TO] receives it.", examples=["production"])
    keys: list[str] | None = Field(default=None, description="Only these keys.")
    include_tenant: bool = Field(default=False, description="Also the tenant[FROM] keys the content references.")
    dry_run: bool = Field(default=False, description="Change nothing: answer with the plan.")
    reason: Text | None = None
    incident: Text | None = Field(default=None, examples=["INC-1042"])


class ConfigChangePublic(BaseModel):
    key: str
    op: Literal["add", "change", "remove"]
    layer: str
    secret: bool
    from_fingerprint: str | None
    to_fingerprint: str | None


class ConfigPromotionPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True, extra="allow")

    script: str
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    changes: list[ConfigChangePublic]
    position: int | None
    effective_changes: dict[str, list[str]]


class VariableSet(Request):
    value: Text
    environment: str | None = Field(default=None, description="Default: the base scope.")
    base: bool = Field(default=False, description="The base scope, on purpose (not with environment).")
    secret: bool = False


class OverlayUpdate(Request):
    set: dict[str, Text] = Field(default_factory=dict)
    delete: list[str] = Field(default_factory=list)
    environment: str | None = Field(default=None, description="Default: the base scope.")
    base: bool = Field(default=False, description="The base scope, on purpose (not with environment).")


class TokenCreate(Request):
    name: str = Field(examples=["ci-deployer"])
    role: str = Field(description=f"One of {', '.join(ROLES)}.", examples=["deployer"])


# Responses derived from the views -------------------------------------------------


def _with_timestamps(annotation: Any) -> Any:
    if annotation is datetime:
        return Timestamp
    if get_origin(annotation) in (Union, types.UnionType):
        return Union[tuple(_with_timestamps(a) for a in get_args(annotation))]  # noqa: UP007
    return annotation


def public(view: type[View], name: str, doc: str) -> type[Public]:
    """A response schema with exactly the fields of ``view``."""
    hints = get_type_hints(view)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(view):  # type: ignore[arg-type]
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = Field(default_factory=f.default_factory)
        else:
            default = ...
        fields[f.name] = (_with_timestamps(hints[f.name]), default)
    return create_model(name, __base__=Public, __doc__=doc, **fields)


ScriptPublic = public(ScriptView, "ScriptPublic", "A script, its draft status and environment pointers.")
DraftPublic = public(DraftView, "DraftPublic", "The script's saved draft.")
VersionPublic = public(VersionView, "VersionPublic", "An immutable version.")
MovePublic = public(MoveView, "MovePublic", "The result of a promote or rollback.")
VariablePublic = public(VariableView, "VariablePublic", "A tenant variable (masked if secret).")
ImportPublic = public(ImportView, "ImportPublic", "What a .env import changed.")
OverlayPublic = public(OverlayView, "OverlayPublic", "A script's overlay in one scope.")
ConfigPublic = public(ConfigView, "ConfigPublic", "Effective configuration, with each key's layer.")
TokenPublic = public(TokenView, "TokenPublic", "An API token (never the token itself).")
IssuedTokenPublic = public(IssuedTokenView, "IssuedTokenPublic", "A new token: shown once.")


class EnvironmentsPublic(Public):
    script: str
    environments: dict[str, int | None]


# Read models (rows of the projections) ---------------------------------------------


class Row(Public):
    model_config = ConfigDict(extra="allow")


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


class AuditRowPublic(Row):
    position: int
    time: str
    org: str
    actor: str
    kind: str
    script: str | None
    environment: str | None
    from_version: int | None
    to_version: int | None
    keys: list[str] | None
    reason: str | None
    incident: str | None
    override: bool
    gates: list[str] | None
    details: dict[str, Any] | None


# Service ---------------------------------------------------------------------------


class HealthPublic(Public):
    status: Literal["ok"]
    version: str
    uptime_seconds: float


class CheckpointSummary(Public):
    size: int = Field(description="Tree size: the checkpoint covers positions 1 … size.")
    time: str = Field(description="When it was signed (ISO 8601).")


class CheckpointPublic(CheckpointSummary):
    origin: str
    root: str = Field(description="The tree's root hash (hex).")
    note: str = Field(description="The C2SP signed note (tlog-checkpoint signed with Ed25519).")


class InclusionProofPublic(Public):
    position: int
    tree_size: int
    leaf_hash: str
    path: list[str] = Field(description="Sibling hashes (hex), leaf first, as in RFC 9162.")


class ConsistencyProofPublic(Public):
    model_config = ConfigDict(populate_by_name=True)

    from_: int = Field(alias="from")
    to: int
    path: list[str] = Field(description="RFC 9162 consistency proof (hex).")


class ReadyPublic(Public):
    status: Literal["ready"]
    head: int = Field(description="Position of the last event in the log.")
    projections_lag: int = Field(description="Events the read models have yet to apply.")
    checkpoint: CheckpointSummary | None = Field(None, description="The last signed checkpoint (size, time).")
    verified: bool | None = Field(None, description="Whether the store matched its checkpoints (null: no key).")
    lag_seconds: float = Field(default=0.0, description="How long the oldest unapplied event has waited.")
    position: int = Field(0, description="Position this node's read models have reached.")
    backend: str = Field("sqlite", description="Event store: sqlite or postgresql.")


class ProblemPublic(Public):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="The validation errors (422 invalid-request only)."
    )


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


# Change requests (two-person approvals) ----------------------------------------------

RequestPublic = public(RequestView, "RequestPublic",
                       "A change request: the command, its plan, the requester, approvals and state.")


class RequestRowPublic(Row):
    id: str
    environment: str
    operation: str
    script: str | None
    requester: str
    required: int
    state: Literal["open", "approved", "applied", "rejected", "expired"]
    approvers: list[str]
    requested_at: str
    expires_at: str


class ApproveRequest(Request):
    reason: Text | None = Field(default=None, description="Why (recorded with the approval).")


class RejectRequest(Request):
    reason: Text = Field(min_length=1, description="Why the change is refused (required).")
