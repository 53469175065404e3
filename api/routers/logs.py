"""Log records correlated with revisions: ``POST /v1/logs`` and ``GET /v1/logs/summary``.

Records go into a read-model table (not the event log), each annotated with the version and
config fingerprint in effect for its script and environment at its timestamp.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from api.dependencies import CommandsDep, EditorDep, ProjectionsDep, ServicesDep, ViewerDep
from api.output import plain
from api.routers import problems
from api.schemas import Public, Request, Row
from ledger.times import parse_instant
from projections.buckets import parse_duration
from projections.logs import Logs

router = APIRouter(prefix="/v1/logs", tags=["logs"])

InstantQuery = Annotated[str | None, Query(description="ISO 8601 with an offset.")]


class LogBatch(Request):
    """Records, or the JSON Lines text of a file (as ``revledger logs import FILE`` sends it)."""

    records: list[Any] = Field(
        default_factory=list, max_length=100_000,
        description="Log records: each an object with timestamp (with offset), script, environment, "
        "and status or level; optional duration_ms, run_id, message. The first malformed one "
        "rejects the whole batch (422, with its 1-based `line`).",
    )
    lines: str = Field(
        default="",
        description="Instead of records: JSON Lines text, one record a line (blank lines skipped). "
        "A malformed line is named by its number in the text (422, `line`).",
    )
    source: str = Field(default="request", min_length=1, max_length=300,
                        description="Names the batch in messages and the audit (the CLI sends the file's name).")

    @model_validator(mode="after")
    def _records_or_lines(self) -> LogBatch:
        if len({"records", "lines"} & self.model_fields_set) != 1:
            raise ValueError("give records or lines (one of them)")
        return self


class LogImportPublic(Public):
    source: str
    imported: int = Field(description="Records added.")
    duplicates: int = Field(description="Records already imported before, skipped.")
    scripts: list[str]
    first: str | None
    last: str | None
    batch: str | None
    position: int | None = Field(default=None, description="The log import's event in the log.")


class LogSummaryPublic(Row):
    script: str
    environment: str
    since: str | None
    until: str | None
    bucket: str | None
    by_version: list[dict[str, Any]]
    buckets: list[dict[str, Any]]


@router.post(
    "", response_model=LogImportPublic, summary="Import a batch of log records",
    responses=problems(413),
)
async def import_logs(body: LogBatch, caller: EditorDep, services: ServicesDep, commands: CommandsDep) -> Any:
    def work() -> dict[str, Any]:
        services.catch_up()  # annotate against every change recorded so far
        logs = Logs(services.projections())
        if "lines" in body.model_fields_set:  # split as a file is read (\n, \r\n or \r), not at U+2028
            lines = io.StringIO(body.lines, newline=None)
            summary = logs.import_lines(org=caller.org, lines=lines, source=body.source)
        else:
            summary = logs.import_records(org=caller.org, records=body.records, source=body.source)
        return services.ledger.record_log_import(org=caller.org, actor=caller.actor, summary=summary)

    return await commands.run(work, LogImportPublic)


@router.get(
    "/summary", response_model=LogSummaryPublic,
    summary="Error rate, count and durations per version and per time bucket", responses=problems(404),
)
async def summary(
    caller: ViewerDep,
    services: ServicesDep,
    projections: ProjectionsDep,
    script: Annotated[str, Query(description="Script name.")],
    environment: Annotated[str, Query(description="development, staging or production.")] = "production",
    since: InstantQuery = None,
    until: InstantQuery = None,
    bucket: Annotated[str | None, Query(description="Bucket size, e.g. 5m (default: about 60 per window).")] = None,
) -> Any:
    start, end = (parse_instant(t) if t is not None else None for t in (since, until))
    size = parse_duration(bucket, "bucket") if bucket is not None else None
    found = await services.read(
        lambda: Logs(projections()).summary(
            org=caller.org, name=script, environment=environment, since=start, until=end, bucket=size,
        )
    )
    return JSONResponse(plain(found))  # in the read model's key order, as `logs summary -o json` prints it
