"""The audit trail: ``/v1/audit``, paginated by log position, as JSON, CSV or NDJSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from api.commands.queries import AUDIT_COLUMNS, AUDIT_ROW, audit_row  # noqa: F401
from api.dependencies import ProjectionsDep, ServicesDep, ViewerDep
from api.output import to_csv, to_ndjson
from api.routers import problems
from api.schemas import AuditRowPublic, instant

router = APIRouter(prefix="/v1", tags=["audit"])

MAX_PAGE = 1000
InstantQuery = Annotated[str | None, Query(description="ISO 8601 with an offset.")]


@router.get(
    "/audit", response_model=list[AuditRowPublic], summary="The audit trail, in log order",
    responses={
        **problems(),
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}},
              "description": "Rows as JSON (default), CSV or NDJSON."},
    },
)
async def audit(
    request: Request,
    caller: ViewerDep,
    services: ServicesDep,
    projections: ProjectionsDep,
    script: Annotated[str | None, Query(description="Only this script.")] = None,
    environment: Annotated[str | None, Query(description="Only this environment.")] = None,
    actor: Annotated[str | None, Query(description="Only changes by this actor.")] = None,
    kind: Annotated[
        list[str] | None,
        Query(description="publish, promote, rollback, overlay, env, draft, script (repeatable or comma-separated)."),
    ] = None,
    since: InstantQuery = None,
    until: InstantQuery = None,
    incident: Annotated[str | None, Query(description="Only changes tagged with this incident ID.")] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Only rows after this position (the last one you saw).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page.")] = 100,
    format: Annotated[Literal["json", "csv", "ndjson"], Query(description="Body format.")] = "json",  # noqa: A002
) -> Response:
    kinds = [k.strip() for item in (kind or []) for k in item.split(",") if k.strip()]
    start, end = (instant(t) if t else None for t in (since, until))
    rows = await services.read(
        lambda: projections().audit(
            org=caller.org, script=script, environment=environment, actor=actor, kind=kinds,
            since=start, until=end, incident=incident, after=after, limit=limit,
        )
    )
    rows = [audit_row(r) for r in rows]
    headers = {}
    if len(rows) == limit:
        following = request.url.include_query_params(after=rows[-1]["position"])
        headers["Link"] = f'<{following}>; rel="next"'
    if format == "csv":
        return Response(to_csv(rows, AUDIT_COLUMNS), media_type="text/csv", headers=headers)
    if format == "ndjson":
        return Response(to_ndjson(rows), media_type="application/x-ndjson", headers=headers)
    return JSONResponse(rows, headers=headers)
