"""The HTTP edge, before any route runs: authentication before the body is read, the
methods a path allows (``OPTIONS`` and ``405`` list them in ``Allow``), and header limits.

These are ASGI middlewares, so they hold for every route, however routes are declared.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import ledger_problem, problem, problem_response
from ledger.access import UnauthenticatedError

#: Paths served without a token (liveness, readiness and the API's own documentation), and
#: the web UI, which authenticates its session cookie itself (api/web/sessions.py).
PUBLIC_PATHS = (
    "/health", "/ready", "/v1/scriptum/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc",
    "/ui/",
)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: Any, scope: Scope) -> list[str]:
    """Every method some route of ``app`` serves at the request's path (with OPTIONS)."""
    routes = getattr(app, "routes", [])
    found = [
        method for method in METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    return [*found, "OPTIONS"] if found else []


def _routed(app: Any, scope: Scope) -> bool:
    """Whether some route serves the path (any method): unknown paths stay a plain 404."""
    return any(route.matches(scope)[0] != Match.NONE for route in getattr(app, "routes", []))


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


class Edge:
    """Answers OPTIONS from the routes, and refuses requests without a valid token (401)
    before the route reads their body; the principal is kept in ``scope["state"]``."""

    def __init__(self, app: ASGIApp, max_headers: int = 100, max_header_bytes: int = 16 * 1024) -> None:
        self.app = app
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        size = sum(len(name) + len(value) + 4 for name, value in headers)
        if len(headers) > self.max_headers or size > self.max_header_bytes:
            detail = (f"request headers over the limits ({self.max_headers} fields, "
                      f"{self.max_header_bytes} bytes): nothing was done")
            await problem_response(problem(431, detail))(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            methods = allowed_methods(scope.get("app"), scope)
            if methods:
                await _respond(scope, receive, send, 204, {"Allow": ", ".join(methods)})
                return
        public = scope["path"].startswith(PUBLIC_PATHS) or scope["path"] == "/ui"
        if not public and _routed(scope.get("app"), scope):
            refusal = await self._authenticate(scope)
            if refusal is not None:
                response = problem_response(ledger_problem(refusal), {"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> UnauthenticatedError | None:
        token = _bearer(scope)
        if token is None:
            return UnauthenticatedError("missing bearer token: send 'Authorization: Bearer <token>'")
        services = scope["app"].state.services
        try:
            principal = await services.read(services.ledger.authenticate, token=token)
        except UnauthenticatedError as refused:
            return refused
        scope.setdefault("state", {})["principal"] = principal
        return None


async def _respond(scope: Scope, receive: Receive, send: Send, status: int, headers: dict[str, str]) -> None:
    from starlette.responses import Response

    await Response(status_code=status, headers=headers)(scope, receive, send)


def method_not_allowed(app: Any, scope: Scope) -> Any:
    """The 405 problem, with every method of the path in ``Allow``."""
    methods = allowed_methods(app, scope)
    body = problem(405, f"{scope['method']} is not allowed here: use {', '.join(methods)}")
    return problem_response(body, {"Allow": ", ".join(methods)})
