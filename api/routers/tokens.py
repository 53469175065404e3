"""API tokens of the caller's organization: ``/v1/tokens`` (admin only)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from api.dependencies import AdminDep, CommandsDep, LedgerDep, ServicesDep
from api.routers import problems
from api.schemas import IssuedTokenPublic, TokenCreate, TokenPublic

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


@router.get("", response_model=list[TokenPublic], summary="List the organization's tokens", responses=problems())
async def list_tokens(caller: AdminDep, services: ServicesDep) -> Any:
    return await services.read(lambda: services.projections().list_tokens(org=caller.org))


@router.post(
    "", status_code=201, response_model=IssuedTokenPublic,
    summary="Issue a token (shown once)", responses=problems(409),
)
async def issue_token(
    body: TokenCreate, caller: AdminDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    # The new token is never stored, not even for an idempotent retry: a retry gets 409.
    return await commands.run(
        partial(ledger.issue_token, org=caller.org, name=body.name, role=body.role, actor=caller.actor),
        IssuedTokenPublic, 201, remember=False,
    )


@router.delete(
    "/{name}", response_model=TokenPublic, summary="Revoke a token", responses=problems(404),
)
async def revoke_token(
    name: Annotated[str, Path(description="The token's name.")],
    caller: AdminDep, ledger: LedgerDep, commands: CommandsDep,
) -> JSONResponse:
    return await commands.run(
        partial(ledger.revoke_token, org=caller.org, name=name, actor=caller.actor), TokenPublic
    )
