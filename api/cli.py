"""The ``revledger`` command line: one Typer app with a sub-app per resource.

Domain errors become one line on stderr and an exit code: 1 error, 2 usage, 3 conflict.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import typer
from typer.core import TyperGroup

from ledger.errors import LedgerError


class LedgerGroup(TyperGroup):
    """Turns a LedgerError raised by any sub-command into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LedgerError as error:
            click.echo(f"error: {error.message}", err=True)
            ctx.exit(error.exit_code)


app = typer.Typer(
    cls=LedgerGroup,
    name="revledger",
    help=(
        "An event-sourced revision ledger: publish versions, promote them through "
        "development → staging → production, roll back, and manage configuration. "
        "Every change is an immutable event."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register() -> None:
    from api.commands import config, environments, queries, scripts

    app.add_typer(scripts.script_app, name="script")
    app.add_typer(scripts.draft_app, name="draft")
    app.add_typer(scripts.version_app, name="version")
    environments.register(app)
    app.add_typer(config.env_app, name="env")
    app.add_typer(config.overlay_app, name="overlay")
    app.add_typer(config.config_app, name="config")
    queries.register(app)


_register()


def main() -> None:  # pragma: no cover - console script entry point
    sys.exit(app())
