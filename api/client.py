"""The HTTP client of the CLI's remote mode: the Ledger's methods, over the HTTP API.

Methods take the same keyword arguments and return the same views as
:class:`ledger.application.Ledger` (and the read-model queries of
:class:`projections.service.Projections`), so every command renders the same output.
Problems come back as the ``LedgerError`` subclass the server raised, so the CLI prints
the same one-line error with the same exit code. The actor of a remote change is the
token's name: the server records it, whatever ``--actor`` says.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from pathlib import Path
from urllib.parse import quote
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

import httpx

from api.client_incidents import IncidentsClient
from api.client_runs import RunsClient
from ledger.approvals import RequestView
from api.errors import ServerUnreachableError, error_class
from ledger.access import IssuedTokenView, TokenView
from ledger.unset import UNSET
from ledger.content import Content
from ledger.errors import LedgerError
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

V = TypeVar("V", bound=View)

#: Rows per request when the client pages through the whole audit trail.
AUDIT_PAGE = 1000
#: Every write answers with its log position; a request may ask for a node that has reached one.
POSITION = "X-Revledger-Position"
MIN_POSITION = "X-Revledger-Min-Position"


def _load_position(path: Path | None, server: str) -> int:
    try:
        return int(json.loads(path.read_text(encoding="utf-8")).get(server, 0)) if path else 0
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


def _save_position(path: Path | None, server: str, position: int) -> None:
    if path is None:
        return
    try:
        known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if not isinstance(known, dict):
            known = {}
        known[server] = max(position, int(known.get(server, 0)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known), encoding="utf-8")
    except (OSError, ValueError, TypeError):
        pass  # read-your-writes is then best effort within this process


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

    remote = type(cls.__name__, (cls,), {"__init__": init, "extra": extra, "__module__": __name__,
                                         "remote": True})
    return remote(message)  # type: ignore[no-any-return]


def _seg(value: str) -> str:
    """One path segment, escaped (names are validated by the server)."""
    return quote(value, safe="")


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class LedgerClient(RunsClient, IncidentsClient):
    """Talks to ``revledger serve`` at ``base_url`` with one bearer token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None,
                 positions: Path | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        #: Read-your-writes: the log position of this client's last write; sent as
        #: ``X-Revledger-Min-Position`` so any node behind a load balancer answers only once
        #: its read models hold that write. Kept in ``positions`` between CLI runs.
        self.positions = positions
        self.min_position = _load_position(positions, self.base_url)
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            # Retries cover connecting only. Plain http needs no TLS context (~50 ms to build).
            transport=transport or httpx.HTTPTransport(
                retries=2, verify=self.base_url.startswith("https:")
            ),
        )

    def close(self) -> None:
        self.http.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise LedgerError(f"{name.replace('_', ' ')} is not available in remote mode")

    # Transport -------------------------------------------------------------------

    def _request(self, method: str, path: str, org: str, *, params: dict[str, Any] | None = None,
                 json_body: Any = None, content: str | None = None,
                 timeout: float | None = None) -> httpx.Response:
        headers = {"x-organization-id": org}
        if self.min_position:
            headers[MIN_POSITION] = str(self.min_position)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            # A retry after a lost response is answered with the first response.
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if content is not None:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        kwargs: dict[str, Any] = {"params": _clean(params or {}), "headers": headers}
        if timeout is not None:
            kwargs["timeout"] = timeout
        if json_body is not None:
            kwargs["json"] = json_body
        if content is not None:
            kwargs["content"] = content.encode("utf-8")
        for attempt in (1, 2):
            try:
                response = self._patiently(method, path, kwargs)
                break
            except (httpx.ReadTimeout, httpx.RemoteProtocolError) as error:
                if attempt == 2 or "Idempotency-Key" not in headers:
                    raise ServerUnreachableError(f"no answer from {self.base_url}: {error}") from None
            except httpx.HTTPError as error:
                raise ServerUnreachableError(f"cannot reach {self.base_url}: {error}") from None
        if response.status_code >= 400:
            raise self._error(response)
        self._note_position(response)
        return response

    def _patiently(self, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
        """Send; while a node answers 503 + Retry-After (its read models are not at our last
        write yet), wait as told and ask again, a bounded number of times."""
        for _ in range(5):
            response = self.http.request(method, path, **kwargs)
            retry_after = response.headers.get("Retry-After", "")
            if response.status_code != 503 or not retry_after.isdigit():
                return response
            time.sleep(min(int(retry_after), 5))
        return response

    def _note_position(self, response: httpx.Response) -> None:
        text = response.headers.get(POSITION, "")
        if text.isdigit() and int(text) > self.min_position:
            self.min_position = int(text)
            _save_position(self.positions, self.base_url, self.min_position)

    def _error(self, response: httpx.Response) -> LedgerError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "status" not in body:
            return ServerUnreachableError(
                f"{self.base_url} answered {response.status_code} {response.reason_phrase}, "
                "which is not the revledger API"
            )
        detail = body.get("detail") or body.get("title") or f"HTTP {response.status_code}"
        members = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail")}
        return remote_error(error_class(str(body.get("type", "")), response.status_code), detail, members)

    def _get(self, path: str, org: str, **params: Any) -> Any:
        return self._request("GET", path, org, params=params).json()

    def _send(self, method: str, path: str, org: str, body: Any = None, **params: Any) -> Any:
        return self._request(method, path, org, json_body=body, params=params).json()

    # Scripts, drafts and versions ------------------------------------------------

    def create_script(self, *, org: str, name: str, actor: str, description: str = "",
                      tags: Iterable[str] = ()) -> ScriptView:
        body = {"name": name, "description": description, "tags": list(tags)}
        return to_view(ScriptView, self._send("POST", "/v1/scripts", org, body))

    def get_script(self, *, org: str, name: str) -> ScriptView:
        return to_view(ScriptView, self._get(f"/v1/scripts/{_seg(name)}", org))

    def list_scripts(self, *, org: str, tags: Iterable[str] = ()) -> list[ScriptView]:
        rows = self._get("/v1/scripts", org, tags=",".join(tags) or None)
        return [to_view(ScriptView, row) for row in rows]

    def save_draft(self, *, org: str, name: str, content: Content, actor: str) -> DraftView:
        data = content.data
        if isinstance(data, str) and content.format != "text":
            data = json.dumps(data, ensure_ascii=False)  # a string is parsed as the format
        body = {"content": data, "format": content.format}
        return to_view(DraftView, self._send("PUT", f"/v1/scripts/{_seg(name)}/draft", org, body))

    def publish(self, *, org: str, name: str, actor: str, label: str | None = None,
                note: str | None = None) -> VersionView:
        body = {"label": label, "note": note}
        return to_view(VersionView, self._send("POST", f"/v1/scripts/{_seg(name)}/publish", org, body))

    def list_versions(self, *, org: str, name: str) -> list[VersionView]:
        return [to_view(VersionView, row) for row in self._get(f"/v1/scripts/{_seg(name)}/versions", org)]

    def get_version(self, *, org: str, name: str, version: int | str,
                    with_content: bool = False) -> VersionView:
        data = self._get(f"/v1/scripts/{_seg(name)}/versions/{_seg(str(version))}", org, content=with_content)
        return to_view(VersionView, data)

    def label_version(self, *, org: str, name: str, version: int | str, label: str,
                      actor: str) -> VersionView:
        path = f"/v1/scripts/{_seg(name)}/versions/{_seg(str(version))}/label"
        return to_view(VersionView, self._send("PUT", path, org, {"label": label}))

    # Environments ------------------------------------------------------------------

    def pointers(self, *, org: str, name: str) -> dict[str, int | None]:
        return self._get(f"/v1/scripts/{_seg(name)}/environments", org)["environments"]  # type: ignore[no-any-return]

    def promote(self, *, org: str, name: str, version: int, environment: str, actor: str,
                reason: str | None = None, expect_current: int | None = UNSET,
                override_gates: bool = False, incident: str | None = None) -> MoveView:
        body: dict[str, Any] = {"version": version, "reason": reason, "incident": incident}
        if expect_current is not UNSET:
            body["expect_current"] = expect_current
        if override_gates:
            body["override_gates"] = True
        path = f"/v1/scripts/{_seg(name)}/environments/{_seg(environment)}/promote"
        return self._move_or_request(self._send("POST", path, org, body))

    def rollback(self, *, org: str, name: str, to: int, actor: str,
                 environment: str = "production", reason: str | None = None,
                 incident: str | None = None, force: bool = False,
                 expect_current: int | None = UNSET) -> MoveView:
        body = {"to": to, "reason": reason, "incident": incident, "force": force}
        if expect_current is not UNSET:
            body["expect_current"] = expect_current
        path = f"/v1/scripts/{_seg(name)}/environments/{_seg(environment)}/rollback"
        return self._move_or_request(self._send("POST", path, org, body))

    @staticmethod
    def _move_or_request(data: dict[str, Any]) -> Any:
        """A move, or (202, approvals needed) the change request recorded instead."""
        return to_view(RequestView, data) if "requester" in data else to_view(MoveView, data)

    # Change requests ---------------------------------------------------------------

    def requests(self, *, org: str, environment: str | None = None,
                 state: str | None = None) -> list[dict[str, Any]]:
        return self._get("/v1/requests", org, environment=environment, state=state)  # type: ignore[no-any-return]

    def get_request(self, *, org: str, request_id: str) -> RequestView:
        return to_view(RequestView, self._get(f"/v1/requests/{_seg(request_id)}", org))

    def approve_request(self, *, org: str, request_id: str, actor: str, role: str | None = None,
                        reason: str | None = None) -> RequestView:
        """The server records the token's principal as the approver (``actor`` is not sent)."""
        path = f"/v1/requests/{_seg(request_id)}/approve"
        return to_view(RequestView, self._send("POST", path, org, {"reason": reason}))

    def reject_request(self, *, org: str, request_id: str, actor: str, reason: str,
                       role: str | None = None) -> RequestView:
        path = f"/v1/requests/{_seg(request_id)}/reject"
        return to_view(RequestView, self._send("POST", path, org, {"reason": reason}))

    # Safe promotion: plans and diffs ---------------------------------------------

    def plan_promotion(self, *, org: str, name: str, version: int, environment: str) -> dict[str, Any]:
        path = f"/v1/scripts/{_seg(name)}/environments/{_seg(environment)}/promote"
        return self._send("POST", path, org, {"version": version, "dry_run": True})  # type: ignore[no-any-return]

    def plan_rollback(self, *, org: str, name: str, to: int, environment: str = "production",
                      incident: str | None = None, reason: str | None = None,
                      force: bool = False) -> dict[str, Any]:
        path = f"/v1/scripts/{_seg(name)}/environments/{_seg(environment)}/rollback"
        body = {"to": to, "dry_run": True, "incident": incident, "reason": reason, "force": force}
        return self._send("POST", path, org, body)  # type: ignore[no-any-return]

    def diff(self, *, org: str, name: str, old: str, new: str, view: str = "blocks") -> dict[str, Any]:
        return self._get(f"/v1/scripts/{_seg(name)}/diff", org, **{"from": old, "to": new, "view": view})  # type: ignore[no-any-return]

    def diff_environments(self, *, org: str, name: str, left: str, right: str) -> dict[str, Any]:
        return self._get(f"/v1/scripts/{_seg(name)}/environments/diff", org, left=left, right=right)  # type: ignore[no-any-return]

    # Tenant variables, overlays, effective config --------------------------------

    def set_variable(self, *, org: str, key: str, value: str, actor: str,
                     environment: str | None = None, secret: bool = False) -> VariableView:
        body = {"value": value, "environment": environment, "secret": secret}
        return to_view(VariableView, self._send("PUT", f"/v1/env/{_seg(key)}", org, body))

    def get_variable(self, *, org: str, key: str, environment: str | None = None,
                     reveal: bool = False) -> VariableView:
        data = self._get(f"/v1/env/{_seg(key)}", org, environment=environment, reveal=reveal or None)
        return to_view(VariableView, data)

    def list_variables(self, *, org: str, environment: str | None = None,
                       reveal: bool = False) -> list[VariableView]:
        rows = self._get("/v1/env", org, environment=environment, reveal=reveal or None)
        return [to_view(VariableView, row) for row in rows]

    def delete_variable(self, *, org: str, key: str, actor: str,
                        environment: str | None = None) -> VariableView:
        data = self._send("DELETE", f"/v1/env/{_seg(key)}", org, environment=environment)
        return to_view(VariableView, data)

    def import_variables(self, *, org: str, text: str, actor: str,
                         environment: str | None = None, source: str = ".env",
                         base: bool = False) -> ImportView:
        params = {"environment": environment, "source": source, "base": base or None}
        response = self._request("POST", "/v1/env/import", org, params=params, content=text)
        return to_view(ImportView, response.json())

    def get_overlay(self, *, org: str, name: str, environment: str | None = None,
                    reveal: bool = False) -> OverlayView:
        data = self._get(f"/v1/scripts/{_seg(name)}/env", org, environment=environment, reveal=reveal or None)
        return to_view(OverlayView, data)

    def update_overlay(self, *, org: str, name: str, actor: str,
                       set_: dict[str, str] | None = None, delete: list[str] | None = None,
                       environment: str | None = None) -> OverlayView:
        body = {"set": dict(set_ or {}), "delete": list(delete or []), "environment": environment}
        return to_view(OverlayView, self._send("PATCH", f"/v1/scripts/{_seg(name)}/env", org, body))

    def resolve_config(self, *, org: str, name: str, environment: str,
                       reveal: bool = False) -> ConfigView:
        data = self._get(f"/v1/scripts/{_seg(name)}/config", org, environment=environment,
                         reveal=reveal or None)
        return to_view(ConfigView, data)

    # API tokens --------------------------------------------------------------------

    def issue_token(self, *, org: str, name: str, role: str, actor: str) -> IssuedTokenView:
        body = {"name": name, "role": role}
        return to_view(IssuedTokenView, self._send("POST", "/v1/tokens", org, body))

    def list_tokens(self, *, org: str) -> list[TokenView]:
        return [to_view(TokenView, row) for row in self._get("/v1/tokens", org)]

    def revoke_token(self, *, org: str, name: str, actor: str) -> TokenView:
        return to_view(TokenView, self._send("DELETE", f"/v1/tokens/{_seg(name)}", org))

    # Read models (the queries of projections.service.Projections) -----------------

    def current(self, *, org: str, environment: str | None = None) -> list[dict[str, Any]]:
        return self._get("/v1/status", org, environment=environment)  # type: ignore[no-any-return]

    def at(self, *, org: str, name: str, environment: str, time: datetime) -> dict[str, Any]:
        path = f"/v1/scripts/{_seg(name)}/environments/{_seg(environment)}/at"
        return self._get(path, org, time=time.isoformat())  # type: ignore[no-any-return]

    def snapshot(self, *, org: str, environment: str, time: datetime) -> list[dict[str, Any]]:
        path = f"/v1/environments/{_seg(environment)}/at"
        return self._get(path, org, time=time.isoformat())  # type: ignore[no-any-return]

    def history(self, *, org: str, name: str,
                environment: str | None = None) -> list[dict[str, Any]]:
        path = f"/v1/scripts/{_seg(name)}/history"
        return self._get(path, org, environment=environment)  # type: ignore[no-any-return]

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

    def config_at(self, *, org: str, name: str, environment: str, time: datetime,
                  reveal: bool = False) -> ConfigView:
        data = self._get(f"/v1/scripts/{_seg(name)}/config", org, environment=environment,
                         at=time.isoformat(), reveal=reveal or None)
        return to_view(ConfigView, data)
