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
    to: Annotated[str, typer.Option("--to", metavar="URL|DIR", help=(
        "The empty store: postgresql://USER:PASSWORD@HOST:PORT/DB, or a new data directory "
        "(SQLite) that receives the log, the archive and its own read models"))],
    output: OutputOpt = Output.table,
) -> None:
    """Copy every event of this store into an empty store (PostgreSQL, or a new SQLite data
    directory), in log order, then verify: same number of events, every aggregate equal at its
    last version, every read model rebuilt and equal. Secret values that older code left in
    plaintext are encrypted on the way (their events rewritten in place, keys appended after the
    log): `keys status` on the copy reports none. The copy's keys are wrapped by this store's
    master key (a default one is copied into the new directory's keys/). A target holding
    events is refused; a PostgreSQL target's schema is created if missing.

    Example: revledger db copy --to postgresql://revledger:secret@db:5432/revledger
    Example: revledger db copy --to /srv/revledger-new
    """
    from api.services import open_ledger, store_env
    from ledger.sealing_copy import Sealer
    from ledger.store_copy import copy_events, snapshot_long_aggregates, verify_copy
    from ledger.stores import init_store, open_store
    from projections.comparison import compare_read_models

    inv = _local("copy")
    target_settings = _target(inv, to)
    target_env = store_env(target_settings)
    if target_env == store_env(inv.settings):
        raise RefusedError("--to names the store being copied: choose another database")
    source = open_ledger(inv.settings)
    try:
        if target_settings.backend == "sqlite":
            _prepare_directory(inv, source, target_settings)
        init_store({**target_env, "CREATE_TABLE": "yes"})
        target = open_store(target_env)
        try:
            if target.secrets.master != source.secrets.master:
                raise RefusedError("the target opens with another master key than this store: "
                                   "give both the same REVLEDGER_MASTER_KEY_FILE")
            sealer = Sealer.plan(source)
            report = copy_events(source, target, rewrite=sealer.rewrite)
            keys = sealer.key_aggregates(target)
            if keys:
                target.save(*keys)
                report.appended = (target.recorder.max_notification_id() or 0) - report.last_copied
            verify_copy(source, target, report, sealer)
            report.mismatches += compare_read_models(
                source, target, same_positions=not report.moved_positions,
                target_stop=report.last_copied, translations=sealer.translations)
            snapshots = snapshot_long_aggregates(target, report)
        finally:
            target.close()
    finally:
        source.close()
    body = {
        "from": inv.settings.store_label(), "to": target_settings.store_label(),
        "events": report.events, "aggregates": report.aggregates, "snapshots": snapshots,
        "events_sealed": len(sealer.rewritten), "values_sealed": sealer.sealed_values,
        "key_events_appended": report.appended,
        "verified": report.ok, "mismatches": report.mismatches,
    }
    if not report.ok:
        raise LedgerError(f"the copy differs from the source: {'; '.join(report.mismatches[:3])}")
    sealed = (f" {sealer.sealed_values} plaintext secret values encrypted on the way "
              f"({len(sealer.rewritten)} events rewritten, {report.appended} key events appended);"
              if sealer.rewritten else "")
    emit(body, output, message=(
        f"Copied {report.events} events ({report.aggregates} aggregates) to {body['to']};{sealed} "
        "verified: counts, aggregates and read models equal."))


def _target(inv: Invocation, to: str) -> Any:
    """The target store's settings: a PostgreSQL URL, or a new data directory."""
    from pathlib import Path

    if to.startswith(("postgresql:", "postgres:")):
        return inv.settings.model_copy(update={"database_url": to})
    if "://" in to:
        raise InvalidInputError("--to must be a postgresql:// URL or a directory")
    home = Path(to).expanduser().resolve()
    if home == inv.settings.home.resolve():
        raise RefusedError("--to names the store being copied: choose another directory")
    return inv.settings.model_copy(update={"database_url": None, "home": home})


def _prepare_directory(inv: Invocation, source: Any, target: Any) -> None:
    """The new data directory: owner-only, with the source's archive and (when the source uses
    the embedded default) its master key, so the copied key rings open."""
    from ledger.files import private_dir, write_private

    private_dir(target.home, tighten=True)
    key = source.secrets.open_master_key()
    if inv.settings.master_key_file is None and not target.master_key_path.exists():
        private_dir(target.master_key_path.parent)
        write_private(target.master_key_path, key.path.read_bytes())
    archive = inv.settings.home / "archive"
    for path in sorted(archive.rglob("*")) if archive.is_dir() else []:
        if path.is_file() and not path.name.endswith(".tmp"):
            copied = target.home / "archive" / path.relative_to(archive)
            private_dir(copied.parent)
            if not copied.exists():
                write_private(copied, path.read_bytes())


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
