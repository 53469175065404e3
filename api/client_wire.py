"""The wire forms of the remote client: views from their JSON, errors from problems, and
escaped path segments."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from ledger.errors import LedgerError
from ledger.views import View

V = TypeVar("V", bound=View)


def to_view(cls: type[V], data: dict[str, Any]) -> V:
    """A view from its JSON form: times parsed back, unknown (newer) fields ignored."""
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        value = data[f.name]
        if isinstance(value, str) and "datetime" in str(f.type):
            value = datetime.fromisoformat(value)
        values[f.name] = value
    return cls(**values)


def remote_error(cls: type[LedgerError], message: str, members: dict[str, Any]) -> LedgerError:
    """An instance of ``cls`` (so its exit code holds) built from a problem's members."""

    def init(self: LedgerError, message: str) -> None:
        LedgerError.__init__(self, message)

    def extra(self: LedgerError) -> dict[str, Any]:
        return members

    remote = type(cls.__name__, (cls,), {"__init__": init, "extra": extra, "__module__": "api.client",
                                         "remote": True})
    return remote(message)  # type: ignore[no-any-return]


def seg(value: str) -> str:
    """One path segment, escaped (names are validated by the server)."""
    return quote(value, safe="")

