"""Full rebuild of every read model at N events and at N/10: the rate, and peak RSS (each
rebuild in its own child process, as bench/projections.py does it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from common import ROOT, record, sqlite_env


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
    figures = {}
    for size in (events // 10, events):
        generator.run_until(size)
        figures[size] = bench_projections.rebuild_in_child(path, work / f"rebuild-{size}-projections.db",
                                                           trace=False)
    ledger.close()
    small, large = figures[events // 10], figures[events]
    rate = large["events"] / large["total_seconds"]
    cpu_rate = large["events"] / large["cpu_seconds"]
    memory = large["maxrss_after_mib"] / small["maxrss_after_mib"]
    record(f"full rebuild of every read model at {events:,} events",
           f"{rate:,.0f} events/s wall ({cpu_rate:,.0f}/s of CPU); peak RSS {large['maxrss_after_mib']} MiB "
           f"vs {small['maxrss_after_mib']} MiB at {events // 10:,} ({memory:.2f}x)",
           "bench/run.py --only rebuild: Projections.rebuild() in a child process (bench/projections.py)",
           ">= 60,000 events/s, RSS <= 1.3x", rate=rate, cpu_rate=cpu_rate, memory_ratio=memory,
           figures=figures)
