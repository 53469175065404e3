"""Full rebuild of every read model at N events and at N/10: the rate, and peak RSS (each
rebuild in its own child process, as bench/projections.py does it); and the same without the
releases read model, whose rows grow with configuration changes times running releases (a
base-scope tenant change starts a release in every running script of every environment), so
that its rows, not the log, set the pace. The full rebuild is measured at most at FULL_MAX
events (at 1,000,000 events of this history it writes well over 100 million releases)."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

from common import ROOT, record, sqlite_env

#: The largest log the rebuild of every read model (releases included) is measured at.
FULL_MAX = 100_000


def rebuild_rows(work: Path, events: int) -> None:
    from history import Generator

    from ledger.application import Ledger

    spec = importlib.util.spec_from_file_location("bench_projections", ROOT / "bench" / "projections.py")
    assert spec is not None and spec.loader is not None
    bench_projections = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_projections)

    path = work / "rebuild.db"
    ledger = Ledger(env=sqlite_env(path))
    generator = Generator(ledger, 2000, 1)
    full_at = min(events, FULL_MAX)
    sizes = sorted({full_at // 10, full_at, events // 10, events})
    figures: dict[str, dict[int, Any]] = {"all": {}, "without releases": {}}
    for size in sizes:
        generator.run_until(size)
        if size in (full_at // 10, full_at):
            out = work / f"rebuild-{size}-projections.db"
            figures["all"][size] = bench_projections.rebuild_in_child(path, out, trace=False)
            figures["all"][size]["release_rows"] = _count(out, "releases")
        if size in (events // 10, events):
            figures["without releases"][size] = bench_projections.rebuild_in_child(
                path, work / f"rebuild-{size}-projections.db", trace=False, without=("releases",))
    ledger.close()
    for name, large_at in (("all", full_at), ("without releases", events)):
        small, large = figures[name][large_at // 10], figures[name][large_at]
        rate = large["events"] / large["total_seconds"]
        cpu_rate = large["events"] / large["cpu_seconds"]
        peak = "peak_rss_mib" if large.get("peak_rss_mib") else "maxrss_after_mib"
        memory = large[peak] / small[peak]
        what = ("full rebuild of every read model" if name == "all" else
                "full rebuild of every read model but releases") + f" at {large_at:,} events"
        rows = f"; {large['release_rows']:,} releases" if "release_rows" in large else ""
        record(what,
               f"{rate:,.0f} events/s wall ({cpu_rate:,.0f}/s of CPU); peak RSS {large[peak]} MiB "
               f"vs {small[peak]} MiB at {large_at // 10:,} ({memory:.2f}x){rows}",
               "bench/run.py --only rebuild: Projections.rebuild() in a child process (bench/projections.py)"
               + (" --without releases" if name != "all" else ""),
               ">= 60,000 events/s at 1,000,000, RSS <= 1.3x", rate=rate, cpu_rate=cpu_rate,
               memory_ratio=memory, figures=figures[name])


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
