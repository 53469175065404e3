"""Incidents and evidence: ``logs``, ``incident``, ``timeline`` and ``report compliance``.

Logs are imported into a read-model table and annotated with the version and config in
effect; timelines join them with the audit trail to name the suspect change and judge the
recovery; the compliance report lists every change to an environment with its evidence.
"""

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from api.commands.common import ActorOpt, Invocation, OrgOpt, OutputOpt, emit, invocation
from api.commands.queries import read_models
from api.output import Output
from ledger.errors import InvalidInputError, LedgerError, NotFoundError
from ledger.times import parse_instant
from projections.buckets import parse_duration
from projections.suspects import DEFAULT_TOLERANCE

logs_app = typer.Typer(help="Log records, correlated with the versions that produced them.", no_args_is_help=True)
incident_app = typer.Typer(help="Incidents: open, close, and the timeline that tells the story.", no_args_is_help=True)
report_app = typer.Typer(help="Reports for reviewers and auditors.", no_args_is_help=True)


class TimelineOutput(str, Enum):
    md = "md"
    json = "json"
    html = "html"


class ReportOutput(str, Enum):
    md = "md"
    csv = "csv"
    json = "json"
    html = "html"


EnvOpt = Annotated[str, typer.Option("--environment", "-e", help="development, staging or production.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="From this instant (ISO 8601 with offset).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Up to this instant (ISO 8601 with offset, or 'now').")]
BucketOpt = Annotated[str | None, typer.Option("--bucket", help="Bucket size, e.g. 30s, 5m, 1h (default: about 60 buckets per window).")]
ToleranceOpt = Annotated[float, typer.Option("--tolerance", help="Error-rate noise (0.02 = 2 percentage points): the suspect must raise the rate by more; recovered means back within it of the pre-suspect rate.")]
TimelineOpt = Annotated[TimelineOutput, typer.Option("--output", "-o", help="md (postmortem skeleton), json or html (chart).", case_sensitive=False)]
SUMMARY_COLUMNS = ["version", "count", "errors", "error_rate", "p50_ms", "p95_ms"]
INTERVAL_COLUMNS = ["version", "since", "until", "count", "errors", "error_rate", "p50_ms", "p95_ms"]
BUCKET_COLUMNS = ["start", "version", "count", "errors", "error_rate"]
INCIDENT_COLUMNS = ["id", "title", "status", "environment", "scripts", "started", "opened_by", "closed_at", "closed_by"]


def _lines(file: str) -> tuple[Iterator[str], str]:
    if file == "-":
        return _decoded(typer.get_text_stream("stdin"), "stdin"), "stdin"
    path = Path(file)
    if not path.is_file():
        raise InvalidInputError(f"log file {file} does not exist")
    return _decoded(path.open(encoding="utf-8"), str(path)), str(path)


def _decoded(handle: Any, source: str) -> Iterator[str]:
    """The lines of ``handle``; text that is not UTF-8 rejects the import (nothing imported)."""
    try:
        with handle:
            yield from handle
    except UnicodeDecodeError:
        raise InvalidInputError(f"{source}: not UTF-8 text; nothing was imported") from None


def _read_models(inv: Invocation) -> Any:
    """The caught-up local read models (these commands have no remote mode yet)."""
    if inv.remote:
        raise LedgerError(
            "this command reads the local store only: run it on the server's host, or use the HTTP API"
        )
    return read_models(inv)


def _bucket(text: str | None) -> Any:
    return parse_duration(text, "--bucket") if text else None


@logs_app.command("import")
def logs_import(
    file: Annotated[str, typer.Argument(help="JSON Lines file ('-' for stdin).")],
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Import log records (JSON Lines) and annotate each with the version and config in effect.

    Each line: timestamp (with offset), script, environment, and status or level; optional
    duration_ms, run_id, message. A malformed line rejects the whole file, naming the line.
    Records already imported are skipped.

    Example: revledger logs import runs-2026-11-25.jsonl
    """
    inv = invocation(org)
    lines, source = _lines(file)
    if inv.remote:  # the file is read here (the same refusals), sent in one request
        result = inv.ledger.import_logs(org=inv.org, lines="".join(lines), source=source)
    else:
        from projections.logs import Logs  # (read-model modules load only when used)
        summary = Logs(read_models(inv)).import_lines(org=inv.org, lines=lines, source=source)
        result = inv.ledger.record_log_import(org=inv.org, actor=inv.actor, summary=summary)
    skipped = f" ({result['duplicates']} already imported, skipped)" if result["duplicates"] else ""
    plural = "" if result["imported"] == 1 else "s"
    emit(result, output, message=f"Imported {result['imported']} log record{plural} from {source}{skipped}.")


@logs_app.command("summary")
def logs_summary(
    name: Annotated[str, typer.Argument(help="Script name.")],
    environment: EnvOpt = "production",
    since: SinceOpt = None,
    until: UntilOpt = None,
    bucket: BucketOpt = None,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Error rate, count and duration (p50/p95) per version, per stretch a version ran, and per bucket.

    Example: revledger logs summary invoice-parser --environment production --since 2026-11-25T13:00:00Z --bucket 5m
    """
    inv = invocation(org)
    start, end = (parse_instant(t) if t else None for t in (since, until))
    if inv.remote:
        _bucket(bucket)  # the same refusal of a bad --bucket, before any request
        summary = inv.ledger.log_summary(org=inv.org, name=name, environment=environment, since=start,
                                         until=end, bucket=bucket)
    else:
        from projections.logs import Logs
        summary = Logs(_read_models(inv)).summary(
            org=inv.org, name=name, environment=environment, since=start, until=end, bucket=_bucket(bucket))
    if output != Output.table:
        emit(summary, output)
        return
    if not summary["count"]:
        typer.echo(f"No log records of {name} in {environment} in that window.")
        return
    typer.echo(f"{name} in {environment}, {summary['since']} → {summary['until']}: {summary['count']} records, "
               f"{summary['errors']} errors, buckets of {summary['bucket']}")
    emit(summary["by_version"], output, columns=SUMMARY_COLUMNS, title="by version")
    emit(summary["intervals"], output, columns=INTERVAL_COLUMNS, title="by stretch a version ran")
    emit(summary["buckets"], output, columns=BUCKET_COLUMNS, title="by bucket")


@incident_app.command("open")
def incident_open(
    incident: Annotated[str, typer.Argument(help="Incident ID, e.g. INC-1042 (the ID rollbacks are tagged with).")],
    title: Annotated[str, typer.Option("--title", help="What is wrong, in a line.")],
    started: Annotated[str | None, typer.Option("--started", help="When impact started (ISO 8601 with offset); default: now.")] = None,
    environment: EnvOpt = "production",
    script: Annotated[list[str] | None, typer.Option("--script", help="Affected script (repeatable; default: those its changes name).")] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Open an incident (recorded as an event).

    Example: revledger incident open INC-1042 --title "invoice totals missing" --started 2026-11-25T14:03:00+01:00
    """
    inv = invocation(org, actor)
    view = inv.ledger.open_incident(
        org=inv.org, incident=incident, title=title, actor=inv.actor,
        started=parse_instant(started) if started else None, environment=environment, scripts=script or [],
    )
    emit(view, output, columns=INCIDENT_COLUMNS, message=f"Opened incident {incident}.")


@incident_app.command("close")
def incident_close(
    incident: Annotated[str, typer.Argument(help="Incident ID.")],
    resolution: Annotated[str | None, typer.Option("--resolution", help="How it was resolved.")] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Close an incident (recorded as an event).

    Example: revledger incident close INC-1042 --resolution "rolled back to v3"
    """
    inv = invocation(org, actor)
    view = inv.ledger.close_incident(org=inv.org, incident=incident, actor=inv.actor, resolution=resolution)
    emit(view, output, columns=INCIDENT_COLUMNS, message=f"Closed incident {incident}.")


@incident_app.command("show")
def incident_show(
    incident: Annotated[str, typer.Argument(help="Incident ID.")],
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show an opened incident: title, status, environment, scripts, who opened and closed it.

    Example: revledger incident show INC-1042 -o json
    """
    inv = invocation(org)
    view = read_models(inv, warn=False).get_incident(org=inv.org, incident=incident)
    if view is None:
        raise NotFoundError(f"no incident {incident} was opened")
    emit(view, output, columns=INCIDENT_COLUMNS)


@incident_app.command("timeline")
def incident_timeline(
    incident: Annotated[str, typer.Argument(help="Incident ID (opened, or given to rollbacks).")],
    before: Annotated[str, typer.Option("--before", help="Window start: this long before the incident started.")] = "2h",
    after: Annotated[str, typer.Option("--after", help="Window end: this long after its last event.")] = "1h",
    bucket: BucketOpt = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE,
    org: OrgOpt = None,
    output: TimelineOpt = TimelineOutput.md,
) -> None:
    """One chronological story of an incident, with the suspect change and the recovery verdict.

    Every change and run in the window, error-rate buckets with the version in effect, the
    suspect change and whether the rollback recovered. md is a postmortem skeleton.

    Example: revledger incident timeline INC-1042 --before 2h --after 1h -o html > inc-1042.html
    """
    inv = invocation(org)
    if inv.remote:  # rendered by the server, as here
        typer.echo(inv.ledger.incident_timeline(
            org=inv.org, incident=incident, fmt=output.value, before=before, after=after, bucket=bucket,
            tolerance=tolerance), nl=False)
        return
    from api.reports import render_timeline
    from projections.timelines import Timelines
    story = Timelines(_read_models(inv)).incident(
        org=inv.org, incident=incident, before=parse_duration(before, "--before"),
        after=parse_duration(after, "--after"), bucket=_bucket(bucket), tolerance=tolerance,
    )
    typer.echo(render_timeline(story, output.value), nl=False)


def timeline(
    since: Annotated[str, typer.Option("--since", help="Window start (ISO 8601 with offset).")],
    environment: EnvOpt = "production",
    until: Annotated[str, typer.Option("--until", help="Window end (ISO 8601 with offset, or 'now').")] = "now",
    script: Annotated[list[str] | None, typer.Option("--script", help="Only these scripts (repeatable).")] = None,
    bucket: BucketOpt = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE,
    org: OrgOpt = None,
    output: TimelineOpt = TimelineOutput.md,
) -> None:
    """One chronological story of an environment in a window, with the suspect change and recovery.

    Example: revledger timeline --environment production --since 2026-11-25T13:00:00Z --until 2026-11-25T16:00:00Z -o json
    """
    inv = invocation(org)
    if inv.remote:
        typer.echo(inv.ledger.environment_timeline(
            org=inv.org, fmt=output.value, since=since, until=until, environment=environment,
            script=script or None, bucket=bucket, tolerance=tolerance), nl=False)
        return
    from api.reports import render_timeline
    from projections.timelines import Timelines
    story = Timelines(_read_models(inv)).environment(
        org=inv.org, environment=environment, since=parse_instant(since), until=parse_instant(until),
        scripts=script or [], bucket=_bucket(bucket), tolerance=tolerance,
    )
    typer.echo(render_timeline(story, output.value), nl=False)


@report_app.command("compliance")
def report_compliance(
    since: Annotated[str, typer.Option("--since", help="Period start (ISO 8601 with offset).")],
    until: Annotated[str, typer.Option("--until", help="Period end (ISO 8601 with offset, or 'now').")] = "now",
    environment: EnvOpt = "production",
    org: OrgOpt = None,
    output: Annotated[ReportOutput, typer.Option("--output", "-o", help="md, csv (rows), json or html.", case_sensitive=False)] = ReportOutput.md,
) -> None:
    """Every change to an environment in a period with its evidence, and findings.

    Per change: staging first, smoke run, gate overrides, incident, reason. Findings: every
    override, every move without staging first or without a passed smoke run.

    Example: revledger report compliance --since 2026-07-01T00:00:00Z --until 2026-10-01T00:00:00Z -o csv
    """
    inv = invocation(org)
    if inv.remote:
        typer.echo(inv.ledger.compliance_report(
            org=inv.org, fmt=output.value, since=since, until=until, environment=environment), nl=False)
        return
    from api.reports import render_compliance
    from projections.compliance import Compliance
    report = Compliance(_read_models(inv)).report(
        org=inv.org, since=parse_instant(since), until=parse_instant(until), environment=environment,
    )
    typer.echo(render_compliance(report, output.value), nl=False)


def register(app: typer.Typer) -> None:
    app.add_typer(logs_app, name="logs")
    app.add_typer(incident_app, name="incident")
    app.command("timeline")(timeline)
    app.add_typer(report_app, name="report")

