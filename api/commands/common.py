"""What every command shares: the options, the service and writing results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.output import Output, render

if TYPE_CHECKING:
    from api.settings import Settings

OrgOpt = Annotated[
    str | None,
    typer.Option("--org", help="Organization (tenant). Default: $REVLEDGER_ORG or 'default'."),
]
ActorOpt = Annotated[
    str | None,
    typer.Option("--actor", help="Who is recorded as doing this. Default: $REVLEDGER_ACTOR or the OS user."),
]
OutputOpt = Annotated[
    Output, typer.Option("--output", "-o", help="Output format.", case_sensitive=False)
]
EnvironmentOpt = Annotated[
    str | None,
    typer.Option("--environment", "-e", help="development, staging or production (default: the base scope)."),
]

BaseOpt = Annotated[
    bool,
    typer.Option("--base", help="The base scope, read by every environment (the default when no --environment)."),
]


def scope(environment: str | None, base: bool) -> str | None:
    """The scope named by ``--environment``/``--base`` (None: the base scope)."""
    if base and environment is not None:
        raise typer.BadParameter("give --environment or --base, not both", param_hint="--base")
    return environment


@dataclass
class Invocation:
    """One command's resolved settings, organization and actor."""

    settings: Settings
    org: str
    actor: str

    @property
    def remote(self) -> bool:
        """Whether commands talk to a server (``--server`` / ``REVLEDGER_SERVER``)."""
        return bool(self.settings.server)

    @cached_property
    def ledger(self) -> Any:
        """The local store, or in remote mode the HTTP client with the same methods."""
        if self.remote:
            return remote_ledger(self.settings)
        from api.services import master_key_notice, open_ledger

        # A new embedded store is announced (a PostgreSQL schema is made by `db init`), and so
        # is a master key made on the way.
        new_store = not self.settings.database_url and not self.settings.ledger_path.exists()
        ledger = open_ledger(self.settings)
        notice = master_key_notice(ledger, new_store=new_store)
        if new_store:
            typer.echo(f"note: created a new revledger store in {self.settings.home}"
                       + (f" ({notice})" if notice else ""), err=True)
        elif notice:
            typer.echo(f"note: {notice}", err=True)
        _opened.append((self, ledger.recorder.max_notification_id() or 0))
        return ledger

    @cached_property
    def projections(self) -> Any:
        """The local read models (not caught up: see ``read_models`` and :func:`after_command`)."""
        from projections.service import Projections

        return Projections(self.ledger, self.settings.projections_path)


#: The local stores this command opened, each with the head of its log then.
_opened: list[tuple[Invocation, int]] = []


def after_command() -> None:
    """Read-your-writes, as over HTTP: a command that recorded anything catches the log tree and
    the read models up before the CLI returns (``api.services.catch_up``, as the server's writer)."""
    while _opened:
        inv, head = _opened.pop()
        try:
            if (inv.ledger.recorder.max_notification_id() or 0) > head:
                from api.commands.queries import caught_up

                caught_up(inv)
        except Exception as error:  # noqa: BLE001 - the command's own outcome stands
            typer.echo(f"warning: the read models did not catch up (the next query will): {error}", err=True)


def remote_ledger(settings: Settings) -> Any:
    from api.client import LedgerClient
    from ledger.errors import LedgerError

    if not settings.token:
        raise LedgerError(f"remote mode ({settings.server}) needs a token: set REVLEDGER_TOKEN")
    assert settings.server is not None
    client = LedgerClient(settings.server, settings.token, timeout=settings.http_timeout,
                          positions=settings.remote_positions)
    client.default_org = settings.org
    return client


#: ``revledger --server URL …``: set by the root command on every run, overrides $REVLEDGER_SERVER.
_server_option: str | None = None


def use_server(url: str | None) -> None:
    global _server_option
    _server_option = url


#: ``revledger --database-url URL …``: overrides $REVLEDGER_DATABASE_URL.
_database_url_option: str | None = None


def use_database_url(url: str | None) -> None:
    global _database_url_option
    _database_url_option = url


def invocation(org: str | None = None, actor: str | None = None) -> Invocation:
    from api.settings import Settings

    overrides = {k: v for k, v in {"server": _server_option, "database_url": _database_url_option}.items() if v}
    settings = Settings(**overrides)
    if actor and settings.server:
        typer.echo("warning: --actor is ignored in remote mode: the server records the token's name "
                   "as the actor", err=True)
    return Invocation(settings, org or settings.org, actor or settings.default_actor())


def emit(
    value: Any,
    output: Output | str,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    message: str | None = None,
) -> None:
    typer.echo(render(value, output, columns=columns, title=title, message=message), nl=False)


def parse_version(text: str, option: str = "--version", labels: bool = True) -> int | str:
    """A version number, or (``labels``) a version label to be resolved by the ledger."""
    try:
        number = int(text)
    except ValueError:
        if labels and text.strip():
            from ledger.names import check_label

            return check_label(text)
        raise typer.BadParameter(f"{text!r} is not a version number", param_hint=option) from None
    if number < 0:
        raise typer.BadParameter("a version is 1, 2, 3 … (0 = the active version)", param_hint=option)
    return number
