"""Reports: ``GET /v1/reports/compliance`` as JSON, CSV, Markdown or HTML."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.dependencies import ProjectionsDep, ServicesDep, ViewerDep
from api.reports import MEDIA_TYPES, render_compliance
from api.routers import problems
from api.schemas import Row
from ledger.times import parse_instant
from projections.compliance import Compliance

router = APIRouter(prefix="/v1/reports", tags=["reports"])


class CompliancePublic(Row):
    rows: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    summary: dict[str, Any]


@router.get(
    "/compliance", response_model=CompliancePublic,
    summary="Every change to an environment in a period, with its evidence and findings",
    responses={
        **problems(),
        200: {"content": {"text/csv": {}, "text/markdown": {}, "text/html": {}},
              "description": "The report as JSON (default), CSV (rows), Markdown or HTML."},
    },
)
async def compliance(
    caller: ViewerDep,
    services: ServicesDep,
    projections: ProjectionsDep,
    since: Annotated[str, Query(description="Period start (ISO 8601 with an offset).")],
    until: Annotated[str, Query(description="Period end (ISO 8601 with an offset, or 'now').")] = "now",
    environment: Annotated[str, Query(description="development, staging or production.")] = "production",
    format: Annotated[Literal["json", "csv", "md", "html"], Query(description="Body format.")] = "json",  # noqa: A002
) -> Response:
    start, end = parse_instant(since), parse_instant(until)
    report = await services.read(
        lambda: Compliance(projections()).report(org=caller.org, since=start, until=end, environment=environment)
    )
    if format == "json":
        return JSONResponse(report)
    return Response(render_compliance(report, format), media_type=MEDIA_TYPES[format])
