"""The remote client's transport: one bearer token, one server, read-your-writes positions.

Every resource client (``api/client_*.py``) is a :class:`Transport`: it sends with ``_get``
and ``_send`` and gets problems back as the ``LedgerError`` the server raised.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from api.client_wire import remote_error
from api.errors import ServerUnreachableError, error_class
from ledger.errors import LedgerError

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


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class Transport:
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
