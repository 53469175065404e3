"""Read models of two stores side by side: rebuilt from each log, compared row by row.

Used by `revledger db copy` to prove a moved store answers every query as before. Rows are
compared with positions as they are when both logs number their events alike; when the
target numbered them differently (PostgreSQL ids can skip), columns holding positions are
left out, since they name places in a log rather than facts.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from projections.runner import catch_up_all
from projections.service import Projections

FINGERPRINT = re.compile(r"\b[0-9a-f]{8}\b")


def rebuilt_rows(ledger: Ledger, directory: Path, *, keep_positions: bool = True,
                 stop: int | None = None,
                 translations: dict[tuple[str, str], str] | None = None) -> dict[str, list[Any]]:
    """Every read model of ``ledger`` built from position 0 (up to ``stop``) in a new file, as
    sorted rows; ``translations`` replaces an organization's fingerprints in its rows."""
    projections = Projections(ledger, directory / "projections.db")
    try:
        if stop is None:
            projections.catch_up()
        else:
            catch_up_all(ledger, list(projections.all.values()), stop=stop)
        tables: dict[str, list[Any]] = {}
        for projection in projections.all.values():
            for table in projection.view.tables:
                columns = [c.name for c in projections.db[table].columns]
                if not keep_positions:
                    columns = [c for c in columns if "position" not in c and c != "notification_id"]
                listed = ", ".join(f"[{c}]" for c in columns)
                rows = projections.db.execute(f"SELECT {listed} FROM [{table}]").fetchall()
                if translations and "org" in columns:
                    rows = [_translated(row, row[columns.index("org")], translations) for row in rows]
                tables[table] = sorted(rows, key=repr)
        return tables
    finally:
        projections.db.close()


def _translated(row: Any, org: str, translations: dict[tuple[str, str], str]) -> tuple[Any, ...]:
    def swap(match: re.Match[str]) -> str:
        return translations.get((org, match.group(0)), match.group(0))

    return tuple(FINGERPRINT.sub(swap, cell) if isinstance(cell, str) else cell for cell in row)


def compare_read_models(source: Ledger, target: Ledger, *, same_positions: bool,
                        target_stop: int | None = None,
                        translations: dict[tuple[str, str], str] | None = None) -> list[str]:
    """The tables whose rows differ between the two stores' rebuilt read models. The target's
    are built up to ``target_stop`` (where the copied log ends, before any key events a
    sealing copy appended); ``translations`` maps the source's fingerprints to the copy's."""
    with tempfile.TemporaryDirectory(prefix="revledger-compare-") as tmp:
        left = Path(tmp) / "source"
        right = Path(tmp) / "target"
        left.mkdir()
        right.mkdir()
        a = rebuilt_rows(source, left, keep_positions=same_positions, translations=translations)
        b = rebuilt_rows(target, right, keep_positions=same_positions, stop=target_stop)
    return [
        f"read model table {table}: {len(a.get(table, []))} rows in the source, "
        f"{len(b.get(table, []))} in the target, or rows that differ"
        for table in sorted(set(a) | set(b))
        if a.get(table) != b.get(table)
    ]
