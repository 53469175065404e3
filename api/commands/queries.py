"""Read-model queries: ``status``, ``at``, ``history``, ``audit`` and ``projections``.

Each query first catches the read models up with the log, so it never shows a state older
than the last command that returned.
"""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from api.commands.common import Invocation, OrgOpt, OutputOpt, emit, invocation
from api.output import ListOutput, Output
from ledger.times import parse_instant, utc_text

projections_app = typer.Typer(help="Inspect and rebuild the read models.", no_args_is_help=True)

EnvOpt = Annotated[str | None, typer.Option("--environment", "-e", help="development, staging or production.")]
TimeOpt = Annotated[str, typer.Option("--time", "-t", help="ISO 8601 with an offset (e.g. 2026-11-25T14:03:00+01:00), or 'now'.")]
STATUS_COLUMNS = ["script", "environment", "version", "since", "actor", "kind", "reason", "incident"]
HISTORY_COLUMNS = ["position", "time", "kind", "environment", "version", "previous_version", "actor", "reason", "incident", "label"]
AUDIT_COLUMNS = ["position", "time", "org", "actor", "kind", "script", "environment", "from_version", "to_version", "keys", "reason", "incident"]
AUDIT_ROW = (*AUDIT_COLUMNS, "override", "gates")  # JSON rows add these (and details)


