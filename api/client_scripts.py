"""The remote client's scripts, drafts, versions, their diffs and histories (``api/routers/scripts.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from api.client_transport import Transport
from api.client_wire import seg, to_view
from ledger.content import Content
from ledger.views import DraftView, ScriptView, VersionView


class ScriptsClient(Transport):
    """These methods of ``LedgerClient``, over the shared :class:`Transport`."""

    def create_script(self, *, org: str, name: str, actor: str, description: str = "",
                      tags: Iterable[str] = ()) -> ScriptView:
        body = {"name": name, "description": description, "tags": list(tags)}
        return to_view(ScriptView, self._send("POST", "/v1/scripts", org, body))

    def get_script(self, *, org: str, name: str) -> ScriptView:
        return to_view(ScriptView, self._get(f"/v1/scripts/{seg(name)}", org))

    def list_scripts(self, *, org: str, tags: Iterable[str] = ()) -> list[ScriptView]:
        rows = self._get("/v1/scripts", org, tags=",".join(tags) or None)
        return [to_view(ScriptView, row) for row in rows]

    def save_draft(self, *, org: str, name: str, content: Content, actor: str) -> DraftView:
        data = content.data
        if isinstance(data, str) and content.format != "text":
            data = json.dumps(data, ensure_ascii=False)  # a string is parsed as the format
        body = {"content": data, "format": content.format}
        return to_view(DraftView, self._send("PUT", f"/v1/scripts/{seg(name)}/draft", org, body))

    def publish(self, *, org: str, name: str, actor: str, label: str | None = None,
                note: str | None = None) -> VersionView:
        body = {"label": label, "note": note}
        return to_view(VersionView, self._send("POST", f"/v1/scripts/{seg(name)}/publish", org, body))

    def list_versions(self, *, org: str, name: str) -> list[VersionView]:
        return [to_view(VersionView, row) for row in self._get(f"/v1/scripts/{seg(name)}/versions", org)]

    def get_version(self, *, org: str, name: str, version: int | str,
                    with_content: bool = False) -> VersionView:
        data = self._get(f"/v1/scripts/{seg(name)}/versions/{seg(str(version))}", org, content=with_content)
        return to_view(VersionView, data)

    def label_version(self, *, org: str, name: str, version: int | str, label: str,
                      actor: str) -> VersionView:
        path = f"/v1/scripts/{seg(name)}/versions/{seg(str(version))}/label"
        return to_view(VersionView, self._send("PUT", path, org, {"label": label}))

    def diff(self, *, org: str, name: str, old: str, new: str, view: str = "blocks") -> dict[str, Any]:
        return self._get(f"/v1/scripts/{seg(name)}/diff", org, **{"from": old, "to": new, "view": view})  # type: ignore[no-any-return]

    def history(self, *, org: str, name: str, environment: str | None = None,
                releases: bool = False) -> list[dict[str, Any]]:
        path = f"/v1/scripts/{seg(name)}/history"
        return self._get(path, org, environment=environment,  # type: ignore[no-any-return]
                         releases="true" if releases else None)
