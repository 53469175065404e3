"""``revledger promote``: move one environment pointer (or plan it with ``--dry-run``)."""

from typing import Annotated, Any

import typer

from api.commands.common import ActorOpt, OrgOpt, OutputOpt, emit, invocation, parse_version
from api.output import Output
from ledger.unset import UNSET

MOVE_COLUMNS = ["script", "environment", "version", "previous_version", "changed", "reason", "actor", "time"]


def promote(
    name: Annotated[str, typer.Argument(help="Script name.")],
    version: Annotated[str, typer.Option("--version", "-v", help="Version number or label to promote; 0 = the version production runs.")],
    to: Annotated[str, typer.Option("--environment", "-e", "--to", help="development, staging or production (--to is the same).")],
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    expect_current: Annotated[
        str | None,
        typer.Option("--expect-current", help="Refuse unless the pointer is at this version ('none' = unset)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Change nothing: print the plan (diff, config changes, gates, command).")] = False,
    override_gates: Annotated[bool, typer.Option("--override-gates", help="Promote although gates fail (needs --reason; recorded).")] = False,
    incident: Annotated[str | None, typer.Option(help="Incident or ticket ID the promotion is for, e.g. INC-1042.")] = None,
    with_config_from: Annotated[str | None, typer.Option("--with-config-from", help="Also copy that environment's overlay here, in the same transaction (both or neither).")] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Point an environment at a version, if the promotion gates pass. Promoting the current version changes nothing.

    Example: revledger promote invoice-parser --version 4 -e staging --expect-current 3
    Example: revledger promote invoice-parser --version 4 --to production --dry-run
    Example: revledger promote invoice-parser --version 5 --to production --override-gates --reason "hotfix" --incident INC-1042
    Example: revledger promote invoice-parser --version 4 --to production --with-config-from staging
    """
    from ledger.names import normalize_environment

    inv = invocation(org, actor)
    number = parse_version(version)
    source = normalize_environment(with_config_from) if with_config_from else None
    if dry_run:
        plan = inv.ledger.plan_promotion(org=inv.org, name=name, version=number, environment=to,
                                         **({"with_config_from": source} if source else {}))
        print_plan(plan, output)
        return
    expected = UNSET
    if expect_current is not None:
        expected = None if expect_current.lower() == "none" else parse_version(expect_current, "--expect-current", labels=False)
    view = inv.ledger.promote(
        org=inv.org, name=name, version=number, environment=to,
        actor=inv.actor, reason=reason, expect_current=expected, override_gates=override_gates,
        incident=incident, **({"with_config_from": source} if source else {}),
    )
    if requested(view, output):
        return
    if view.changed:
        message = f"Promoted {name} version {view.version} to {to} (was {view.previous_version or 'unset'})."
        if view.overridden_gates:
            message += f" Gates overridden: {', '.join(view.overridden_gates)}."
        if view.incident:
            message += f" Tagged with incident {view.incident}."
        if view.config_changes is not None:
            message += f" Configuration from {source}: {len(view.config_changes)} change(s)."
    else:
        message = f"{to} already runs {name} version {view.version}: nothing changed."
    emit(view, output, columns=MOVE_COLUMNS, message=message)
    if _looks_like_a_rollback(inv, view):
        typer.echo(
            f"hint: production went back to version {view.version}, which ran there before: "
            f"`revledger version rollback {name} --version {view.version} --incident ID` records "
            f"the incident and quarantines version {view.previous_version}",
            err=True,
        )


def requested(view: Any, output: Output) -> bool:
    """A change request instead of the change (approvals on): print it; True if it was one."""
    from ledger.request_view import RequestView

    if not isinstance(view, RequestView):
        return False
    from api.commands.requests import COLUMNS, describe, view_dict

    emit(view_dict(view), output, columns=COLUMNS, message=describe(view))
    return True


def _looks_like_a_rollback(inv: Any, view: Any) -> bool:
    """A promotion of production to an older version that was live there before."""
    if not (view.changed and view.environment == "production" and view.previous_version
            and view.version < view.previous_version):
        return False
    from api.commands.queries import read_models

    history = read_models(inv).history(org=inv.org, name=view.script, environment="production")
    return any(entry.get("version") == view.version and entry.get("position") != view.position
               and entry.get("kind") != "publish" for entry in history)


def print_plan(plan: dict[str, Any], output: Output) -> None:
    """A dry run's plan: what would change, what the gates say, and the command to do it."""
    if output != Output.table:
        emit(plan, output)
        return
    current = "unset" if plan["current"] is None else f"version {plan['current']}"
    typer.echo(f"Plan ({plan['kind']}, nothing changed): {plan['script']} in {plan['environment']}: "
               f"{current} → version {plan['target']}")
    typer.echo(f"  content: {plan['diff_summary']}")
    if plan.get("target_last_active"):
        last = plan["target_last_active"]
        typer.echo(f"  target last active: {last['since'] or 'never'} until {last['until'] or 'now'}")
    for change in plan.get("config_promotion") or []:
        from api.commands.config import change_line

        typer.echo(f"  with config: {change_line(change)}")
    for change in plan["config_changes"]:
        typer.echo(f"  config {change['key']}: {change['now'] or 'unused'} → {change['next'] or 'unused'}")
    for gate in plan["gates"]:
        typer.echo(f"  [{'pass' if gate['passed'] else 'FAIL'}] {gate['name']}: {gate['detail']}")
    verdict = "would pass" if plan["would_pass"] else "would be refused (use --override-gates --reason to force)"
    typer.echo(f"  {verdict}")
    typer.echo(f"  run: {plan['command']}")


def register(app: typer.Typer) -> None:
    app.command("promote")(promote)
