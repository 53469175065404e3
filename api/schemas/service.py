"""Schemas of the service itself: health, readiness, problems, checkpoints and proofs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.base import Public


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


