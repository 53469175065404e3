"""Log imports in the event log: who imported how many records of which scripts.

The records themselves live in a read model (they are observations, not changes); this
event puts the import into the audit trail, and gives a keyed ``POST /v1/logs`` an event
to record its response with.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from ledger.aggregates import Aggregates
from ledger.names import check_org



class LogImport(Aggregate):
    """One batch of imported log records (the summary, never the records)."""

    TOPIC = "revledger:LogImport"

    class Created(Aggregate.Created):
        TOPIC = "revledger:LogImport.Created"

    @event("Imported", topic="revledger:LogImport.Imported")
    def __init__(
        self, org: str, actor: str, source: str, imported: int, duplicates: int,
        scripts: list[str], first: str | None, last: str | None, batch: str | None,
    ):
        self.org = org
        self.actor = actor
        self.source = source
        self.imported = imported
        self.duplicates = duplicates
        self.scripts = scripts
        self.first = first
        self.last = last
        self.batch = batch


class LogImports:
    """Recording log imports in the event log."""

    def __init__(self, store: Aggregates) -> None:
        self.store = store

    def record_log_import(self, *, org: str, actor: str, summary: dict[str, Any]) -> dict[str, Any]:
        """Record an import's summary (as ``Logs.import_*`` returned it); returns it with its position."""
        check_org(org)
        fields = {k: summary.get(k) for k in ("source", "imported", "duplicates", "first", "last", "batch")}
        record = LogImport(org=org, actor=actor, scripts=sorted(summary.get("scripts") or []), **fields)
        position = self.store.save(record)
        return {**summary, "position": position}
