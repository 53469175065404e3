"""Benchmark: what two-person approvals cost a production promotion, on the ledger (SQLite file).

    python bench/approvals.py --rounds 200          # prints medians, writes bench/approvals.json

Three medians, each over ``--rounds`` moves of one script's production pointer between two
versions: *promote* with approvals off (the move itself); *request*, the same promotion with
``approvals.production 2`` (it records a change request: the plan is computed, nothing moves);
*last approval*, the second approval of such a request, which applies the move in the same
transaction (gates evaluated then). The first approval only records an event and is not timed.

The same three for a configuration write of a new secret key each round, on one tenant: *env
set* into staging (approvals off there); *config request*, the same write into production
(``approvals.production 2``), which seals the value for the request; *config last approval*,
which opens it and writes it sealed for its scope, in the same transaction.
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
        ledger = Ledger(env=env)  # (its master key is made next to the file, in keys/)
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
        # Configuration (after the moves, so their plans do not read these variables), one tenant:
        # each round a direct write to staging (not covered) and a request for production.
        env_set, config_request, config_last = [], [], []
        for i in range(args.rounds):
            ms, _ = timed(lambda i=i: ledger.set_variable(org=ORG, key=f"KEY_{i}", value=f"secret-{i}",
                                                          actor="alice", environment="staging", secret=True))
            env_set.append(ms)
            ms, view = timed(lambda i=i: ledger.set_variable(org=ORG, key=f"KEY_{i}", value=f"secret-{i}",
                                                             actor="alice", environment="production", secret=True))
            config_request.append(ms)
            ledger.approve_request(org=ORG, request_id=view.id, actor="bob")
            ms, done = timed(lambda: ledger.approve_request(org=ORG, request_id=view.id, actor="carol"))
            assert done.state == "applied", done
            config_last.append(ms)
        ledger.close()
    figures = {name: round(statistics.median(values), 2)
               for name, values in (("promote_ms", promote), ("request_ms", request), ("last_approval_ms", last),
                                    ("env_set_ms", env_set), ("config_request_ms", config_request),
                                    ("config_last_approval_ms", config_last))}
    figures["rounds"] = args.rounds
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"median over {args.rounds} rounds: promote (approvals off) {figures['promote_ms']} ms, "
          f"request {figures['request_ms']} ms, last approval (applies the move) {figures['last_approval_ms']} ms; "
          f"env set --secret (approvals off) {figures['env_set_ms']} ms, config request "
          f"{figures['config_request_ms']} ms, its last approval {figures['config_last_approval_ms']} ms")


if __name__ == "__main__":
    main()