def audit_row(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row as JSON: its columns, details, and the release a pointer move started."""
    shown = {c: row[c] for c in (*AUDIT_ROW, "details")}
    if "config_sha256" in row:
        shown.update(config_sha256=row["config_sha256"], release=row["release"])
    return shown
LARGE_LAG = 5000


def with_progress(label: str, total: int, work: Callable[[Callable[[str, int], None]], Any]) -> Any:
    """Run ``work(report)`` showing one progress bar per read model on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(f"{label} {{task.description}}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def report(name: str, position: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=position)

        return work(report)


def read_models(inv: Invocation, *, warn: bool = True) -> Any:
    """The local projections, caught up (with a progress bar if far behind); in remote mode
    the HTTP client, whose server keeps its read models caught up itself. ``warn``: say so
    when the organization has no events at all (a mistyped --org)."""
    if inv.remote:
        return inv.ledger
    projections = inv.projections
    if projections.lag() < LARGE_LAG:
        projections.catch_up()
    else:
        head = inv.ledger.recorder.max_notification_id() or 0
        with_progress("catching up", head, lambda report: projections.catch_up(progress=report))
    if warn:
        _warn_if_unknown_org(projections, inv.org)
    return projections


def caught_up(inv: Invocation) -> None:
    """After a local write: the log tree and the read models take it in (with a progress bar if
    the read models were far behind), as the server does after its writes."""
    from api.services import catch_up

    projections = inv.projections
    if projections.lag() < LARGE_LAG:
        catch_up(inv.ledger, projections)
    else:
        head = inv.ledger.recorder.max_notification_id() or 0
        with_progress("catching up", head, lambda report: catch_up(inv.ledger, projections, progress=report))


def _warn_if_unknown_org(projections: Any, org: str) -> None:
    """A mistyped --org answers "nothing" without an error: say so, once, on stderr."""
    view = projections.audit_trail.view
    if view.has_org(org):
        return
    from ledger.names import did_you_mean

    known = view.org_names()
    if known:
        typer.echo(f"warning: no organization {org!r} in this store{did_you_mean(org, known)}", err=True)


def status(environment: EnvOpt = None, org: OrgOpt = None, output: OutputOpt = Output.table) -> None:
    """What every script runs in each environment now: version, since when, moved by whom and how.

    Example: revledger status --environment production
    """
    inv = invocation(org)
    rows = read_models(inv).current(org=inv.org, environment=environment)
    emit(rows, output, columns=STATUS_COLUMNS, message=_last_checkpoint(inv))


def _last_checkpoint(inv: Any) -> str | None:
    """The last signed checkpoint, for people (table output)."""
    if inv.remote or inv.settings.signing_key_file is None:
        return None  # checkpointing is off: the output stays as it always was
    from api.services import verifiable_log

    latest = verifiable_log(inv.ledger).latest()
    if latest is None:
        return "Last checkpoint: none signed yet."
    return f"Last checkpoint: {latest['size']} events, signed {latest['time']}."


def _describe(answer: dict[str, Any]) -> str:
    if answer["version"] is None:
        return f"nothing was deployed to {answer['environment']} at {answer['time']}"
    set_by = answer["set_by"]
    why = f", reason: {set_by['reason']}" if set_by["reason"] else ""
    why += f", incident {set_by['incident']}" if set_by["incident"] else ""
    until = f"until {answer['until']}" if answer["until"] else "still active"
    return (
        f"{answer['environment']} ran {answer['script']} version {answer['version']} at {answer['time']}: "
        f"set by {set_by['kind']} by {set_by['actor']} at {set_by['time']}{why}; {until}"
    )


def at(
    name: Annotated[str | None, typer.Argument(help="Script name; omit for every script in the environment.")] = None,
    environment: Annotated[str, typer.Option("--environment", "-e", help="development, staging or production.")] = "production",
    time: TimeOpt = "now",
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """What an environment ran at an instant, who set it, and until when.

    Example: revledger at invoice-parser --environment production --time 2026-11-25T14:03:00+01:00
    """
    inv = invocation(org)
    instant = parse_instant(time)
    projections = read_models(inv)
    if name is None:
        answers = projections.snapshot(org=inv.org, environment=environment, time=instant)
        if output != Output.table:
            emit(answers, output)
        elif not any(a["version"] is not None for a in answers):
            typer.echo(f"nothing was deployed to {environment} at {utc_text(instant)}")
        else:
            for answer in answers:
                typer.echo(_describe(answer))
        return
    answer = projections.at(org=inv.org, name=name, environment=environment, time=instant)
    if output == Output.table:
        typer.echo(_describe(answer))
    else:
        emit(answer, output)


def history(
    name: Annotated[str, typer.Argument(help="Script name.")],
    environment: EnvOpt = None,
    releases: Annotated[bool, typer.Option(
        "--releases", help="Also list each configuration change that started a release (kind config).")] = False,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Versions published and every pointer move of a script, newest first; with --releases also
    every configuration change that started a release of it (kind config: same version, new
    config_sha256).

    Example: revledger history invoice-parser --environment production --releases
    """
    inv = invocation(org)
    answer = read_models(inv).history(org=inv.org, name=name, environment=environment, releases=releases)
    emit(answer, output, columns=HISTORY_COLUMNS)


def audit(
    script: Annotated[str | None, typer.Option("--script", help="Only this script.")] = None,
    environment: EnvOpt = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only changes by this actor.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="script|draft|publish|promote|rollback|env|overlay|run|policy|token|incident (repeatable or comma-separated).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this instant (ISO 8601 with offset).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to this instant (ISO 8601 with offset).")] = None,
    incident: Annotated[str | None, typer.Option("--incident", help="Only changes tagged with this incident ID.")] = None,
    org: OrgOpt = None,
    output: Annotated[ListOutput, typer.Option("--output", "-o", help="Output format.", case_sensitive=False)] = ListOutput.table,
) -> None:
    """The audit trail: one row per recorded change, in log order. Secret values never appear.

    Example: revledger audit --environment production --kind promote,rollback --since 2026-11-01T00:00:00Z -o csv
    """
    inv = invocation(org)
    kinds = [k.strip() for item in (kind or []) for k in item.split(",") if k.strip()]
    rows = read_models(inv).audit(
        org=inv.org, script=script, environment=environment, actor=actor, kind=kinds,
        since=parse_instant(since) if since else None, until=parse_instant(until) if until else None,
        incident=incident,
    )
    if output in (ListOutput.json, ListOutput.yaml, ListOutput.ndjson):
        rows = [audit_row(r) for r in rows]
    emit(rows, output, columns=AUDIT_COLUMNS)


@projections_app.command("status")
def projections_status(output: OutputOpt = Output.table) -> None:
    """Each read model's position in the log and how far it lags behind.

    Example: revledger projections status -o json
    """
    from projections.service import Projections

    inv = invocation()
    if inv.remote:
        emit(inv.ledger.status(), output)  # the server's read models (GET /v1/projections)
        return
    emit(Projections(inv.ledger, inv.settings.projections_path).status(), output)


@projections_app.command("rebuild")
def projections_rebuild(
    names: Annotated[list[str] | None, typer.Argument(help="Read models to rebuild (default: all).")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Drop read models and replay them from the start of the log, with a progress bar.

    Example: revledger projections rebuild audit_trail
    """
    from projections.service import Projections

    from api.services import no_server

    inv = invocation()
    with no_server(inv.settings, "rebuilding the read models"):
        projections = Projections(inv.ledger, inv.settings.projections_path)
        projections.check_names(names or [])
        head = inv.ledger.recorder.max_notification_id() or 0
        with_progress("rebuilding", head, lambda report: projections.rebuild(names or [], progress=report))
        emit(projections.status(), output, message=f"Rebuilt from {head} events.")


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("at")(at)
    app.command("history")(history)
    app.command("audit")(audit)
    app.add_typer(projections_app, name="projections")
