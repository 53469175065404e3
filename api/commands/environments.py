"""``revledger promote``: move one environment pointer."""

from __future__ import annotations

from typing import Annotated

import typer

from api.commands.common import ActorOpt, OrgOpt, OutputOpt, emit, invocation, parse_version
from api.output import Output
from ledger.application import UNSET

MOVE_COLUMNS = ["script", "environment", "version", "previous_version", "changed", "reason", "actor", "time"]


def promote(
    name: Annotated[str, typer.Argument(help="Script name.")],
    version: Annotated[str, typer.Option("--version", "-v", help="Version to promote; 0 = the version production runs.")],
    to: Annotated[str, typer.Option("--to", help="development, staging or production.")],
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    expect_current: Annotated[
        str | None,
        typer.Option("--expect-current", help="Refuse unless the pointer is at this version ('none' = unset)."),
    ] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Point an environment at a version. Promoting the current version changes nothing.

    Example: revledger promote invoice-parser --version 4 --to staging --expect-current 3
    """
    inv = invocation(org, actor)
    expected = UNSET
    if expect_current is not None:
        expected = None if expect_current.lower() == "none" else parse_version(expect_current, "--expect-current")
    view = inv.ledger.promote(
        org=inv.org, name=name, version=parse_version(version), environment=to,
        actor=inv.actor, reason=reason, expect_current=expected,
    )
    if view.changed:
        message = f"Promoted {name} version {view.version} to {to} (was {view.previous_version or 'unset'})."
    else:
        message = f"{to} already runs {name} version {view.version}: nothing changed."
    emit(view, output, columns=MOVE_COLUMNS, message=message)


def register(app: typer.Typer) -> None:
    app.command("promote")(promote)
