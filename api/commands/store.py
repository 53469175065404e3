"""``revledger db``: create the schema, describe the store, copy a store into PostgreSQL.

Local only: these commands work on the store this machine is configured for and refuse
remote mode (a server is never asked to create or copy its own database).
"""

from typing import Annotated, Any

import typer

from api.commands.common import Invocation, OutputOpt, emit, invocation
from api.output import Output
from ledger.errors import InvalidInputError, LedgerError, RefusedError

db_app = typer.Typer(
    help="The event store: create its schema (PostgreSQL), show its state, copy it elsewhere.",
    no_args_is_help=True,
)


def _local(action: str) -> Invocation:
    inv = invocation()
    if inv.remote:
        raise LedgerError(f"db {action} works on the local store only: unset --server / REVLEDGER_SERVER")
    return inv


@db_app.command("init")
def init(output: OutputOpt = Output.table) -> None:
    """Create the event store's schema (tables, indexes, functions) once. Safe to run again.

    On PostgreSQL every other command and `revledger serve` expect it and never create
    tables themselves. On SQLite the file is created on first use; this only creates it.

    Example: REVLEDGER_DATABASE_URL=postgresql://revledger:secret@db:5432/revledger revledger db init
    """
    from api.services import store_env
    from ledger.stores import init_store

    inv = _local("init")
    inv.settings.home.mkdir(parents=True, exist_ok=True)
    result = init_store(store_env(inv.settings, create_table=True))
    message = ("Created the schema" if result["created"] else "The schema already exists") + (
        f" (version {result['schema_version']}) in the {result['store']}.")
    emit(result, output, message=message)


@db_app.command("status")
def status(output: OutputOpt = Output.table) -> None:
    """Backend, schema version, head of the log, and each local read model's position and lag.

    Example: revledger db status -o json
    """
    from ledger.stores import schema_version
    from projections.service import Projections

    inv = _local("status")
    ledger = inv.ledger
    try:
        head = ledger.recorder.max_notification_id() or 0
        models = Projections(ledger, inv.settings.projections_path).status()
        body: dict[str, Any] = {
            "backend": inv.settings.backend,
            "store": inv.settings.store_label(),
            "schema_version": schema_version(ledger),
            "head": head,
            "read_models": models,
        }
    finally:
        ledger.close()
    if output == Output.table:
        typer.echo(f"backend {body['backend']}  store {body['store']}  schema {body['schema_version']}  head {head}")
        emit(models, output)
    else:
        emit(body, output)


@db_app.command("copy")
def copy(
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The empty PostgreSQL store: postgresql://USER:PASSWORD@HOST:PORT/DB")],
    output: OutputOpt = Output.table,
) -> None:
    """Copy every event of this store into an empty PostgreSQL store, in log order, then verify:
    same number of events, every aggregate equal at its last version, every read model rebuilt
    and equal. The target's schema is created if missing; a target holding events is refused.

    Example: revledger db copy --to postgresql://revledger:secret@db:5432/revledger
    """
    from api.services import open_ledger, store_env
    from ledger.store_copy import copy_events, snapshot_long_aggregates, verify_copy
    from ledger.stores import init_store, open_store
    from projections.comparison import compare_read_models

    inv = _local("copy")
    target_settings = inv.settings.model_copy(update={"database_url": to})
    if target_settings.backend != "postgresql":
        raise InvalidInputError("--to must be a postgresql:// URL")
    target_env = store_env(target_settings)
    if target_env == store_env(inv.settings):
        raise RefusedError("--to names the store being copied: choose another database")
    source = open_ledger(inv.settings)
    try:
        init_store({**target_env, "CREATE_TABLE": "yes"})
        target = open_store(target_env)
        try:
            report = copy_events(source, target)
            verify_copy(source, target, report)
            report.mismatches += compare_read_models(
                source, target, same_positions=not report.moved_positions)
            snapshots = snapshot_long_aggregates(target, report)
        finally:
            target.close()
    finally:
        source.close()
    body = {
        "from": inv.settings.store_label(), "to": target_settings.store_label(),
        "events": report.events, "aggregates": report.aggregates, "snapshots": snapshots,
        "verified": report.ok, "mismatches": report.mismatches,
    }
    if not report.ok:
        raise LedgerError(f"the copy differs from the source: {'; '.join(report.mismatches[:3])}")
    emit(body, output, message=(
        f"Copied {report.events} events ({report.aggregates} aggregates) to {body['to']}; "
        "verified: counts, aggregates and read models equal."))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
