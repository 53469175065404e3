"""Request and response schemas of the HTTP API, one module per resource.

Requests are strict and forbid unknown fields. Responses (``…Public``) are derived from the
ledger's views, so a response has exactly the fields of the CLI's JSON for the same
operation; times are ISO 8601 with an offset, as the CLI prints them. Everything is
importable from ``api.schemas`` (operation declarations name ``api.schemas:Name``).
"""

from api.schemas.access import AuditRowPublic, IssuedTokenPublic, TokenCreate, TokenPublic
from api.schemas.base import (
    Integral, Label, Public, Request, Row, Text, Timestamp, Version, VersionRef, instant, public,
)
from api.schemas.config import (
    ConfigChangePublic, ConfigPromoteRequest, ConfigPromotionPublic, ConfigPublic, ImportPublic,
    OverlayPublic, OverlayUpdate, VariablePublic, VariableSet,
)
from api.schemas.environments import (
    AtPublic, EnvironmentsPublic, GatePublic, HistoryEntryPublic, MovePublic, PlanPublic,
    PromoteRequest, ReleasePublic, RollbackRequest, StatusRowPublic,
)
from api.schemas.requests import ApproveRequest, RejectRequest, RequestPublic, RequestRowPublic
from api.schemas.scripts import (
    DraftPublic, DraftSave, LabelRequest, PublishRequest, ScriptCreate, ScriptPublic, VersionPublic,
)
from api.schemas.service import (
    CheckpointPublic, CheckpointSummary, ConsistencyProofPublic, HealthPublic, InclusionProofPublic,
    ProblemPublic, ReadyPublic,
)

__all__ = [
    "ApproveRequest", "AtPublic", "AuditRowPublic", "CheckpointPublic", "CheckpointSummary",
    "ConfigChangePublic", "ConfigPromoteRequest", "ConfigPromotionPublic", "ConfigPublic",
    "ConsistencyProofPublic", "DraftPublic", "DraftSave", "EnvironmentsPublic", "GatePublic",
    "HealthPublic", "HistoryEntryPublic", "ImportPublic", "InclusionProofPublic", "Integral",
    "IssuedTokenPublic", "Label", "LabelRequest", "MovePublic", "OverlayPublic", "OverlayUpdate",
    "PlanPublic", "ProblemPublic", "PromoteRequest", "Public", "PublishRequest", "ReadyPublic",
    "RejectRequest", "ReleasePublic", "Request", "RequestPublic", "RequestRowPublic", "RollbackRequest",
    "Row", "ScriptCreate", "ScriptPublic", "StatusRowPublic", "Text", "Timestamp", "TokenCreate",
    "TokenPublic", "Version", "VersionPublic", "VersionRef", "VariablePublic", "VariableSet", "instant",
    "public",
]
