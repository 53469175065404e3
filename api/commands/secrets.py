"""Encryption keys of secret values: ``keys status``, ``keys rotate`` and ``org shred``."""

from typing import Annotated, Any

import typer

from api.commands.common import ActorOpt, OutputOpt, emit, invocation
from api.commands.transparency import keys_app
from api.output import Output

org_app = typer.Typer(help="Whole organizations: crypto-shredding.", no_args_is_help=True)

ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why (recorded in the event).")]


def _local(actor: str | None = None) -> Any:
    """The local store's invocation: these commands are declared local-only (api/operations/
    keys.py), so in remote mode the CLI has already refused them (one line, exit 2)."""
    inv = invocation(actor=actor)
    assert not inv.remote
    return inv


@keys_app.command("status")
def keys_status(output: OutputOpt = Output.table) -> None:
    """The master key in use, each organization's data keys, how many events still hold a
    secret value in plaintext (written before encryption at rest), and which keys were set in
    plaintext as non-secret before being marked secret (that earlier value was never secret
    and stays in its event: rotate the value; `db copy` encrypts both kinds on the way).

    Example: revledger keys status -o json
    """
    status = _local().ledger.keys_status()
    if output == Output.table:
        rows = [{**o, "plaintext_before_secret": ", ".join(o["plaintext_before_secret"]) or "-"}
                for o in status["organizations"]]
        emit(rows, output, columns=[
            "org", "data_keys", "current_key_id", "shredded", "plaintext_secret_events",
            "plaintext_before_secret"],
            title=f"master key {status['master_key_id']} ({status['master_key_file']}); "
                  f"{status['plaintext_secret_events']} events hold plaintext secrets; "
                  f"{status['plaintext_before_secret']} keys were plaintext before marked secret "
                  "(rotate their values)")
    else:
        emit(status, output)


@keys_app.command("rotate")
def keys_rotate(
    org: Annotated[str | None, typer.Option("--org", help="Start a new data key for this organization only.")] = None,
    reason: ReasonOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Make a new master key and re-wrap every data key under it (as events); with --org, start
    a new data key for one organization. Old values decrypt as before. After a master key
    rotation the previous key file (MASTER.key.previous) can be deleted.

    Example: revledger keys rotate --org acme --reason "quarterly"
    """
    inv = _local(actor)
    if org is None:
        result = inv.ledger.rotate_master_key(actor=inv.actor)
        message = (f"Master key rotated to {result['master_key_id']}: "
                   f"{len(result['rewrapped_organizations'])} key rings re-wrapped; delete "
                   f"{result['previous_master_key_file']} once your backups no longer need it.")
    else:
        result = inv.ledger.rotate_org_key(org=org, actor=inv.actor, reason=reason)
        message = f"New data key {result['key_id']} for {org}: its new writes use it."
    emit(result, output, message=message)


@org_app.command("shred")
def org_shred(
    org: Annotated[str, typer.Argument(help="The organization whose data keys are destroyed.")],
    confirm: Annotated[str, typer.Option("--confirm", help="The organization's name again.")] = "",
    reason: ReasonOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Destroy every data key of ORG (crypto-shredding, recorded with who and why): its secret
    values become unreadable everywhere and show <shredded>; the rest of its history, its
    fingerprints and the verification of the log keep working. Cannot be undone.

    Example: revledger org shred acme --confirm acme --reason "customer left"
    """
    inv = _local(actor)
    result = inv.ledger.shred_org(org=org, confirm=confirm, actor=inv.actor, reason=reason)
    emit(result, output, message=f"Shredded {len(result['shredded_key_ids'])} data keys of {org}.")


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
