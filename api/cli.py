"""The ``revledger`` command line: one Typer app with a sub-app per resource.

Domain errors become one line on stderr and the exit code of their row in the error table
(``api/errors.py``): 1 error, 2 usage, 3 conflict, 4 refused by promotion gates.
"""

import json
import sys
import warnings
from typing import Any

import typer
from typer.core import TyperGroup

from api import rich_help
from ledger.errors import LedgerError
from ledger.times import FutureInstantWarning


rich_help.defer()  # typer's help formatter, without rich's markdown and tracebacks


class LedgerGroup(TyperGroup):
    """Turns a LedgerError raised by any sub-command into one line on stderr and its exit code;
    accepts ``--org``/``--actor``/``-o`` before the sub-command; usage errors are one line."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        from api.usage import main_one_line, move_leading_options, normalize_environments

        argv = normalize_environments(move_leading_options(self, sys.argv[1:] if args is None else args))
        return main_one_line(super().main, argv, prog_name=prog_name, complete_var=complete_var,
                             standalone_mode=standalone_mode, **extra)

    def invoke(self, ctx: typer.Context) -> Any:
        from api.commands.common import after_command

        args = [*getattr(ctx, "protected_args", []), *ctx.args]
        try:
            with warnings.catch_warnings():
                # The ledger's warnings (a time in the future, …) are one line each on stderr.
                warnings.simplefilter("always", FutureInstantWarning)
                warnings.showwarning = _warning_line
                try:
                    return super().invoke(ctx)
                finally:
                    after_command()  # read-your-writes: what the command recorded is in the read models
        except LedgerError as error:
            from api.errors import row_of

            exit_code = row_of(error).exit_code
            if error.extra() and _wants_json(args):
                # Errors with structured detail (failing gates…) stay one line, as JSON.
                body = {"error": error.message, "exit_code": exit_code, **error.extra()}
                typer.echo(json.dumps(body, separators=(",", ":")), err=True)
            else:
                typer.echo(f"error: {error.message}", err=True)
            ctx.exit(exit_code)


def _warning_line(message: Warning | str, *_args: Any, **_kwargs: Any) -> None:
    typer.echo(f"warning: {message}", err=True)


def _wants_json(args: list[str]) -> bool:
    for i, arg in enumerate(args):
        if arg in ("-o", "--output") and i + 1 < len(args):
            return args[i + 1].lower() == "json"
        if arg in ("-ojson", "--output=json"):
            return True
    return False


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


@app.callback()
def _options(
    server: str | None = typer.Option(
        None, "--server", metavar="URL",
        help="Talk to this revledger server instead of the local store (default: $REVLEDGER_SERVER). "
        "Needs $REVLEDGER_TOKEN.",
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", metavar="URL",
        help="Keep the events in this PostgreSQL database, postgresql://USER:PASSWORD@HOST:PORT/DB "
        "(default: $REVLEDGER_DATABASE_URL; unset: the SQLite file in $REVLEDGER_HOME).",
    ),
) -> None:
    from api.commands.common import use_database_url, use_server

    use_server(server)
    use_database_url(database_url)


@app.command("help")
def help_(
    ctx: typer.Context,
    command: list[str] | None = typer.Argument(None, help="The command to explain, e.g. env import."),
) -> None:
    """Show the help of revledger or of one of its commands.

    Example: revledger help version rollback
    """
    from api.usage import help_for

    typer.echo(help_for(ctx.find_root().command, command or []))


def _register() -> None:
    from api.commands import config, environments, queries, safety, scripts, serve, tokens

    app.add_typer(scripts.script_app, name="script")
    app.add_typer(scripts.draft_app, name="draft")
    app.add_typer(scripts.version_app, name="version")
    environments.register(app)
    app.add_typer(config.env_app, name="env")
    app.add_typer(config.overlay_app, name="overlay")
    app.add_typer(config.config_app, name="config")
    queries.register(app)
    safety.register(app)
    from api.commands import incidents; incidents.register(app)  # noqa: E702 (one line: others edit this function too)
    serve.register(app)
    app.add_typer(tokens.token_app, name="token")
    from api.commands import transparency; transparency.register(app)  # noqa: E702
    from api.commands import store; store.register(app)  # noqa: E702
    from api.commands import releases; releases.register(app)  # noqa: E702
    from api.commands import secrets; secrets.register(app)  # noqa: E702
    from api.commands import requests; requests.register(app)  # noqa: E702


def _check_declarations() -> None:
    from api.operations.commands import guard_local_commands

    guard_local_commands(app)  # declared local_only: refused in remote mode (api/operations/)


_register()
_check_declarations()


def main() -> None:  # pragma: no cover - console script entry point
    sys.exit(app())
