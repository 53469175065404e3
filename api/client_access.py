"""The remote client's API tokens and audit trail (``api/routers/tokens.py``, ``api/routers/audit.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from api.client_transport import Transport
from api.client_wire import seg, to_view
from ledger.access import IssuedTokenView, TokenView

#: Rows per request when the client pages through the whole audit trail.
AUDIT_PAGE = 1000


class AccessClient(Transport):
    """These methods of ``LedgerClient``, over the shared :class:`Transport`."""

    def issue_token(self, *, org: str, name: str, role: str, actor: str) -> IssuedTokenView:
        body = {"name": name, "role": role}
        return to_view(IssuedTokenView, self._send("POST", "/v1/tokens", org, body))

    def list_tokens(self, *, org: str) -> list[TokenView]:
        return [to_view(TokenView, row) for row in self._get("/v1/tokens", org)]

    def revoke_token(self, *, org: str, name: str, actor: str) -> TokenView:
        return to_view(TokenView, self._send("DELETE", f"/v1/tokens/{seg(name)}", org))

    def audit(self, *, org: str, script: str | None = None, environment: str | None = None,
              actor: str | None = None, kind: Iterable[str] | str | None = None,
              since: datetime | None = None, until: datetime | None = None,
              incident: str | None = None, after: int | None = None,
              limit: int | None = None) -> list[dict[str, Any]]:
        """Rows in log order; without ``limit``, every page."""
        kinds = [kind] if isinstance(kind, str) else list(kind or [])
        params: dict[str, Any] = {
            "script": script, "environment": environment, "actor": actor,
            "kind": kinds or None, "incident": incident,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        }
        rows: list[dict[str, Any]] = []
        while True:
            page_size = limit if limit is not None else AUDIT_PAGE
            page = self._get("/v1/audit", org, **params, after=after, limit=page_size)
            rows.extend(page)
            if limit is not None or len(page) < page_size:
                return rows
            after = page[-1]["position"]
