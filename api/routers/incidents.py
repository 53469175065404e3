"""Incidents and timelines: ``/v1/incidents`` and ``/v1/timeline``.

A timeline is JSON by default; ``format=md`` gives a postmortem skeleton and ``format=html``
a self-contained page with the chart.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from api.dependencies import CommandsDep, EditorDep, LedgerDep, ProjectionsDep, ServicesDep, ViewerDep
from api.reports import MEDIA_TYPES, render_timeline
from api.routers import problems
from api.schemas import Public, Request, Row, Text
from ledger.errors import NotFoundError
from ledger.times import parse_instant
from projections.buckets import parse_duration
from projections.suspects import DEFAULT_TOLERANCE
from projections.timelines import Timelines

router = APIRouter(prefix="/v1", tags=["incidents"])

IncidentPath = Annotated[str, Path(description="Incident ID, as given to rollbacks.", examples=["INC-1042"])]
FormatQuery = Annotated[Literal["json", "md", "html"], Query(description="json, md (postmortem skeleton) or html (chart).")]
BucketQuery = Annotated[str | None, Query(description="Bucket size, e.g. 5m (default: about 60 per window).")]
ToleranceQuery = Annotated[
    float, Query(ge=0, le=1, description="Error-rate noise (0.02 = 2 percentage points): the suspect must raise "
                 "the rate by more; recovered means back within it of the pre-suspect rate.")
]
TIMELINE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problems(404),
    200: {"content": {"text/markdown": {}, "text/html": {}},
          "description": "The timeline as JSON (default), Markdown or HTML."},
}


class IncidentOpen(Request):
    id: str = Field(examples=["INC-1042"], description="1-63 of A-Z a-z 0-9 . _ : -")
    title: Text
    started: str | None = Field(default=None, description="When impact started (ISO 8601 with an offset); default: now.")
    environment: Literal["development", "staging", "production"] = "production"
    scripts: list[str] = Field(default_factory=list, max_length=100,
                               description="Affected scripts (default: those its changes name).")


class IncidentClose(Request):
    resolution: Text | None = None


class IncidentPublic(Public):
    id: str
    title: str | None
    status: str
    environment: str
    scripts: list[str]
    started: str | None
    opened_at: str | None
    opened_by: str | None
    closed_at: str | None
    closed_by: str | None
    resolution: str | None
    position: int | None = Field(None, description="The log position of the open or close event.")


class TimelinePublic(Row):
    incident: dict[str, Any] | None
    window: dict[str, str]
    entries: list[dict[str, Any]]
    suspect: dict[str, Any] | None
    recovered: bool | None


def _timeline_response(story: dict[str, Any], fmt: str) -> Response:
    if fmt == "json":
        return JSONResponse(story)
    return Response(render_timeline(story, fmt), media_type=MEDIA_TYPES[fmt])


@router.post(
    "/incidents", status_code=201, response_model=IncidentPublic, summary="Open an incident",
    responses=problems(404, 409),
)
async def open_incident(
    body: IncidentOpen, caller: EditorDep, ledger: LedgerDep, commands: CommandsDep
) -> JSONResponse:
    return await commands.run(
        partial(ledger.open_incident, org=caller.org, incident=body.id, title=body.title,
                actor=caller.actor, started=parse_instant(body.started) if body.started else None,
                environment=body.environment,
                scripts=body.scripts),
        IncidentPublic, 201,
    )


@router.post(
    "/incidents/{incident}/close", response_model=IncidentPublic, summary="Close an incident",
    responses=problems(404, 409),
)
async def close_incident(
    incident: IncidentPath, body: IncidentClose, caller: EditorDep, ledger: LedgerDep,
    commands: CommandsDep,
) -> JSONResponse:
    return await commands.run(
        partial(ledger.close_incident, org=caller.org, incident=incident, actor=caller.actor,
                resolution=body.resolution),
        IncidentPublic,
    )


@router.get(
    "/incidents/{incident}", response_model=IncidentPublic, summary="An opened incident",
    responses=problems(404),
)
async def get_incident(incident: IncidentPath, caller: ViewerDep, services: ServicesDep,
                       projections: ProjectionsDep) -> Any:
    found = await services.read(lambda: projections().get_incident(org=caller.org, incident=incident))
    if found is None:
        raise NotFoundError(f"no incident {incident} was opened")
    return JSONResponse(found)  # a read: no log position (as `revledger incident show` prints it)


@router.get(
    "/incidents/{incident}/timeline", response_model=TimelinePublic,
    summary="The incident's timeline, suspect change and recovery verdict", responses=TIMELINE_RESPONSES,
)
async def incident_timeline(
    incident: IncidentPath,
    caller: ViewerDep,
    services: ServicesDep,
    projections: ProjectionsDep,
    before: Annotated[str, Query(description="Window start: this long before the incident started.")] = "2h",
    after: Annotated[str, Query(description="Window end: this long after its last event.")] = "1h",
    bucket: BucketQuery = None,
    tolerance: ToleranceQuery = DEFAULT_TOLERANCE,
    format: FormatQuery = "json",  # noqa: A002
) -> Response:
    ahead, behind = parse_duration(before, "before"), parse_duration(after, "after")
    size = parse_duration(bucket, "bucket") if bucket else None
    story = await services.read(
        lambda: Timelines(projections()).incident(
            org=caller.org, incident=incident, before=ahead, after=behind, bucket=size, tolerance=tolerance,
        )
    )
    return _timeline_response(story, format)


@router.get(
    "/timeline", response_model=TimelinePublic,
    summary="An environment's timeline in a window", responses=TIMELINE_RESPONSES,
)
async def environment_timeline(
    caller: ViewerDep,
    services: ServicesDep,
    projections: ProjectionsDep,
    since: Annotated[str, Query(description="Window start (ISO 8601 with an offset).")],
    until: Annotated[str, Query(description="Window end (ISO 8601 with an offset, or 'now').")] = "now",
    environment: Annotated[str, Query(description="development, staging or production.")] = "production",
    script: Annotated[list[str] | None, Query(description="Only these scripts (repeatable).")] = None,
    bucket: BucketQuery = None,
    tolerance: ToleranceQuery = DEFAULT_TOLERANCE,
    format: FormatQuery = "json",  # noqa: A002
) -> Response:
    start, end = parse_instant(since), parse_instant(until)
    size = parse_duration(bucket, "bucket") if bucket else None
    story = await services.read(
        lambda: Timelines(projections()).environment(
            org=caller.org, environment=environment, since=start, until=end, scripts=script or [],
            bucket=size, tolerance=tolerance,
        )
    )
    return _timeline_response(story, format)
