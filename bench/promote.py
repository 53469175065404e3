"""In-process promote (load, gates, save, project) on a pointer with 10 earlier moves and with
many: the rate must not fall as the pointer's history grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common import median_rate, record, sqlite_env


def promote_rows(work: Path, moves: int, count: int) -> None:
    from ledger.application import Ledger
    from ledger.content import from_value
    from ledger.deployment import Deployment
    from projections.service import Projections

    rates = {}
    for earlier in (10, moves):
        home = work / f"promote-{earlier}"
        home.mkdir()
        ledger = Ledger(env=sqlite_env(home / "ledger.db"))
        ledger.create_script(org="acme", name="svc", actor="bench")
        for n in (1, 2):
            ledger.save_draft(org="acme", name="svc", content=from_value({"v": n}, "json"), actor="bench")
            ledger.publish(org="acme", name="svc", actor="bench")
        pointer = Deployment(org="acme", script="svc", environment="development")
        for i in range(earlier):  # the history, written straight through the aggregate
            pointer.promote(1 + i % 2, actor="ci")
            if i % 5000 == 4999:
                ledger.save(pointer)
        ledger.save(pointer)
        ledger.take_snapshot(pointer.id)  # as if saved move by move (snapshots every few moves)
        projections = Projections(ledger, home / "projections.db")
        projections.catch_up()
        state = {"v": 1 + earlier % 2}

        def promote(k: int, ledger: Any = ledger, projections: Any = projections, state: Any = state) -> None:
            for _ in range(k):
                state["v"] = 3 - state["v"]
                ledger.promote(org="acme", name="svc", version=state["v"], environment="development", actor="b")
                projections.catch_up()

        rates[earlier] = median_rate(promote, count)
        ledger.close()
    ratio = rates[moves] / rates[10]
    record("in-process promote (load, gates, save, project)",
           f"{rates[10]:,.0f}/s at 10 moves, {rates[moves]:,.0f}/s at {moves:,} (ratio {ratio:.2f})",
           f"bench/run.py --only promote: Ledger.promote + Projections.catch_up, {count} x 3, median",
           ">= 1,200/s, ratio >= 0.8", rate_10=rates[10], rate_many=rates[moves], moves=moves, ratio=ratio)
