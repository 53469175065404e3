"""The verifiable log: ``keys create``, ``checkpoint``, ``export`` and ``verify``."""

from pathlib import Path
from typing import Annotated, Any

import typer

from api.commands.common import OrgOpt, OutputOpt, emit, invocation
from api.output import Output
from ledger.errors import InvalidInputError, LedgerError

keys_app = typer.Typer(help="Keys: the Ed25519 pair that signs the log's checkpoints (create), and the "
                       "master and data keys that encrypt secret values (status, rotate).", no_args_is_help=True)


def _local_log(inv: Any) -> Any:
    if inv.remote:
        raise LedgerError("this command works on the local store only: drop --server / REVLEDGER_SERVER")
    from api.services import verifiable_log

    return verifiable_log(inv.ledger)


@keys_app.command("create")
def keys_create(
    out: Annotated[Path | None, typer.Option("--out", help="Private key file (default: $REVLEDGER_SIGNING_KEY_FILE).")] = None,
    name: Annotated[str, typer.Option("--name", help="Key name, also the checkpoints' origin line.")] = "revledger",
    output: OutputOpt = Output.table,
) -> None:
    """Write a new signing key (mode 0600) and FILE.pub, and print the public key.

    Keep the private key outside the data directory; give auditors the public key.

    Example: revledger keys create --out ~/.config/revledger/signing.key --name ledger.example.com
    """
    from ledger.checkpoints import create_key_file

    settings = invocation().settings
    path = out or settings.signing_key_file
    if path is None:
        raise InvalidInputError("name the key file: --out FILE (or set REVLEDGER_SIGNING_KEY_FILE)")
    home = settings.home.resolve()
    if path.resolve().is_relative_to(home):
        raise InvalidInputError(f"keep the signing key outside the data directory {settings.home}")
    key = create_key_file(path, name)
    emit({"public_key": key.vkey(), "private_key_file": str(path), "public_key_file": f"{path}.pub"},
         output, message=f"Signing key written to {path} (mode 0600). Public key:\n{key.vkey()}")


def checkpoint(output: OutputOpt = Output.table) -> None:
    """Sign a checkpoint of the whole log now and append it to the witness file.

    Example: revledger checkpoint -o json
    """
    inv = invocation()
    log = _local_log(inv)
    latest = log.checkpoint()
    emit(_checkpoint_row(latest, log.tree.root(latest["size"])), output,
         message=f"Checkpoint of {latest['size']} events signed; witness: {log.witness}")


def _checkpoint_row(latest: dict[str, Any], root: bytes) -> dict[str, Any]:
    return {"size": latest["size"], "time": latest["time"], "root": root.hex(), "note": latest["note"]}


def export(
    out: Annotated[Path, typer.Option("--out", help="The JSON Lines file to write.")],
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Sign a checkpoint, then export every event (or one organization's, with inclusion proofs).

    Without --org the export holds the whole log; with --org only that organization's events,
    each with its inclusion proof, verifiable without any other organization's data.

    Example: revledger export --org acme --out acme-audit.jsonl
    """
    inv = invocation()
    summary = _local_log(inv).export(out, org)
    emit(summary, output, message=f"Exported {summary['events']} events to {out} (tree size {summary['tree_size']}).")


def verify(
    file: Annotated[Path | None, typer.Argument(help="An export to verify offline.")] = None,
    public_key: Annotated[str | None, typer.Option("--public-key", metavar="KEY", help="The ledger's public key, or a file holding it.")] = None,
    store: Annotated[bool, typer.Option("--store", help="Verify the local store against the witness file.")] = False,
    server: Annotated[str | None, typer.Option("--server", metavar="URL", help="Check the server's latest checkpoint is consistent with the last one seen.")] = None,
    state: Annotated[Path | None, typer.Option("--state", help="Where --server keeps the last checkpoint it saw (default: $REVLEDGER_HOME/seen-checkpoint.json).")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Verify an export offline, the local store, or a server; exit 1 naming the first bad position.

    Example: revledger verify audit.jsonl --public-key ledger.pub
    Example: revledger verify --store
    Example: revledger verify --server http://127.0.0.1:8080 --public-key ledger.pub
    """
    from ledger.checkpoints import parse_public_key

    chosen = [bool(file), store, bool(server)]
    if sum(chosen) != 1:
        raise InvalidInputError("verify one thing: an export FILE, --store or --server URL")
    key = parse_public_key(public_key) if public_key else None
    if file is not None:
        if key is None:
            raise InvalidInputError("an export is verified against the ledger's public key: --public-key KEY")
        from revledger_verify.parallel import verify_file

        try:
            result = verify_file(file, key).as_dict()
        except OSError as error:
            raise InvalidInputError(f"cannot read {file}: {error.strerror}") from None
    elif store:
        inv = invocation()
        result = _local_log(inv).verify_store(key).as_dict()
    else:
        from api.commands.server_check import check_server

        if key is None:
            raise InvalidInputError("a server is checked against the ledger's public key: --public-key KEY")
        inv = invocation()
        assert server is not None
        result = check_server(server, key, state or inv.settings.home / "seen-checkpoint.json", inv)
    _report(result, output)


def _report(result: dict[str, Any], output: Output) -> None:
    from revledger_verify.__main__ import describe

    if output == Output.table:
        typer.echo(describe(result))
    else:
        emit(result, output)
    if not result["ok"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.command("checkpoint")(checkpoint)
    app.command("export")(export)
    app.command("verify")(verify)
