"""Metadata authentication for every RPC but reflection and health, in one interceptor.

``authorization: Bearer <token>`` and ``x-organization-id: <org>`` are checked exactly as the
HTTP API checks its headers (:func:`api.dependencies.authenticate`); the caller is handed to
the method through a context variable. Server reflection, ``grpc.health.v1.Health`` and
``HealthCheck`` stay open, so a client can discover and probe the service without a token.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import grpc

from api.dependencies import Caller, Services, authenticate
from api.rpc.status import abort
from ledger.errors import LedgerError

SERVICE = "dodil.scriptum.v1.ScriptumService"

#: Methods (or whole services, ending in ``/``) that need no token.
OPEN = (
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.health.v1.Health/",
    f"/{SERVICE}/HealthCheck",
)

CALLER: contextvars.ContextVar[Caller] = contextvars.ContextVar("revledger_rpc_caller")


def is_open(method: str) -> bool:
    return any(method == m or (m.endswith("/") and method.startswith(m)) for m in OPEN)


def credentials(metadata: Iterable[tuple[str, Any]] | None) -> tuple[str | None, str | None]:
    """The bearer token and the organization named in the call's metadata."""
    token = org = None
    for key, value in metadata or ():
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if key == "authorization":
            scheme, _, rest = text.strip().partition(" ")
            if scheme.lower() == "bearer" and rest.strip():
                token = rest.strip()
        elif key == "x-organization-id":
            org = text.strip()
    return token, org


class Authentication(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Wraps each protected unary method: authenticate first, then run it as that caller."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or is_open(details.method):
            return handler
        if handler.unary_unary is None:  # every ScriptumService method is unary
            raise RuntimeError(f"{details.method}: streaming methods are not authenticated")
        token, org = credentials(details.invocation_metadata)
        behavior, services = handler.unary_unary, self.services

        async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                caller = await authenticate(services, token, org)
            except LedgerError as error:
                await abort(context, error)
            CALLER.set(caller)
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
