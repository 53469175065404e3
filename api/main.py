"""The HTTP API: ``create_app(settings)`` builds the FastAPI application.

Run it with ``revledger serve``. OpenAPI at ``/openapi.json``, interactive docs at ``/docs``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.dependencies import (
    VERSION, PositionNotReachedError, Services, open_services, wait_for_position,
)
from api.constraints import declare
from api.edge import Edge
from api.operations.routes import describe
from api.problems import PROBLEM_JSON, install, ledger_problem, problem, problem_response
from api.routers import (
    audit, config, diffs, environments, health, incidents, logs, reports, requests, scriptum, scripts,
    tokens, transparency, runs,
)
from api.services import serving
from api.web import router as web_ui
from api.settings import Settings, get_settings
from projections.wakeups import LogWakeups

log = logging.getLogger("revledger.api")

DESCRIPTION = """\
Publish, promote, roll back and audit scripts and their configuration over HTTP.

Every route but `/health` and `/ready` needs `Authorization: Bearer <token>` and
`x-organization-id: <org>`. Errors are RFC 9457 `application/problem+json`.
Send `Idempotency-Key` on a POST, PUT or PATCH to make a retry safe.
"""


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with a 413 problem, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = problem_response(problem(413, self._detail()))
            await response(scope, receive, send)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, self._detail())  # routes turn it into a problem
            return message

        await self.app(scope, counting, send)

    def _detail(self) -> str:
        return f"request body over {self.limit} bytes: nothing was done"


async def keep_caught_up(services: Services, interval: float) -> None:
    """Apply events written by other processes (other nodes, a local CLI) to the read models:
    when woken (a PostgreSQL NOTIFY, a request waiting for a position), else every ``interval``."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(services.wake.wait(), interval)
        services.wake.clear()
        try:
            await services.write(services.catch_up)
        except Exception:  # noqa: BLE001 - keep following; /ready reports the lag meanwhile
            log.exception("catching up the read models failed; retrying")


def listen_for_writes(services: Services, loop: asyncio.AbstractEventLoop) -> LogWakeups | None:
    """On PostgreSQL, wake the follower on every write by any node (LISTEN/NOTIFY)."""
    env = services.ledger.env
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    channel = services.ledger.recorder.channel_name  # type: ignore[attr-defined]
    return LogWakeups(env, channel, lambda: loop.call_soon_threadsafe(services.wake.set)).start()


async def position_not_reached(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, PositionNotReachedError)
    return problem_response(ledger_problem(error), headers={"Retry-After": "1"})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with serving(settings):  # `projections rebuild` refuses to run meanwhile
            async with _serve(app):
                yield

    @contextlib.asynccontextmanager
    async def _serve(app: FastAPI) -> AsyncIterator[None]:
        services = open_services(settings)
        await services.write(services.catch_up)
        await services.write(services.verify)  # before the first request: refuse work from an altered history
        app.state.services = services
        rpc = None
        if settings.grpc_port is not None:
            from api.rpc.server import GrpcServer  # grpc loads only when it is served

            rpc = GrpcServer(services)
            try:
                app.state.grpc_port = await rpc.start()
            except Exception:
                services.close()
                raise
        follower = asyncio.create_task(keep_caught_up(services, settings.catch_up_interval))
        wakeups = listen_for_writes(services, asyncio.get_running_loop())
        try:
            yield
        finally:
            if wakeups is not None:
                wakeups.stop()
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            if rpc is not None:
                await rpc.stop()
            services.close()

    app = FastAPI(
        title="revledger",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(wait_for_position)],
    )
    app.add_exception_handler(PositionNotReachedError, position_not_reached)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(Edge, max_headers=settings.max_headers, max_header_bytes=settings.max_header_bytes)  # outermost: OPTIONS and authentication before any body is read
    install(app)
    for module in (health, scripts, environments, diffs, config, audit, tokens, logs, incidents, reports,
                   scriptum, transparency, requests, runs):
        describe(module.router)  # summaries and x-revledger-* members from api/operations/
        app.include_router(module.router)
    app.include_router(web_ui, include_in_schema=False)  # /ui: the web UI (docs/web-ui.md)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, with error responses documented as application/problem+json."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in schema["paths"].values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if status[0] in "45" and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        app.openapi_schema = declare(schema)
    return app.openapi_schema
