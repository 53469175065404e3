"""``revledger script``, ``draft`` and ``version`` commands."""

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import ActorOpt, OrgOpt, OutputOpt, emit, invocation, parse_version
from api.commands.queries import read_models
from api.output import Output
from ledger.content import decode_text, format_for_filename, parse_content, render_content

script_app = typer.Typer(help="Create, show and list scripts.", no_args_is_help=True)
draft_app = typer.Typer(help="Save a script's draft and publish it as an immutable version.", no_args_is_help=True)
version_app = typer.Typer(help="List, show and roll back versions.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Script name (a slug such as invoice-parser).")]
SCRIPT_COLUMNS = ["name", "description", "tags", "latest_version", "draft", "environments"]
VERSION_COLUMNS = ["version", "label", "note", "author", "published_at", "content_sha256"]


def _split_tags(tags: str | None) -> list[str]:
    return [t for t in (tags or "").split(",") if t.strip()]


@script_app.command("create")
def script_create(
    name: NameArg,
    description: Annotated[str, typer.Option(help="What the script does.")] = "",
    tags: Annotated[str | None, typer.Option(help="Comma-separated tags, e.g. billing,llm.")] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Create a script. Names are slugs; duplicates are refused.

    Example: revledger script create invoice-parser --description "Parse invoices" --tags billing,llm
    """
    inv = invocation(org, actor)
    view = inv.ledger.create_script(
        org=inv.org, name=name, actor=inv.actor, description=description, tags=_split_tags(tags)
    )
    emit(view, output, columns=SCRIPT_COLUMNS, message=f"Created script {name}.")


@script_app.command("get")
def script_get(name: NameArg, org: OrgOpt = None, output: OutputOpt = Output.table) -> None:
    """Show a script: latest version, draft status and the version each environment runs.

    Example: revledger script get invoice-parser -o json
    """
    inv = invocation(org)
    view = read_models(inv, warn=False).get_script(org=inv.org, name=name)
    message = None
    if view.draft == "modified" and view.draft_base_version:
        message = f"Draft modified since version {view.draft_base_version}."
    emit(view, output, columns=SCRIPT_COLUMNS + ["created_at", "created_by"], message=message)


@script_app.command("list")
def script_list(
    tags: Annotated[str | None, typer.Option(help="Only scripts with all these tags (comma-separated).")] = None,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List the organization's scripts.

    Example: revledger script list --tags billing
    """
    inv = invocation(org)
    emit(read_models(inv, warn=False).list_scripts(org=inv.org, tags=_split_tags(tags)), output,
         columns=SCRIPT_COLUMNS)


@draft_app.command("save")
def draft_save(
    name: NameArg,
    file: Annotated[
        Path,
        typer.Option("--file", "-f", exists=True, dir_okay=False, readable=True,
                     help=".json and .yaml/.yml are parsed and stored canonically; anything else as text."),
    ],
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Save the script's one mutable draft from a file. Creates no version.

    Example: revledger draft save invoice-parser -f workflow.yaml
    """
    inv = invocation(org, actor)
    text = decode_text(file.read_bytes(), source=str(file))
    content = parse_content(text, format_for_filename(file.name), source=str(file))
    view = inv.ledger.save_draft(org=inv.org, name=name, content=content, actor=inv.actor)
    emit(view, output, message=f"Saved the draft of {name} ({view.status}).")


@draft_app.command("publish")
def draft_publish(
    name: NameArg,
    label: Annotated[str | None, typer.Option("--name", help="A label for the version, e.g. fix-null-customer.")] = None,
    note: Annotated[str | None, typer.Option(help="What changed.")] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Publish the draft as the next immutable version (1, 2, 3 …).

    Example: revledger draft publish invoice-parser --name add-urgency --note "classify urgency"
    """
    inv = invocation(org, actor)
    view = inv.ledger.publish(org=inv.org, name=name, actor=inv.actor, label=label, note=note)
    emit(view, output, columns=["script", *VERSION_COLUMNS], message=f"Published {name} version {view.version}.")


@version_app.command("list")
def version_list(name: NameArg, org: OrgOpt = None, output: OutputOpt = Output.table) -> None:
    """List a script's versions, oldest first.

    Example: revledger version list invoice-parser -o yaml
    """
    inv = invocation(org)
    emit(read_models(inv, warn=False).list_versions(org=inv.org, name=name), output, columns=VERSION_COLUMNS)


@version_app.command("get")
def version_get(
    name: NameArg,
    version: Annotated[str, typer.Argument(help="Version number or label; 0 = the version production runs.")],
    content: Annotated[bool, typer.Option("--content", help="Include the content.")] = False,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show one version (0 = the active version in production).

    Example: revledger version get invoice-parser 3 --content
    """
    inv = invocation(org)
    number = parse_version(version, "VERSION")
    view = read_models(inv, warn=False).get_version(org=inv.org, name=name, version=number, with_content=content)
    if output == Output.table:
        emit(view, output, columns=["script", *VERSION_COLUMNS, "format"])
        if content:
            from ledger.content import Content

            typer.echo(render_content(Content(view.format, view.content)), nl=False)
        return
    emit(view, output)


@version_app.command("label")
def version_label(
    name: NameArg,
    version: Annotated[str, typer.Argument(help="Version number or current label; 0 = the version production runs.")],
    label: Annotated[str, typer.Argument(help="The new label: unique within the script, not a number.")],
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Label (or relabel) a version, as one event. Labels are unique within a script and are
    accepted wherever a version number is (--version, --to, version get).

    Example: revledger version label invoice-parser 3 stable-eu
    """
    inv = invocation(org, actor)
    view = inv.ledger.label_version(
        org=inv.org, name=name, version=parse_version(version, "VERSION"), label=label, actor=inv.actor
    )
    message = (f"Labelled {name} version {view.version} {label!r}." if view.position is not None
               else f"{name} version {view.version} is already labelled {label!r}: nothing changed.")
    emit(view, output, columns=["script", *VERSION_COLUMNS], message=message)


@version_app.command("rollback")
def version_rollback(
    name: NameArg,
    version: Annotated[str, typer.Option("--version", "--to", help="Target version number or label (--to is the same); 0 = the version active before the current one.")],
    environment: Annotated[str, typer.Option("--environment", "-e", help="Environment to roll back.")] = "production",
    incident: Annotated[str | None, typer.Option(help="Incident or ticket ID, e.g. INC-1042.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    expect_current: Annotated[str | None, typer.Option("--expect-current", help="Refuse unless the environment runs this version now.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Allow a target never active (or quarantined) in this environment.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Change nothing: print the plan.")] = False,
    with_config: Annotated[bool, typer.Option("--with-config", help="Also restore overlay[ENV] (and the tenant[ENV] keys the target references) to their values when the target was last live there, in the same transaction.")] = False,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Roll an environment back to a known-good version. Recorded as its own event; the version
    rolled back from is quarantined there. Rolling back to the version already running changes
    nothing (exit 0).

    Example: revledger version rollback invoice-parser --version 0 --incident INC-1042 --reason "error spike"
    Example: revledger version rollback invoice-parser --to 3 -e production --dry-run
    """
    inv = invocation(org, actor)
    target = parse_version(version, "--version")
    if dry_run:
        from api.commands.environments import print_plan

        plan = inv.ledger.plan_rollback(
            org=inv.org, name=name, to=target, environment=environment,
            incident=incident, reason=reason, force=force,
        )
        if with_config:
            plan["config_promotion"] = inv.ledger.plan_config_restore(
                org=inv.org, name=name, to=target, environment=environment
            )
        print_plan(plan, output)
        return
    from ledger.unset import UNSET

    expected = UNSET if expect_current is None else parse_version(expect_current, "--expect-current", labels=False)
    view = inv.ledger.rollback(
        org=inv.org, name=name, to=target, actor=inv.actor, environment=environment,
        reason=reason, incident=incident, force=force, expect_current=expected,
        **({"with_config": True} if with_config else {}),
    )
    from api.commands.environments import requested

    if requested(view, output):
        return
    if view.changed:
        message = f"Rolled {environment} of {name} back from version {view.previous_version} to {view.version}."
        if view.config_changes is not None:
            message += f" Configuration restored: {len(view.config_changes)} change(s)."
    else:
        message = f"{environment} already runs {name} version {view.version}: nothing changed."
    emit(
        view, output,
        columns=["script", "environment", "version", "previous_version", "changed", "incident", "reason", "actor", "time"],
        message=message,
    )
