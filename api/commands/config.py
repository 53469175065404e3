"""``revledger env``, ``overlay`` and ``config`` commands: tenant variables, overlays, effective config."""

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import ActorOpt, BaseOpt, EnvironmentOpt, OrgOpt, OutputOpt, emit, invocation, scope
from api.commands.environments import requested
from api.output import Output
from ledger.content import decode_text
from ledger.errors import InvalidInputError

env_app = typer.Typer(help="Tenant variables, in the base scope or per environment.", no_args_is_help=True)
overlay_app = typer.Typer(help="Per-script overlays over the tenant variables.", no_args_is_help=True)
config_app = typer.Typer(help="Effective configuration of a script in an environment.", no_args_is_help=True)

KeyArg = Annotated[str, typer.Argument(help="Variable name ([A-Za-z_][A-Za-z0-9_]*).")]
RevealOpt = Annotated[bool, typer.Option("--reveal", help="Show secret values in full.")]
VARIABLE_COLUMNS = ["key", "value", "secret", "fingerprint", "environment"]


@env_app.command("set")
def env_set(
    key: KeyArg,
    value: Annotated[str, typer.Argument(help="The value.")],
    environment: EnvironmentOpt = None, base: BaseOpt = False,
    secret: Annotated[bool, typer.Option("--secret", help="Never print the value unless --reveal.")] = False,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Set a tenant variable.

    With approvals.ENV set, a write scoped to ENV records a change request instead: see `request`.

    Example: revledger env set OPENAI_API_KEY sk-live-123 --environment production --secret
    """
    environment = scope(environment, base)
    inv = invocation(org, actor)
    view = inv.ledger.set_variable(
        org=inv.org, key=key, value=value, actor=inv.actor, environment=environment, secret=secret
    )
    if requested(view, output):
        return
    emit(view, output, columns=VARIABLE_COLUMNS, message=f"Set {key}.")


@env_app.command("get")
def env_get(
    key: KeyArg, environment: EnvironmentOpt = None, base: BaseOpt = False, reveal: RevealOpt = False,
    org: OrgOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Show one tenant variable (secrets masked unless --reveal).

    Example: revledger env get DB_HOST --environment production
    """
    environment = scope(environment, base)
    inv = invocation(org)
    view = inv.ledger.get_variable(org=inv.org, key=key, environment=environment, reveal=reveal)
    emit(view, output, columns=VARIABLE_COLUMNS)


@env_app.command("list")
def env_list(
    environment: EnvironmentOpt = None, base: BaseOpt = False, reveal: RevealOpt = False,
    org: OrgOpt = None, output: OutputOpt = Output.table,
) -> None:
    """List the tenant variables of one scope.

    Example: revledger env list --environment staging -o json
    """
    environment = scope(environment, base)
    inv = invocation(org)
    views = inv.ledger.list_variables(org=inv.org, environment=environment, reveal=reveal)
    emit(views, output, columns=VARIABLE_COLUMNS)


@env_app.command("delete")
def env_delete(
    key: KeyArg, environment: EnvironmentOpt = None, base: BaseOpt = False,
    org: OrgOpt = None, actor: ActorOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Delete a tenant variable from one scope.

    With approvals.ENV set, a write scoped to ENV records a change request instead: see `request`.

    Example: revledger env delete LEGACY_MODEL
    """
    environment = scope(environment, base)
    inv = invocation(org, actor)
    view = inv.ledger.delete_variable(org=inv.org, key=key, actor=inv.actor, environment=environment)
    if requested(view, output):
        return
    emit(view, output, columns=VARIABLE_COLUMNS, message=f"Deleted {key}.")


@env_app.command("import")
def env_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .env file.")],
    environment: EnvironmentOpt = None, base: BaseOpt = False,
    org: OrgOpt = None, actor: ActorOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Import a .env file as one event: all keys or none. Existing keys are overwritten.

    A file named for an environment (.env.prod, .env.staging, .env.dev …) needs a scope:
    --environment, or --base to mean the base scope (read by every environment) on purpose.
    Answers with the keys whose effective value changed in each environment.

    With approvals.ENV set, a write scoped to ENV records a change request instead: see `request`.

    Example: revledger env import .env.prod --environment production
    """
    environment = scope(environment, base)
    inv = invocation(org, actor)
    view = inv.ledger.import_variables(
        org=inv.org, text=decode_text(file.read_bytes(), source=str(file)), actor=inv.actor,
        environment=environment, source=str(file), base=base,
    )
    if requested(view, output):
        return
    emit(
        view, output, columns=["environment", "added", "changed", "unchanged"],
        message=f"Imported {file}: {view.added} added, {view.changed} changed, {view.unchanged} unchanged."
        + reach_line(view.effective_changes),
    )


def reach_line(changes: dict[str, list[str]]) -> str:
    """Where the effective values changed, e.g. `` Effective changes: production: A, B.``"""
    parts = [f"{env}: {', '.join(keys)}" for env, keys in changes.items() if keys]
    return f" Effective changes in {'; '.join(parts)}." if parts else " No effective value changed."


def _pairs(items: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidInputError(f"--set {item!r}: expected KEY=VALUE")
        values[key] = value
    return values


def _overlay_rows(view: object) -> list[dict[str, object]]:
    return [{"key": k, **v} for k, v in view.variables.items()]  # type: ignore[attr-defined]


@overlay_app.command("get")
def overlay_get(
    name: Annotated[str, typer.Argument(help="Script name.")],
    environment: EnvironmentOpt = None, base: BaseOpt = False, reveal: RevealOpt = False,
    org: OrgOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Show a script's overlay in one scope.

    Example: revledger overlay get invoice-parser --environment production
    """
    environment = scope(environment, base)
    inv = invocation(org)
    view = inv.ledger.get_overlay(org=inv.org, name=name, environment=environment, reveal=reveal)
    if output == Output.table:
        emit(_overlay_rows(view), output, columns=["key", "value", "secret", "fingerprint"])
    else:
        emit(view, output)


@overlay_app.command("update")
def overlay_update(
    name: Annotated[str, typer.Argument(help="Script name.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE to set (repeatable).")] = None,
    delete: Annotated[list[str] | None, typer.Option("--delete", help="KEY to delete (repeatable).")] = None,
    environment: EnvironmentOpt = None, base: BaseOpt = False,
    org: OrgOpt = None, actor: ActorOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Set and delete overlay keys in one event. An empty value defers to the tenant value.

    With approvals.ENV set, a write scoped to ENV records a change request instead: see `request`.

    Example: revledger overlay update invoice-parser --set MODEL=gpt-4.1 --set TEMPERATURE=0.0 --delete LEGACY_MODEL
    """
    environment = scope(environment, base)
    inv = invocation(org, actor)
    view = inv.ledger.update_overlay(
        org=inv.org, name=name, actor=inv.actor, set_=_pairs(set_ or []),
        delete=delete or [], environment=environment,
    )
    if requested(view, output):
        return
    if output == Output.table:
        emit(_overlay_rows(view), output, columns=["key", "value", "secret", "fingerprint"],
             message=_overlay_message(name, view))
    else:
        emit(view, output)


def _overlay_message(name: str, view) -> str:  # noqa: ANN001 (an OverlayView)
    if view.position is None:
        text = f"Nothing changed in the overlay of {name}."
    else:
        text = f"Updated the overlay of {name}: set {len(view.set)}, deleted {len(view.deleted)}."
    if view.not_present:
        text += f" Not present, so not deleted: {', '.join(view.not_present)}."
    return text


@config_app.command("resolve")
def config_resolve(
    name: Annotated[str, typer.Argument(help="Script name.")],
    environment: Annotated[str, typer.Option("--environment", "-e", help="Environment to resolve for.")],
    reveal: RevealOpt = False,
    at: Annotated[str | None, typer.Option("--at", help="As it was at this instant (ISO 8601 with offset).")] = None,
    org: OrgOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Show every effective variable of a script in an environment, and the layer it came from.

    Layers, lowest to highest: tenant → tenant[ENV] → overlay → overlay[ENV].

    Example: revledger config resolve invoice-parser --environment production --at 2026-11-25T14:03:00Z
    """
    inv = invocation(org)
    if at is None:
        view = inv.ledger.resolve_config(org=inv.org, name=name, environment=environment, reveal=reveal)
    else:
        from api.commands.queries import read_models
        from ledger.times import parse_instant

        instant = parse_instant(at)
        view = read_models(inv).config_at(
            org=inv.org, name=name, environment=environment, time=instant, reveal=reveal
        )
    if output == Output.table:
        emit(_overlay_rows(view), output, columns=["key", "value", "layer", "secret", "fingerprint"],
             title=f"{name} in {environment}" + (f" at {view.at.isoformat()}" if view.at else ""))
    else:
        emit(view, output)


@config_app.command("promote")
def config_promote(
    name: Annotated[str, typer.Argument(help="Script name.")],
    source: Annotated[str, typer.Option("--from", help="Environment to copy overlay[FROM] from.")],
    target: Annotated[str, typer.Option("--to", help="Environment whose overlay[TO] receives it.")],
    keys: Annotated[str | None, typer.Option("--keys", help="Only these keys (comma-separated).")] = None,
    include_tenant: Annotated[bool, typer.Option("--include-tenant", help="Also copy the tenant[FROM] keys the script's content references.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Change nothing: print the plan.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    incident: Annotated[str | None, typer.Option(help="Incident or ticket ID, e.g. INC-1042.")] = None,
    org: OrgOpt = None, actor: ActorOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Copy a script's environment-scoped overlay (overlay[FROM]) to overlay[TO] as one event:
    keys added, changed and removed so TO matches FROM. Secrets show only by fingerprint.

    Example: revledger config promote invoice-parser --from staging --to production --keys MODEL,TEMPERATURE --dry-run
    """
    from ledger.names import normalize_environment

    inv = invocation(org, actor)
    wanted = None if keys is None else [k.strip() for k in keys.split(",") if k.strip()]
    answer = inv.ledger.promote_config(
        org=inv.org, name=name, source=normalize_environment(source), target=normalize_environment(target),
        actor=inv.actor, keys=wanted, include_tenant=include_tenant, dry_run=dry_run,
        reason=reason, incident=incident,
    )
    if requested(answer, output):
        return
    if output != Output.table:
        emit(answer, output)
        return
    verb = "Plan (nothing changed)" if dry_run else "Promoted configuration"
    typer.echo(f"{verb}: {name} {answer['from']} → {answer['to']}, {len(answer['changes'])} change(s)."
               + reach_line(answer["effective_changes"]))
    for change in answer["changes"]:
        typer.echo("  " + change_line(change))


def change_line(change: dict[str, object]) -> str:
    """``add MODEL (overlay[production]) → 3f2a…`` with fingerprints only."""
    old, new = change["from_fingerprint"] or "absent", change["to_fingerprint"] or "absent"
    secret = " (secret)" if change["secret"] else ""
    return f"{change['op']} {change['key']}{secret} in {change['layer']}: {old} → {new}"
