"""Benchmark of the releases read model: catch-up rate over a history of moves and config changes.

    python bench/releases.py                            # 200 scripts, 5,000 changes
    python bench/releases.py --scripts 1000 --changes 20000

It writes a history through the ledger's commands on a temporary SQLite file: --scripts
scripts, each published and promoted to the three environments, then --changes random
changes: pointer moves (30%), overlay updates of one script in one scope (40%), tenant
variable sets in one environment (20%) and in the base scope (10%, which reaches every
running script of every environment). Then it catches the releases read model alone up from
position 0, three times into fresh files, and reports the median rate (events/s of the log),
the releases it recorded, and the same for the pointers read model as a yardstick. It
writes bench/releases.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.application import Ledger  # noqa: E402
from ledger.content import from_value  # noqa: E402
from ledger.names import ENVIRONMENTS  # noqa: E402
from projections.runner import catch_up  # noqa: E402
from projections.service import Projections  # noqa: E402

ORG = "bench"
KEYS = [f"KEY_{i}" for i in range(20)]


def write_history(path: Path, scripts: int, changes: int, rng: random.Random) -> int:
    app = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    app.set_policy(org=ORG, name="staging_first", value="off", actor="bench")
    app.import_variables(org=ORG, text="".join(f"{k}=base\n" for k in KEYS), actor="bench")
    names = [f"script-{i:05d}" for i in range(scripts)]
    for name in names:
        app.create_script(org=ORG, name=name, actor="bench")
        for version in (1, 2):
            app.save_draft(org=ORG, name=name, content=from_value({"v": version}, "json"), actor="bench")
            app.publish(org=ORG, name=name, actor="bench")
        for environment in ENVIRONMENTS:
            app.promote(org=ORG, name=name, version=1, environment=environment, actor="bench")
    for i in range(changes):
        roll = rng.random()
        name, environment = rng.choice(names), rng.choice(ENVIRONMENTS)
        if roll < 0.3:
            app.promote(org=ORG, name=name, version=rng.choice((1, 2)), environment=environment, actor="bench")
        elif roll < 0.7:
            scope = rng.choice((None, environment))
            app.update_overlay(org=ORG, name=name, actor="bench", environment=scope,
                               set_={rng.choice(KEYS): f"v{i}"})
        elif roll < 0.9:
            app.set_variable(org=ORG, key=rng.choice(KEYS), value=f"t{i}", actor="bench", environment=environment)
        else:
            app.set_variable(org=ORG, key=rng.choice(KEYS), value=f"b{i}", actor="bench")
    head = app.recorder.max_notification_id() or 0
    app.close()
    return head


def rebuild(path: Path, which: str) -> tuple[float, int]:
    """Seconds to catch one read model up from 0 into a fresh file, and the rows it made."""
    app = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    with tempfile.TemporaryDirectory() as directory:
        projections = Projections(app, Path(directory) / "projections.db")
        projection = projections.all[which]
        started = time.perf_counter()
        catch_up(app, projection)
        elapsed = time.perf_counter() - started
        table = "releases" if which == "releases" else "pointer_intervals"
        rows = projections.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        projections.db.conn.close()
    app.close()
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=200)
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results: dict[str, Any] = {"scripts": args.scripts, "changes": args.changes,
                               "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ledger.db"
        started = time.perf_counter()
        head = write_history(path, args.scripts, args.changes, rng)
        results["events"] = head
        results["write_seconds"] = round(time.perf_counter() - started, 1)
        for which in ("releases", "environment_pointers"):
            timings = [rebuild(path, which) for _ in range(args.runs)]
            seconds = statistics.median(t for t, _ in timings)
            results[which] = {"seconds": round(seconds, 3), "events_per_second": round(head / seconds),
                              "rows": timings[0][1]}
    print(f"{results['events']} events ({args.scripts} scripts, {args.changes} changes), "
          f"written in {results['write_seconds']} s")
    for which in ("releases", "environment_pointers"):
        r = results[which]
        print(f"  {which:22} catch-up from 0: {r['seconds']:>7} s  {r['events_per_second']:>8} events/s  "
              f"{r['rows']} rows")
    (ROOT / "bench" / "releases.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
