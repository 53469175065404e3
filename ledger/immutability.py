"""The event table refuses UPDATE and DELETE: part of the store's schema setup, per backend.

A trigger is a guard rail against accidents and careless tools, not against an attacker who
can drop it: that is what the signed checkpoints and ``revledger verify`` are for.
"""

from __future__ import annotations

from typing import Any

MESSAGE = "revledger events are immutable: {op} refused"


def _sqlite(recorder: Any) -> None:
    table = recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        for op in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.format(op=op)}'); END"
            )


def _postgres(recorder: Any) -> None:
    table = recorder.events_table_name
    schema = getattr(recorder.datastore, "schema", "") or "public"
    function = f"{schema}.revledger_refuse_change"
    statements = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'revledger events are immutable: % refused', TG_OP; END $$",
        f"CREATE OR REPLACE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {schema}.{table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE OR REPLACE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {schema}.{table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]
    with recorder.datastore.transaction(commit=True) as cursor:
        for statement in statements:
            cursor.execute(statement)


def protect_events(recorder: Any) -> None:
    """Install the refusing triggers on the application recorder's event table (idempotent)."""
    module = type(recorder).__module__
    if module.startswith("eventsourcing.sqlite"):
        _sqlite(recorder)
    elif module.startswith("eventsourcing.postgres"):
        try:
            _postgres(recorder)
        except Exception as error:  # noqa: BLE001 - a role without DDL rights still opens the store
            import logging

            logging.getLogger("revledger.store").warning("could not install the immutability trigger: %s", error)
    # Other recorders (POPO in memory) have no table to protect.
