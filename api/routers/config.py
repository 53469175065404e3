"""Configuration: tenant variables (``/v1/env``), script overlays and effective config."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.dependencies import (
    CommandsDep,
    EditorDep,
    LedgerDep,
    ProjectionsDep,
    ServicesDep,
    ViewerDep,
    check_reveal,
    record_reveal,
)
from api.routers import problems
from api.routers.environments import APPROVALS_NEEDED
from api.routers.scripts import NamePath
from api.schemas import (
    instant,
    ConfigPromoteRequest,
    ConfigPromotionPublic,
    ConfigPublic,
    ImportPublic,
    OverlayPublic,
    OverlayUpdate,
    VariablePublic,
    VariableSet,
)
from ledger.content import decode_text
from ledger.errors import InvalidInputError

router = APIRouter(prefix="/v1", tags=["config"])

KeyPath = Annotated[str, Path(description="Variable name ([A-Za-z_][A-Za-z0-9_]*).", examples=["DB_HOST"])]
ScopeQuery = Annotated[
    str | None, Query(description="development, staging or production (default: the base scope).")
]
RevealQuery = Annotated[bool, Query(description="Show secret values in full (admin only).")]
BaseQuery = Annotated[
    bool, Query(description="The base scope, on purpose (needed to import a file named for an environment).")
]


def scoped(environment: str | None, base: bool) -> str | None:
    if base and environment is not None:
        raise InvalidInputError("give environment or base, not both")
    return environment


@router.get("/env", response_model=list[VariablePublic], summary="List tenant variables", responses=problems())
async def list_variables(
    caller: ViewerDep, services: ServicesDep, environment: ScopeQuery = None, reveal: RevealQuery = False,
    base: BaseQuery = False,
) -> Any:
    environment = scoped(environment, base)
    check_reveal(caller, reveal)
    found = await services.read(
        services.ledger.list_variables, org=caller.org, environment=environment, reveal=reveal
    )
    return await record_reveal(services, caller, found, "env list", environment=environment) if reveal else found


@router.get(
    "/env/{key}", response_model=VariablePublic, summary="Show a tenant variable", responses=problems(404)
)
async def get_variable(
    key: KeyPath, caller: ViewerDep, services: ServicesDep,
    environment: ScopeQuery = None, reveal: RevealQuery = False, base: BaseQuery = False,
) -> Any:
    environment = scoped(environment, base)
    check_reveal(caller, reveal)
    found = await services.read(
        services.ledger.get_variable, org=caller.org, key=key, environment=environment, reveal=reveal
    )
    return await record_reveal(services, caller, found, "env get", environment=environment) if reveal else found


@router.put("/env/{key}", response_model=VariablePublic, summary="Set a tenant variable",
            responses={**problems(), **APPROVALS_NEEDED})
async def set_variable(
    key: KeyPath, body: VariableSet, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    caller.require_config_write(scoped(body.environment, body.base))
    return await commands.run(
        partial(ledger.set_variable, org=caller.org, key=key, value=body.value, actor=caller.actor,
                environment=body.environment, secret=body.secret),
        VariablePublic,
    )


@router.delete(
    "/env/{key}", response_model=VariablePublic, summary="Delete a tenant variable from one scope",
    responses={**problems(404), **APPROVALS_NEEDED},
)
async def delete_variable(
    key: KeyPath, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep,
    environment: ScopeQuery = None, base: BaseQuery = False,
) -> JSONResponse:
    environment = scoped(environment, base)
    caller.require_config_write(environment)
    return await commands.run(
        partial(ledger.delete_variable, org=caller.org, key=key, actor=caller.actor,
                environment=environment),
        VariablePublic,
    )


@router.post(
    "/env/import", response_model=ImportPublic, summary="Import a .env file as one event",
    responses={**problems(413), **APPROVALS_NEEDED},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": {"type": "string"}, "example": "DB_HOST=db.internal\n"}},
        }
    },
)
async def import_variables(
    request: Request, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep,
    environment: ScopeQuery = None, base: BaseQuery = False,
    source: Annotated[str, Query(max_length=300, description="Name of the file, for messages and the audit.")] = ".env",
) -> JSONResponse:
    environment = scoped(environment, base)
    caller.require_config_write(environment)
    text = decode_text(await request.body(), source=source)
    return await commands.run(
        partial(ledger.import_variables, org=caller.org, text=text, actor=caller.actor,
                environment=environment, source=source, base=base),
        ImportPublic,
    )


@router.get(
    "/scripts/{name}/env", response_model=OverlayPublic, summary="Show a script's overlay",
    tags=["overlays"], responses=problems(404),
)
async def get_overlay(
    name: NamePath, caller: ViewerDep, services: ServicesDep,
    environment: ScopeQuery = None, reveal: RevealQuery = False, base: BaseQuery = False,
) -> Any:
    environment = scoped(environment, base)
    check_reveal(caller, reveal)
    found = await services.read(
        services.ledger.get_overlay, org=caller.org, name=name, environment=environment, reveal=reveal
    )
    return await record_reveal(services, caller, found, "overlay get", name, environment) if reveal else found


@router.patch(
    "/scripts/{name}/env", response_model=OverlayPublic,
    summary="Set and delete overlay keys in one event", tags=["overlays"],
    responses={**problems(404), **APPROVALS_NEEDED},
)
async def update_overlay(
    name: NamePath, body: OverlayUpdate, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    caller.require_config_write(scoped(body.environment, body.base))
    return await commands.run(
        partial(ledger.update_overlay, org=caller.org, name=name, actor=caller.actor,
                set_=body.set, delete=body.delete, environment=body.environment),
        OverlayPublic,
    )


@router.get(
    "/scripts/{name}/config", response_model=ConfigPublic,
    summary="Effective config of a script in an environment, with layers", responses=problems(404),
)
async def resolve_config(
    name: NamePath,
    environment: Annotated[str, Query(description="development, staging or production.")],
    caller: ViewerDep, services: ServicesDep, projections: ProjectionsDep,
    reveal: RevealQuery = False,
    at: Annotated[str | None, Query(description="As it was at this instant (ISO 8601 with offset).")] = None,
) -> Any:
    check_reveal(caller, reveal)
    if at is None:
        found = await services.read(
            services.ledger.resolve_config, org=caller.org, name=name, environment=environment,
            reveal=reveal,
        )
    else:
        moment = instant(at)
        found = await services.read(
            lambda: projections().config_at(
                org=caller.org, name=name, environment=environment, time=moment, reveal=reveal
            )
        )
    return await record_reveal(services, caller, found, "config resolve", name, environment) if reveal else found


@router.post(
    "/scripts/{name}/config/promote", response_model=ConfigPromotionPublic,
    summary="Copy a script's overlay[FROM] to overlay[TO] as one event (or plan it: dry_run)",
    tags=["overlays"], responses={**problems(404, 409), **APPROVALS_NEEDED},
)
async def promote_config(
    name: NamePath, body: ConfigPromoteRequest, caller: EditorDep, ledger: LedgerDep,
    commands: CommandsDep, services: ServicesDep,
) -> JSONResponse:
    call = partial(
        ledger.promote_config, org=caller.org, name=name, source=body.source, target=body.target,
        actor=caller.actor, keys=body.keys, include_tenant=body.include_tenant, dry_run=body.dry_run,
        reason=body.reason, incident=body.incident,
    )
    if body.dry_run:
        plan = await services.read(call)
        return JSONResponse(ConfigPromotionPublic.model_validate(plan).model_dump(mode="json"))
    caller.require_config_write(body.target)
    return await commands.run(call, ConfigPromotionPublic)
