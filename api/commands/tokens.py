"""``revledger token``: issue, list and revoke API tokens."""

from typing import Annotated

import typer

from api.commands.common import ActorOpt, OrgOpt, OutputOpt, emit, invocation
from api.output import Output
from ledger.names import ROLES

token_app = typer.Typer(help="API tokens for the HTTP API (only their hashes are stored).", no_args_is_help=True)

TOKEN_COLUMNS = ["name", "org", "role", "created_at", "created_by"]


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option("--name", help="A name to list and revoke it by, e.g. ci-deployer.")],
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Issue a token for an organization and print it once: it cannot be shown again.

    Example: revledger token create --org acme --role deployer --name ci-deployer -o json
    """
    inv = invocation(org, actor)
    view = inv.ledger.issue_token(org=inv.org, name=name, role=role, actor=inv.actor)
    emit(view, output, message=f"Created token {name} ({role}) for {inv.org}. Store it now: it is shown only once.")


@token_app.command("list")
def token_list(org: OrgOpt = None, output: OutputOpt = Output.table) -> None:
    """List an organization's active tokens (never the tokens themselves).

    Example: revledger token list --org acme
    """
    inv = invocation(org)
    from api.commands.queries import read_models

    emit(read_models(inv, warn=False).list_tokens(org=inv.org), output, columns=TOKEN_COLUMNS)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Revoke a token by name: requests with it are refused (401) from now on.

    Example: revledger token revoke ci-deployer --org acme
    """
    inv = invocation(org, actor)
    view = inv.ledger.revoke_token(org=inv.org, name=name, actor=inv.actor)
    emit(view, output, columns=[*TOKEN_COLUMNS, "revoked_at", "revoked_by"], message=f"Revoked token {name}.")
