"""Change requests (two-person approvals): ``/v1/requests``.

The approver is always the token's principal: there is no field naming anyone else. The
role an approver needs (the change's own) is checked by the ledger against the token's.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.dependencies import CommandsDep, EditorDep, LedgerDep, ProjectionsDep, ServicesDep, ViewerDep
from api.output import plain
from api.routers import problems
from api.schemas import ApproveRequest, RejectRequest, RequestPublic, RequestRowPublic

router = APIRouter(prefix="/v1/requests", tags=["requests"])

IdPath = Annotated[str, Path(description="The change request's id, or a unique prefix of at least 6 characters.")]


async def full_id(services: Any, projections: Any, org: str, text: str) -> str:
    """The id ``text`` names, from this node's read model (a full id is taken as it is)."""
    return await services.read(lambda: projections().resolve_request_id(org, text))  # type: ignore[no-any-return]


@router.get(
    "", response_model=list[RequestRowPublic], summary="List change requests, newest first",
    responses=problems(422),
)
async def list_requests(
    caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep,
    environment: Annotated[str | None, Query(description="development, staging or production.")] = None,
    state: Annotated[str | None, Query(description="open, approved, applied, rejected or expired.")] = None,
) -> Any:
    rows = await services.read(
        lambda: projections().requests(org=caller.org, environment=environment, state=state)
    )
    return JSONResponse(plain(rows))  # in the read model's key order, as `request list -o json` prints it


@router.get(
    "/{request_id}", response_model=RequestPublic,
    summary="One change request, with its plan as it would apply now", responses=problems(404, 422),
)
async def get_request(
    request_id: IdPath, caller: ViewerDep, ledger: LedgerDep, services: ServicesDep, projections: ProjectionsDep,
) -> Any:
    request_id = await full_id(services, projections, caller.org, request_id)
    return await services.read(ledger.get_request, org=caller.org, request_id=request_id)


@router.post(
    "/{request_id}/approve", response_model=RequestPublic,
    summary="Approve as the token's principal; the last approval applies the change",
    responses=problems(404, 409, 422),
)
async def approve(
    request_id: IdPath, body: ApproveRequest, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep,
    services: ServicesDep, projections: ProjectionsDep,
) -> JSONResponse:
    request_id = await full_id(services, projections, caller.org, request_id)
    return await commands.run(
        partial(ledger.approve_request, org=caller.org, request_id=request_id, actor=caller.actor,
                role=caller.principal.role, reason=body.reason),
        RequestPublic,
    )


@router.post(
    "/{request_id}/reject", response_model=RequestPublic,
    summary="Reject a change request (a reason is required)", responses=problems(404, 409, 422),
)
async def reject(
    request_id: IdPath, body: RejectRequest, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep,
    services: ServicesDep, projections: ProjectionsDep,
) -> JSONResponse:
    request_id = await full_id(services, projections, caller.org, request_id)
    return await commands.run(
        partial(ledger.reject_request, org=caller.org, request_id=request_id, actor=caller.actor,
                role=caller.principal.role, reason=body.reason),
        RequestPublic,
    )
