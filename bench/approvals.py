"""Benchmark: what two-person approvals cost a production promotion, on the ledger (SQLite file).

    python bench/approvals.py --rounds 200          # prints medians, writes bench/approvals.json

Three medians, each over ``--rounds`` moves of one script's production pointer between two
versions: *promote* with approvals off (the move itself); *request*, the same promotion with
``approvals.production 2`` (it records a change request: the plan is computed, nothing moves);
*last approval*, the second approval of such a request, which applies the move in the same
transaction (gates evaluated then). The first approval only records an event and is not timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.application import Ledger  # noqa: E402
from ledger.content import from_value  # noqa: E402

ORG = "bench"


def timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out", default=str(Path(__file__).with_name("approvals.json")))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": f"{home}/ledger.db"}
        ledger = Ledger(env=env)
        ledger.create_script(org=ORG, name="svc", actor="seed")
        for number in (1, 2):
            ledger.save_draft(org=ORG, name="svc", content=from_value({"v": number}, "json"), actor="seed")
            ledger.publish(org=ORG, name="svc", actor="seed")
            ledger.promote(org=ORG, name="svc", version=number, environment="staging", actor="seed")
        ledger.set_policy(org=ORG, name="staging_first", value="false", actor="seed")
        ledger.set_policy(org=ORG, name="config_complete", value="false", actor="seed")
        promote, request, last = [], [], []
        for i in range(args.rounds):
            ms, _ = timed(lambda i=i: ledger.promote(org=ORG, name="svc", version=1 + i % 2,
                                                     environment="production", actor="alice"))
            promote.append(ms)
        ledger.set_policy(org=ORG, name="approvals.production", value="2", actor="seed")
        for i in range(args.rounds):
            ms, view = timed(lambda i=i: ledger.promote(org=ORG, name="svc", version=1 + i % 2,
                                                        environment="production", actor="alice"))
            request.append(ms)
            ledger.approve_request(org=ORG, request_id=view.id, actor="bob")
            ms, done = timed(lambda: ledger.approve_request(org=ORG, request_id=view.id, actor="carol"))
            assert done.state == "applied", done
            last.append(ms)
        ledger.close()
    figures = {name: round(statistics.median(values), 2)
               for name, values in (("promote_ms", promote), ("request_ms", request), ("last_approval_ms", last))}
    figures["rounds"] = args.rounds
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"median over {args.rounds} rounds: promote (approvals off) {figures['promote_ms']} ms, "
          f"request {figures['request_ms']} ms, last approval (applies the move) {figures['last_approval_ms']} ms")


if __name__ == "__main__":
    main()
