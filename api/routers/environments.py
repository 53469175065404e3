"""Environment pointers: promote, roll back, and what ran when.

``/v1/scripts/{name}/environments…``, ``/v1/environments/{env}/at`` and ``/v1/status``.
Lookups answer from the read models, which every write brings up to date before it returns.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.dependencies import CommandsDep, LedgerDep, MoverDep, ProjectionsDep, ServicesDep, ViewerDep
from api.routers import problems
from api.routers.scripts import NamePath
from api.schemas import (
    instant,
    AtPublic,
    EnvironmentsPublic,
    HistoryEntryPublic,
    MovePublic,
    PlanPublic,
    PromoteRequest,
    ReleasePublic,
    RequestPublic,
    RollbackRequest,
    StatusRowPublic,
)
from ledger.unset import UNSET

router = APIRouter(prefix="/v1", tags=["environments"])

#: With ``approvals.<env>`` set, a covered change answers 202 with the change request.
APPROVALS_NEEDED: dict[int | str, dict[str, Any]] = {
    202: {"model": RequestPublic, "description": "Approvals needed: the change request, nothing moved."},
}

EnvPath = Annotated[str, Path(description="development, staging or production.", examples=["staging"])]
TimeQuery = Annotated[
    str, Query(description="ISO 8601 with an offset (e.g. 2026-11-25T14:03:00+01:00), or 'now'.")
]
EnvQuery = Annotated[str | None, Query(description="development, staging or production.")]


@router.get(
    "/scripts/{name}/environments", response_model=EnvironmentsPublic,
    summary="The version each environment runs", responses=problems(404),
)
async def environments(name: NamePath, caller: ViewerDep, projections: ProjectionsDep, services: ServicesDep) -> Any:
    found = await services.read(lambda: projections().environments(org=caller.org, name=name))
    return {"script": name, "environments": found}


@router.post(
    "/scripts/{name}/environments/{env}/promote", response_model=MovePublic | PlanPublic,
    summary="Point an environment at a version, if the gates pass (or plan it: dry_run)",
    responses={**problems(404, 409), **APPROVALS_NEEDED},
)
async def promote(
    name: NamePath, env: EnvPath, body: PromoteRequest,
    caller: MoverDep, ledger: LedgerDep, commands: CommandsDep, services: ServicesDep,
) -> JSONResponse:
    if body.dry_run:
        plan = await services.read(
            ledger.plan_promotion, org=caller.org, name=name, version=body.version, environment=env,
            **({"with_config_from": body.with_config_from} if body.with_config_from else {}),
        )
        return JSONResponse(plan)
    if body.override_gates:
        caller.require("deployer", "overriding promotion gates")
    if body.with_config_from:
        caller.require_config_write(env)
    expected = body.expect_current if "expect_current" in body.model_fields_set else UNSET
    return await commands.run(
        partial(ledger.promote, org=caller.org, name=name, version=body.version, environment=env,
                actor=caller.actor, reason=body.reason, expect_current=expected,
                incident=body.incident, override_gates=body.override_gates,
                **({"with_config_from": body.with_config_from} if body.with_config_from else {})),
        MovePublic,
    )


@router.post(
    "/scripts/{name}/environments/{env}/rollback", response_model=MovePublic | PlanPublic,
    summary="Roll an environment back to a known-good version (or plan it: dry_run)",
    responses={**problems(404, 409), **APPROVALS_NEEDED},
)
async def rollback(
    name: NamePath, env: EnvPath, body: RollbackRequest,
    caller: MoverDep, ledger: LedgerDep, commands: CommandsDep, services: ServicesDep,
) -> JSONResponse:
    if body.dry_run:
        plan = await services.read(
            ledger.plan_rollback, org=caller.org, name=name, to=body.to, environment=env,
            incident=body.incident, reason=body.reason, force=body.force,
        )
        if body.with_config:
            plan["config_promotion"] = await services.read(
                ledger.plan_config_restore, org=caller.org, name=name, to=body.to, environment=env
            )
        return JSONResponse(plan)
    if body.with_config:
        caller.require_config_write(env)
    expected = body.expect_current if "expect_current" in body.model_fields_set else UNSET
    return await commands.run(
        partial(ledger.rollback, org=caller.org, name=name, to=body.to, actor=caller.actor,
                environment=env, reason=body.reason, incident=body.incident, force=body.force,
                expect_current=expected, **({"with_config": True} if body.with_config else {})),
        MovePublic,
    )


@router.get(
    "/scripts/{name}/environments/{env}/at", response_model=AtPublic,
    summary="What an environment ran at an instant", responses=problems(404),
)
async def at(
    name: NamePath, env: EnvPath, time: TimeQuery, caller: ViewerDep,
    services: ServicesDep, projections: ProjectionsDep,
) -> Any:
    moment = instant(time)
    return await services.read(
        lambda: projections().at(org=caller.org, name=name, environment=env, time=moment)
    )


@router.get(
    "/scripts/{name}/environments/{env}/release", response_model=ReleasePublic,
    summary="The release an environment ran at an instant: version, effective config, fingerprints",
    responses=problems(404),
)
async def release(
    name: NamePath, env: EnvPath, caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep,
    at: Annotated[str | None, Query(description="ISO 8601 with an offset; default now.")] = None,
) -> Any:
    moment = instant(at) if at else None
    return await services.read(
        lambda: projections().release(org=caller.org, name=name, environment=env, time=moment)
    )


@router.get(
    "/environments/{env}/at", response_model=list[AtPublic],
    summary="What every script ran in an environment at an instant", responses=problems(),
)
async def snapshot(
    env: EnvPath, time: TimeQuery, caller: ViewerDep,
    services: ServicesDep, projections: ProjectionsDep,
) -> Any:
    moment = instant(time)
    return await services.read(
        lambda: projections().snapshot(org=caller.org, environment=env, time=moment)
    )


@router.get(
    "/scripts/{name}/history", response_model=list[HistoryEntryPublic],
    summary="Versions published and pointer moves of a script, newest first", responses=problems(404),
)
async def history(
    name: NamePath, caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep,
    environment: EnvQuery = None,
    releases: Annotated[bool, Query(description="Also the configuration changes that started a release (kind config).")] = False,
) -> Any:
    return await services.read(
        lambda: projections().history(org=caller.org, name=name, environment=environment, releases=releases)
    )


@router.get(
    "/status", response_model=list[StatusRowPublic],
    summary="What every script runs in each environment now", responses=problems(),
)
async def status(
    caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep,
    environment: EnvQuery = None,
) -> Any:
    return await services.read(lambda: projections().current(org=caller.org, environment=environment))
