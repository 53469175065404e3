"""Read models of two stores side by side: rebuilt from each log, compared row by row.

Used by `revledger db copy` to prove a moved store answers every query as before. Rows are
compared with positions as they are when both logs number their events alike; when the
target numbered them differently (PostgreSQL ids can skip), columns holding positions are
left out, since they name places in a log rather than facts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from projections.service import Projections


def rebuilt_rows(ledger: Ledger, directory: Path, *, keep_positions: bool = True) -> dict[str, list[Any]]:
    """Every read model of ``ledger`` built from position 0 in a new file, as sorted rows."""
    projections = Projections(ledger, directory / "projections.db")
    try:
        projections.catch_up()
        tables: dict[str, list[Any]] = {}
        for projection in projections.all.values():
            for table in projection.view.tables:
                columns = [c.name for c in projections.db[table].columns]
                if not keep_positions:
                    columns = [c for c in columns if "position" not in c and c != "notification_id"]
                listed = ", ".join(f"[{c}]" for c in columns)
                rows = projections.db.execute(f"SELECT {listed} FROM [{table}]").fetchall()
                tables[table] = sorted(rows, key=repr)
        return tables
    finally:
        projections.db.close()


def compare_read_models(source: Ledger, target: Ledger, *, same_positions: bool) -> list[str]:
    """The tables whose rows differ between the two stores' rebuilt read models."""
    with tempfile.TemporaryDirectory(prefix="revledger-compare-") as tmp:
        left = Path(tmp) / "source"
        right = Path(tmp) / "target"
        left.mkdir()
        right.mkdir()
        a = rebuilt_rows(source, left, keep_positions=same_positions)
        b = rebuilt_rows(target, right, keep_positions=same_positions)
    return [
        f"read model table {table}: {len(a.get(table, []))} rows in the source, "
        f"{len(b.get(table, []))} in the target, or rows that differ"
        for table in sorted(set(a) | set(b))
        if a.get(table) != b.get(table)
    ]
