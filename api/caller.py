"""The caller of a request: its token, its organization, and the role each route needs.

Authentication is the same for HTTP and gRPC (:func:`authenticate`); the FastAPI
dependencies here check the role a route declares (read by ``api/operations/routes.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.node import Services, ServicesDep
from api.problems import BadRequestError
from ledger.access import Principal, UnauthenticatedError, change_role

bearer = HTTPBearer(auto_error=False, description="A token printed by `revledger token create`.")


@dataclass(frozen=True)
class Caller:
    """The authenticated token and the organization the request is for."""

    principal: Principal
    org: str

    @property
    def actor(self) -> str:
        """Recorded as the actor of every change the request makes: the token's name."""
        return self.principal.name

    @property
    def token_scope(self) -> str:
        """What Idempotency-Keys are scoped to (with the org): this token."""
        return self.principal.token_id or self.principal.name

    def require(self, role: str, action: str) -> None:
        self.principal.check(self.org, role, action)

    def require_config_write(self, environment: str | None) -> None:
        """Production-scoped configuration needs a deployer, as production's pointer does."""
        self.require(change_role(environment), f"changing {environment or 'base'} configuration")


async def get_caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_organization_id: Annotated[
        str | None, Header(description="The organization (tenant) the request is for.")
    ] = None,
) -> Caller:
    """401 without a valid token, 400 without an organization, 403 for another org's token."""
    principal = getattr(request.state, "principal", None)  # authenticated at the edge
    token = credentials.credentials if credentials else None
    return await authenticate(services, token, x_organization_id, principal)


async def authenticate(
    services: Services, token: str | None, org: str | None, principal: Principal | None = None
) -> Caller:
    """The caller a bearer token and an organization stand for (HTTP and gRPC alike).

    Refuses a missing or unknown token, a missing organization, and a token of another
    organization, in that order, so a refusal never says whether another org's data exists.
    ``principal``: the token already authenticated (by the HTTP edge).
    """
    # Never authenticate from a history that failed verification (a deleted revocation, say).
    services.log.check_writable()
    if principal is None:
        if token is None:
            raise UnauthenticatedError("missing bearer token: send 'Authorization: Bearer <token>'")
        principal = await services.read(services.ledger.authenticate, token=token)
    if not org:
        raise BadRequestError("missing x-organization-id header: name the organization")
    caller = Caller(principal, org)
    caller.require("viewer", "reading")
    return caller


get_caller.role = "viewer"  # type: ignore[attr-defined]  # read by api/operations/routes.py


def _requires(role: str, action: str) -> Callable[..., Any]:
    async def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        caller.require(role, action)
        return caller

    check.role = role  # type: ignore[attr-defined]
    return check


ViewerDep = Annotated[Caller, Depends(get_caller)]
EditorDep = Annotated[Caller, Depends(_requires("editor", "this change"))]
AdminDep = Annotated[Caller, Depends(_requires("admin", "managing tokens"))]


def mover_role(environment: str) -> str:
    """Editors move development and staging; production needs a deployer."""
    return change_role(environment)


async def get_mover(env: str, caller: ViewerDep) -> Caller:
    caller.require(mover_role(env), f"moving the {env} pointer")
    return caller


get_mover.role = "environment"  # type: ignore[attr-defined]  # editor, deployer for production
MoverDep = Annotated[Caller, Depends(get_mover)]


def check_reveal(caller: Caller, reveal: bool) -> None:
    if reveal:
        caller.require("admin", "revealing secrets")


def revealed_keys(view: Any) -> list[str]:
    """The secret keys an answer shows in full (a variable, a list of them, an overlay, a config)."""
    if isinstance(view, list):
        return sorted({k for item in view for k in revealed_keys(item)})
    variables = getattr(view, "variables", None)
    if isinstance(variables, dict):
        return sorted(k for k, v in variables.items() if v.get("secret"))
    return [view.key] if getattr(view, "secret", False) else []


async def record_reveal(services: Services, caller: Caller, view: Any, what: str,
                        script: str | None = None, environment: str | None = None) -> Any:
    """Record a reveal over HTTP or gRPC in the audit trail (who, which keys, when), then answer."""
    keys = revealed_keys(view)
    if keys:
        await services.command(lambda: services.ledger.record_reveal(
            org=caller.org, actor=caller.actor, keys=keys, what=what, script=script,
            environment=environment))
    return view

