"""Diffs: two versions (or the draft, or what an environment runs), and two environments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.dependencies import ServicesDep, ViewerDep
from api.routers import problems
from api.routers.scripts import NamePath

router = APIRouter(prefix="/v1/scripts", tags=["diffs"])

Side = Annotated[str, Query(description="A version number, 'draft', or an environment name.")]


@router.get(
    "/{name}/diff", summary="Compare two versions, the draft or what environments run",
    responses=problems(404, 422),
)
async def diff(
    name: NamePath, caller: ViewerDep, services: ServicesDep,
    from_: Annotated[str, Query(alias="from", description="A version number, 'draft', or an environment name.")],
    to: Side,
    view: Annotated[Literal["blocks", "code"], Query(description="blocks (structure) or code (unified diff + JSON paths).")] = "blocks",
) -> Any:
    return await services.read(
        lambda: services.projections().diff(org=caller.org, name=name, old=from_, new=to, view=view)
    )


@router.get(
    "/{name}/environments/diff",
    summary="Compare two environments: versions, content and effective config (secrets by fingerprint)",
    responses=problems(404, 422),
)
async def diff_environments(
    name: NamePath, caller: ViewerDep, services: ServicesDep,
    left: Annotated[str, Query(description="An environment, e.g. staging.")],
    right: Annotated[str, Query(description="An environment, e.g. production.")],
) -> Any:
    return await services.read(
        services.ledger.diff_environments, org=caller.org, name=name, left=left, right=right
    )
