"""Scripts, drafts and versions: ``/v1/scripts``."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.dependencies import CommandsDep, EditorDep, LedgerDep, ServicesDep, ViewerDep
from api.routers import problems
from api.schemas import (
    DraftPublic,
    DraftSave,
    LabelRequest,
    PublishRequest,
    ScriptCreate,
    ScriptPublic,
    VersionPublic,
)
from ledger.content import Content, from_value, parse_content

router = APIRouter(prefix="/v1/scripts", tags=["scripts"])

NamePath = Annotated[str, Path(description="Script name (a slug).", examples=["invoice-parser"])]


def split_tags(tags: str | None) -> list[str]:
    return [t for t in (tags or "").split(",") if t.strip()]


def draft_content(body: DraftSave) -> Content:
    """Text is parsed as the named format; any other JSON value is taken as it is."""
    fmt = body.format or ("text" if isinstance(body.content, str) else "json")
    if isinstance(body.content, str) and fmt != "text":
        return parse_content(body.content, fmt)
    return from_value(body.content, fmt)


@router.post(
    "", status_code=201, response_model=ScriptPublic, summary="Create a script",
    responses=problems(409),
)
async def create_script(
    body: ScriptCreate, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    return await commands.run(
        partial(ledger.create_script, org=caller.org, name=body.name, actor=caller.actor,
                description=body.description, tags=body.tags),
        ScriptPublic, 201,
    )


@router.get("", response_model=list[ScriptPublic], summary="List scripts", responses=problems())
async def list_scripts(
    caller: ViewerDep,
    services: ServicesDep,
    tags: Annotated[str | None, Query(description="Only scripts with all these tags (comma-separated).")] = None,
) -> Any:
    return await services.read(lambda: services.projections().list_scripts(org=caller.org, tags=split_tags(tags)))


@router.get(
    "/{name}", response_model=ScriptPublic, summary="Show a script", responses=problems(404)
)
async def get_script(name: NamePath, caller: ViewerDep, services: ServicesDep) -> Any:
    return await services.read(lambda: services.projections().get_script(org=caller.org, name=name))


@router.put(
    "/{name}/draft", response_model=DraftPublic, summary="Save the script's draft",
    tags=["drafts"], responses=problems(404),
)
async def save_draft(
    name: NamePath, body: DraftSave, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    content = draft_content(body)
    return await commands.run(
        partial(ledger.save_draft, org=caller.org, name=name, content=content, actor=caller.actor),
        DraftPublic,
    )


@router.post(
    "/{name}/publish", status_code=201, response_model=VersionPublic,
    summary="Publish the draft as the next version", tags=["drafts"], responses=problems(404, 409),
)
async def publish(
    name: NamePath, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep,
    body: PublishRequest | None = None,
) -> JSONResponse:
    body = body or PublishRequest()
    return await commands.run(
        partial(ledger.publish, org=caller.org, name=name, actor=caller.actor,
                label=body.label, note=body.note),
        VersionPublic, 201,
    )


@router.get(
    "/{name}/versions", response_model=list[VersionPublic], summary="List a script's versions",
    tags=["versions"], responses=problems(404),
)
async def list_versions(name: NamePath, caller: ViewerDep, services: ServicesDep) -> Any:
    return await services.read(lambda: services.projections().list_versions(org=caller.org, name=name))


VersionPath = Annotated[
    str, Path(description="Version number (0 = the version production runs) or label.", examples=["3"])
]


@router.put(
    "/{name}/versions/{version}/label", response_model=VersionPublic,
    summary="Label (or relabel) a version; labels are unique within a script", tags=["versions"],
    responses=problems(404, 409),
)
async def label_version(
    name: NamePath, version: VersionPath, body: LabelRequest,
    caller: EditorDep, ledger: LedgerDep, commands: CommandsDep,
) -> JSONResponse:
    return await commands.run(
        partial(ledger.label_version, org=caller.org, name=name, version=version,
                label=body.label, actor=caller.actor),
        VersionPublic,
    )


@router.get(
    "/{name}/versions/{version}", response_model=VersionPublic, summary="Show one version",
    tags=["versions"], responses=problems(404),
)
async def get_version(
    name: NamePath,
    version: VersionPath,
    caller: ViewerDep,
    services: ServicesDep,
    content: Annotated[bool, Query(description="Include the content.")] = False,
) -> Any:
    return await services.read(lambda: services.projections().get_version(
        org=caller.org, name=name, version=version, with_content=content))
