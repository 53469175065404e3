"""Schemas of scripts, their drafts and their versions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from api.schemas.base import Label, Request, Text, public
from ledger.views import DraftView, ScriptView, VersionView


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



ScriptPublic = public(ScriptView, "ScriptPublic", "A script, its draft status and environment pointers.")
DraftPublic = public(DraftView, "DraftPublic", "The script's saved draft.")
VersionPublic = public(VersionView, "VersionPublic", "An immutable version.")
