"""CLI start-up: `revledger status` on a 10,000-event store and `revledger --help`, wall and
CPU time (median of several runs), beside a bare `python -c pass`."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import BIN, clean_env, record, sqlite_env


def wall(command: list[str], env: dict[str, str], repeats: int = 7) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys) of ``command``."""
    times, cpu = [], []
    subprocess.run(command, env=env, capture_output=True, check=True)  # warm the page cache
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def cli_rows(work: Path, events: int) -> None:
    from history import Generator

    from ledger.application import Ledger
    from projections.service import Projections

    home = work / "cli"
    home.mkdir()
    ledger = Ledger(env=sqlite_env(home / "ledger.db"))
    Generator(ledger, 200, 7).run_until(events)
    Projections(ledger, home / "projections.db").catch_up()
    ledger.close()
    env = clean_env(REVLEDGER_HOME=str(home), REVLEDGER_ORG="bench")
    status, status_cpu = wall([str(BIN / "revledger"), "status"], env)
    help_, help_cpu = wall([str(BIN / "revledger"), "--help"], env)
    bare, bare_cpu = wall([sys.executable, "-c", "pass"], env)
    record(f"CLI `status` on a {events:,}-event store",
           f"{status * 1000:.0f} ms wall, {status_cpu * 1000:.0f} ms CPU",
           "`revledger status`, 7 runs, median", "<= 250 ms", seconds=status, cpu_seconds=status_cpu)
    record("CLI `--help`", f"{help_ * 1000:.0f} ms wall, {help_cpu * 1000:.0f} ms CPU "
           f"(bare python {bare * 1000:.0f} ms wall, {bare_cpu * 1000:.0f} ms CPU)",
           "`revledger --help`, 7 runs, median", "<= 200 ms", seconds=help_, cpu_seconds=help_cpu,
           bare_python=bare, bare_python_cpu=bare_cpu)
