"""Schemas of configuration: tenant variables, script overlays, effective configuration and
copying an overlay between environments."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.base import Request, Text, public
from ledger.views import ConfigView, ImportView, OverlayView, VariableView


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
    dry_run: bool
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



VariablePublic = public(VariableView, "VariablePublic", "A tenant variable (masked if secret).")
ImportPublic = public(ImportView, "ImportPublic", "What a .env import changed.")
OverlayPublic = public(OverlayView, "OverlayPublic", "A script's overlay in one scope.")
ConfigPublic = public(ConfigView, "ConfigPublic", "Effective configuration, with each key's layer.")
