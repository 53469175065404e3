"""The event store behind a Ledger: opening it, creating its schema once, describing it.

SQLite creates its tables on the way (one file, one writer at a time). PostgreSQL does not:
eventsourcing's ``CREATE OR REPLACE FUNCTION`` races when several processes start at once,
so ``revledger db init`` creates the schema once (under an advisory lock, idempotently) and
every other process opens the store with table creation off, refusing a missing schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.application import Ledger
from ledger.errors import LedgerError

#: Bumped when `db init` learns to create something new (kept in ``revledger_schema``).
SCHEMA_VERSION = 1
#: Any constant: the advisory lock that serializes concurrent `db init`s.
INIT_LOCK = 0x7265766C  # "revl"


class StoreUnavailableError(LedgerError):
    """The event store cannot be reached, or has no schema yet."""


def is_postgres(env: Mapping[str, str]) -> bool:
    return env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"


def where(env: Mapping[str, str]) -> str:
    if is_postgres(env):
        return (f"PostgreSQL database {env['POSTGRES_DBNAME']!r} at "
                f"{env['POSTGRES_HOST']}:{env.get('POSTGRES_PORT', '5432')}")
    return f"SQLite file {env.get('SQLITE_DBNAME')}"


def open_store(env: Mapping[str, str]) -> Ledger:
    """A Ledger on the configured store; on PostgreSQL, checks the schema exists first."""
    try:
        ledger = Ledger(env=dict(env))
    except PersistenceError as error:
        raise StoreUnavailableError(f"cannot open the {where(env)}: {_first_line(error)}") from None
    if is_postgres(env):
        try:
            version = schema_version(ledger)
        except PersistenceError as error:
            ledger.close()
            raise StoreUnavailableError(
                f"cannot reach the {where(env)}: {_first_line(error)}"
            ) from None
        if version is None:
            ledger.close()
            raise StoreUnavailableError(
                f"the {where(env)} has no revledger schema: run `revledger db init` first"
            )
    try:
        ledger.secrets.open_master_key()  # before anything is written: a wrong key refuses
    except LedgerError:
        ledger.close()
        raise
    return ledger


def init_store(env: Mapping[str, str]) -> dict[str, Any]:
    """Create the schema (tables, indexes, types, functions) if missing. Safe to run again,
    and from several processes at once: they queue on an advisory lock."""
    if not is_postgres(env):
        ledger = Ledger(env=dict(env))  # SQLite creates its tables on opening
        try:
            return {"backend": "sqlite", "store": where(env), "created": False,
                    "schema_version": SCHEMA_VERSION}
        finally:
            ledger.close()
    probe = Ledger(env={**env, "CREATE_TABLE": "no"})
    try:
        with probe.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            conn.autocommit = True
            conn.execute("SELECT pg_advisory_lock(%s)", [INIT_LOCK])
            try:
                before = schema_version(probe)
                if not before:
                    if before is None:
                        Ledger(env={**env, "CREATE_TABLE": "yes"}).close()
                    table = _schema_table(probe)
                    conn.execute(
                        f"CREATE TABLE IF NOT EXISTS {table} (version integer PRIMARY KEY,"
                        " applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                    conn.execute(
                        f"INSERT INTO {table} (version) VALUES (%s) ON CONFLICT DO NOTHING",
                        [SCHEMA_VERSION],
                    )
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [INIT_LOCK])
    except PersistenceError as error:
        raise StoreUnavailableError(f"cannot reach the {where(env)}: {_first_line(error)}") from None
    finally:
        probe.close()
    return {"backend": "postgresql", "store": where(env), "created": before is None,
            "schema_version": SCHEMA_VERSION}


def _schema_table(ledger: Ledger) -> str:
    schema = ledger.recorder.datastore.schema  # type: ignore[attr-defined]
    return f"{schema}.revledger_schema" if schema else "revledger_schema"


def schema_version(ledger: Ledger) -> int | None:
    """The schema version `db init` recorded (None: no schema). SQLite: always current."""
    if not type(ledger.recorder).__module__.startswith("eventsourcing.postgres"):
        return SCHEMA_VERSION
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    events = ledger.recorder.events_table_name  # type: ignore[attr-defined]
    schema = datastore.schema
    qualified = events if "." in events or not schema else f"{schema}.{events}"
    with datastore.transaction(commit=False) as curs:
        curs.execute("SELECT to_regclass(%s) AS t, to_regclass(%s) AS s",
                     [qualified, _schema_table(ledger)])
        row = curs.fetchone()
        if row is None or row["t"] is None:
            return None
        if row["s"] is None:
            return 0  # tables made by an older revledger (or by eventsourcing directly)
        curs.execute(f"SELECT max(version) AS v FROM {_schema_table(ledger)}")
        found = curs.fetchone()
    return int(found["v"]) if found and found["v"] is not None else 0


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
