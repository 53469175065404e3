"""The verifiable log for remote auditors: the latest signed checkpoint and Merkle proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.dependencies import ServicesDep, ViewerDep
from api.routers import problems
from api.schemas import CheckpointPublic, ConsistencyProofPublic, InclusionProofPublic
from ledger.errors import NotFoundError
from revledger_verify.note import parse_checkpoint, split_note

router = APIRouter(prefix="/v1", tags=["verifiable log"])

Size = Annotated[int | None, Query(ge=0, le=2**62, description="Tree size (default: the whole log).")]


@router.get("/checkpoints/latest", response_model=CheckpointPublic,
            summary="The latest signed checkpoint (C2SP signed note)", responses=problems(404))
async def latest_checkpoint(caller: ViewerDep, services: ServicesDep) -> Any:
    latest = await services.read(services.log.latest)
    if latest is None:
        raise NotFoundError("no checkpoint has been signed yet: run `revledger checkpoint`")
    checkpoint = parse_checkpoint(split_note(latest["note"])[0])
    return {"size": latest["size"], "time": latest["time"], "origin": checkpoint.origin,
            "root": checkpoint.root.hex(), "note": latest["note"]}


@router.get("/proofs/inclusion", response_model=InclusionProofPublic,
            summary="Inclusion proof of the event at a position", responses=problems())
async def inclusion_proof(
    caller: ViewerDep, services: ServicesDep,
    position: Annotated[int, Query(ge=1, le=2**62, description="The event's position (1, 2, 3 …).")],
    tree_size: Size = None,
) -> Any:
    return await services.read(services.log.inclusion, position, tree_size)


@router.get("/proofs/consistency", response_model=ConsistencyProofPublic,
            summary="Consistency proof between two tree sizes", responses=problems())
async def consistency_proof(
    caller: ViewerDep, services: ServicesDep,
    from_: Annotated[int, Query(alias="from", ge=0, le=2**62, description="The older tree size.")],
    to: Size = None,
) -> Any:
    return await services.read(services.log.consistency, from_, to)
