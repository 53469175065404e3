"""Every row of issue 11's table in one run, side by side with MLflow's model registry.

    .venv/bin/python bench/run.py            # the full sizes (50,000 moves, 1,000 versions, 1M events)
    .venv/bin/python bench/run.py --quick    # smaller sizes, shorter loads (a few minutes)
    .venv/bin/python bench/run.py --only http,cli

One module per benchmark (bench/promote.py, publish.py, race.py, cli_start.py, http_load.py,
mlflow_peer.py, rebuild.py; shared helpers in bench/common.py). Prints each row's median
with the command behind it and the machine's load (``uptime``), then the whole table as
Markdown, and writes bench/run-results.json. HTTP load (wrk, 1 thread, 16 connections,
bounded by the duration) goes to 127.0.0.1 only. MLflow runs from its own virtualenv
(--mlflow, default /work/mlflow-venv) with a SQLite backend; its rows are skipped if absent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.append(str(BENCH))

from cli_start import cli_rows  # noqa: E402
from common import RESULTS, ROOT, load  # noqa: E402
from http_load import http_rows  # noqa: E402
from mlflow_peer import mlflow_rows  # noqa: E402
from promote import promote_rows  # noqa: E402
from publish import publish_rows  # noqa: E402
from race import env_set_race  # noqa: E402
from rebuild import rebuild_rows  # noqa: E402

STEPS = ("promote", "publish", "race", "cli", "http", "mlflow", "rebuild")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter loads")
    parser.add_argument("--mlflow", type=Path, default=Path("/work/mlflow-venv"), help="MLflow's virtualenv")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "run-results.json")
    parser.add_argument("--rebuild-events", type=int, default=None, help="log size of the rebuild row")
    parser.add_argument("--seconds", type=int, default=None, help="length of each wrk load")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(STEPS)} (mlflow needs http)")
    args = parser.parse_args()
    quick = args.quick
    sizes = {"moves": 5_000 if quick else 50_000, "versions": 100 if quick else 1_000,
             "rebuild": 100_000 if quick else 1_000_000, "count": 100 if quick else 300,
             "seconds": 5 if quick else 15, "cli_events": 10_000}
    sizes["rebuild"] = args.rebuild_events or sizes["rebuild"]
    sizes["seconds"] = args.seconds or sizes["seconds"]
    only = {s for s in args.only.split(",") if s} or set(STEPS)
    if only - set(STEPS):
        parser.error(f"unknown --only {', '.join(sorted(only - set(STEPS)))}")
    mlflow = args.mlflow if (args.mlflow / "bin" / "mlflow").exists() else None
    if "mlflow" in only:
        only.add("http")
    if only & {"http", "mlflow"} and shutil.which("wrk") is None:
        raise SystemExit("bench/run.py needs wrk for the HTTP rows: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="revledger-run-"))
    print(f"revledger bench ({'quick' if quick else 'full'}), load {load()}, work in {work}", flush=True)
    try:
        if "promote" in only:
            promote_rows(work, sizes["moves"], sizes["count"])
        if "publish" in only:
            publish_rows(work, sizes["versions"], max(10, sizes["count"] // 5))
        if "race" in only:
            env_set_race(work)
        if "cli" in only:
            cli_rows(work, sizes["cli_events"])
        if "http" in only:
            ours = http_rows(work, sizes["seconds"], sizes["count"])
            if "mlflow" in only and mlflow is not None:
                mlflow_rows(work, sizes["seconds"], sizes["count"], mlflow, ours)
            elif "mlflow" in only:
                print(f"  MLflow rows skipped: no {args.mlflow / 'bin' / 'mlflow'}", flush=True)
        if "rebuild" in only:
            rebuild_rows(work, sizes["rebuild"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("| what | median | target | command | load (1/5/15 min) |")
    print("|---|---|---|---|---|")
    for row in RESULTS:
        print(f"| {row['what']} | {row['figure']} | {row['target']} | `{row['command']}` | {row['load']} |")
    args.results.write_text(json.dumps({"quick": quick, "sizes": sizes, "rows": RESULTS}, indent=2, default=str) + "\n")
    print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
