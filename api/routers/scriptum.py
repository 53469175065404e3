"""The Scriptum gateway paths: ``/v1/scriptum/health`` and ``/v1/scriptum/scripts/{name}/env``.

Scriptum's HTTP gateway answers camelCase JSON (the proto's JSON mapping); these routes answer
the same members as the ``GetScriptEnv``/``UpdateScriptEnv``/``HealthCheck`` RPCs, beside
revledger's own routes (``/v1/scripts/{name}/env`` answers the CLI's snake_case shape).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from api.dependencies import VERSION, CommandsDep, EditorDep, LedgerDep, ServicesDep, ViewerDep, check_reveal, record_reveal
from api.routers import problems
from api.routers.environments import APPROVALS_NEEDED
from api.routers.scripts import NamePath
from api.schemas import Request, Text
from ledger.errors import InvalidInputError
from ledger.request_view import RequestView
from ledger.views import OverlayView

router = APIRouter(prefix="/v1/scriptum", tags=["scriptum"])

ScopeQuery = Annotated[
    str | None, Query(description="development, staging or production (default: the base scope).")
]


class Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class ScriptumHealth(Camel):
    status: str
    version: str
    uptime_seconds: float


class ScriptumEnvValue(Camel):
    value: str = Field(description="Masked when secret.")
    secret: bool
    fingerprint: str


class ScriptumEnv(Camel):
    """A script's overlay, as Scriptum's gateway answers it (camelCase)."""

    name: str
    env: dict[str, str] = Field(description="Key → value (secrets masked).")
    variables: dict[str, ScriptumEnvValue]
    environment: str | None = None
    set: list[str] = Field(default_factory=list, description="Keys this update set.")
    deleted: list[str] = Field(default_factory=list, description="Keys this update deleted.")
    position: int | None = None

    @classmethod
    def of(cls, view: OverlayView) -> dict[str, Any]:
        return {
            "name": view.script,
            "env": {key: entry["value"] for key, entry in view.variables.items()},
            "variables": view.variables,
            "environment": view.environment,
            "set": view.set,
            "deleted": view.deleted,
            "position": view.position,
        }


class ScriptumEnvUpdate(Request):
    """Scriptum's ``UpdateScriptEnv`` body: ``{name, set: {K: V}, delete: [K]}``."""

    name: str | None = Field(default=None, description="The script (must match the path if given).")
    set: dict[str, Text] = Field(default_factory=dict)
    delete: list[str] = Field(default_factory=list, max_length=10_000)
    environment: str | None = Field(default=None, description="Default: the base scope.")


@router.get("/health", response_model=ScriptumHealth, summary="Scriptum HealthCheck (no token)")
async def health(services: ServicesDep) -> Any:
    uptime = round(time.monotonic() - services.started, 3)
    return ScriptumHealth(status="ok", version=VERSION, uptime_seconds=uptime)


@router.get(
    "/scripts/{name}/env", response_model=ScriptumEnv, summary="Scriptum GetScriptEnv",
    responses=problems(404),
)
async def get_script_env(
    name: NamePath, caller: ViewerDep, services: ServicesDep,
    environment: ScopeQuery = None,
    reveal: Annotated[bool, Query(description="Show secret values in full (admin only).")] = False,
) -> Any:
    check_reveal(caller, reveal)
    view = await services.read(
        services.ledger.get_overlay, org=caller.org, name=name, environment=environment, reveal=reveal
    )
    if reveal:
        await record_reveal(services, caller, view, "overlay get (Scriptum)", name, environment)
    return ScriptumEnv.model_validate(ScriptumEnv.of(view))


@router.patch(
    "/scripts/{name}/env", response_model=ScriptumEnv,
    summary="Scriptum UpdateScriptEnv: set and delete overlay keys in one event",
    responses={**problems(404), **APPROVALS_NEEDED},
)
async def update_script_env(
    name: NamePath, body: ScriptumEnvUpdate, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    if body.name is not None and body.name != name:
        raise InvalidInputError(f"the body names script {body.name!r} but the path {name!r}")
    update = partial(ledger.update_overlay, org=caller.org, name=name, actor=caller.actor,
                     set_=body.set, delete=body.delete, environment=body.environment)

    def run() -> Any:  # approvals on: the change request (202), else Scriptum's answer
        view = update()
        return view if isinstance(view, RequestView) else ScriptumEnv.of(view)

    return await commands.run(run, ScriptumEnv)
