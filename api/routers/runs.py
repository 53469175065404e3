"""Runs, their archive and the policy: ``/v1/scripts/{name}/environments/{env}/runs``,
``/v1/scripts/{name}/runs``, ``/v1/runs/{run_id}``, ``/v1/archive/{sha256}``, ``/v1/policy``,
and the read models' positions, ``/v1/projections``."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from api.dependencies import (
    CommandsDep,
    EditorDep,
    LedgerDep,
    MoverDep,
    ProjectionsDep,
    ServicesDep,
    ViewerDep,
)
from api.output import plain
from api.routers import problems
from api.schemas import Public, Request, Row, VersionRef

router = APIRouter(prefix="/v1", tags=["runs"])

NamePath = Annotated[str, Path(description="Script name (a slug).", examples=["invoice-parser"])]
EnvPath = Annotated[str, Path(description="development, staging or production.", examples=["staging"])]


class RunRequest(Request):
    """What `revledger run` is given: a pinned version (else the environment's), input, config."""

    version: VersionRef | None = None
    input: Any = None
    env: bool = Field(False, description="Hand the runner the environment's effective config.")
    timeout: float = Field(300.0, gt=0, le=3600, description="Seconds before the run is failed.")


class RunPublic(Row):
    """A recorded run (``revledger run -o json``); ``output`` is the runner's output."""

    run_id: str
    script: str
    version: int
    environment: str
    status: str
    output_sha256: str | None = None


class PolicySet(Request):
    name: str = Field(description="A policy setting (see `revledger policy get`).")
    value: str = Field(description="true/false for gates; a command for runner.")


class PolicyChangePublic(Public):
    name: str
    value: Any
    previous: Any
    changed: bool


class ProjectionRowPublic(Row):
    projection: str
    position: int
    head: int
    lag: int


def _output(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", "replace")


@router.post(
    "/scripts/{name}/environments/{env}/runs", status_code=201, response_model=RunPublic,
    summary="Run a version with the configured runner and record the run", responses=problems(404),
)
async def run(name: NamePath, env: EnvPath, body: RunRequest, caller: MoverDep, ledger: LedgerDep,
              commands: CommandsDep) -> JSONResponse:
    def work() -> dict[str, Any]:
        outcome = ledger.run(org=caller.org, name=name, actor=caller.actor, environment=env,
                             version=body.version, input=body.input, with_env=body.env, timeout=body.timeout)
        outcome["output"] = _output(outcome.pop("output_bytes"))
        return plain(outcome)  # type: ignore[no-any-return]

    # On the writer like every command, then the read models catch up (read-your-writes);
    # alone: the runner may take minutes, and must not hold other commands' transaction open.
    # A retry with the same Idempotency-Key gets the recorded run and runs nothing.
    return await commands.run(work, None, 201, held=False)


@router.get("/scripts/{name}/runs", response_model=list[RunPublic],
            summary="A script's recorded runs, newest first", responses=problems(404))
async def list_runs(name: NamePath, caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep) -> Any:
    # As the read model orders its keys (the CLI prints them in that order, locally and remotely).
    return JSONResponse(plain(await services.read(lambda: projections().runs(org=caller.org, name=name))))


@router.get("/runs/{run_id}", response_model=RunPublic,
            summary="One recorded run (id or a unique prefix)", responses=problems(404))
async def get_run(run_id: str, caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep) -> Any:
    return JSONResponse(plain(await services.read(lambda: projections().get_run(org=caller.org, run_id=run_id))))


@router.get("/archive/{sha256}", summary="An archived output or step file, by sha256",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}, **problems(404)})
async def get_archived(sha256: str, caller: ViewerDep, services: ServicesDep) -> Response:
    data = await services.read(services.ledger.archive.get, sha256)
    return Response(data, media_type="application/octet-stream")


@router.get("/policy", response_model=dict[str, Any], summary="The organization's gates and runner",
            responses=problems())
async def get_policy(caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep) -> Any:
    return JSONResponse(plain(await services.read(lambda: projections().get_policy(org=caller.org))))


@router.put("/policy", response_model=PolicyChangePublic,
            summary="Set one policy value (the runner needs the admin role)", responses=problems(422))
async def set_policy(body: PolicySet, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep) -> JSONResponse:
    if body.name == "runner":
        caller.require("admin", "setting the runner")
    return await commands.run(
        partial(ledger.set_policy, org=caller.org, name=body.name, value=body.value, actor=caller.actor),
        PolicyChangePublic)


@router.get("/projections", response_model=list[ProjectionRowPublic],
            summary="Each read model's position in the log and how far it lags behind", responses=problems())
async def projections_status(caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep) -> Any:
    await services.write(services.catch_up)  # as the local CLI does: status after catching up
    return JSONResponse(await services.read(lambda: projections().status()))
