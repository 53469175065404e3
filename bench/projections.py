"""Benchmark of the read models: rebuild rate, memory, and `at` lookup latency as the log grows.

    python bench/projections.py                 # 1,000,000 events (several minutes)
    python bench/projections.py --events 200000 # a quicker run

It writes a synthetic history (many scripts, mostly pointer moves, some publishes, rollbacks
and config changes) straight through the domain aggregates, saving each batch of ~20,000
events in one transaction. A synthetic clock gives every event a distinct, increasing
timestamp (1-60 s apart). Along the way it measures:

- at 10,000 events and at the end: the latency of ``at`` (median, p99 over --lookups random
  (script, environment, instant) lookups), both the whole query (``Projections.at``, which
  also checks the script exists) and the read-model lookup alone
  (``PointersView.interval_at``, the O(log n) index seek), and the ratio end / 10k;
- at 100,000 events and at the end: a full rebuild of every read model into a fresh file,
  in a child process so its peak RSS (``ru_maxrss``) belongs to the rebuild alone; and the
  Python heap peak (``tracemalloc``) of the same rebuild, measured in a second child.

It prints a table and writes everything to bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eventsourcing.domain import CanCreateTimestamp  # noqa: E402

from ledger.application import Ledger  # noqa: E402
from ledger.content import from_value  # noqa: E402
from ledger.deployment import Deployment  # noqa: E402
from ledger.names import ENVIRONMENTS  # noqa: E402
from ledger.script import Script  # noqa: E402
from ledger.times import utc_text  # noqa: E402
from projections.service import Projections  # noqa: E402

from history import BATCH, ORG, START, Generator, SyntheticClock, sqlite_env  # noqa: E402  (bench/history.py)

SMALL = 10_000
MEDIUM = 100_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def lookups(ledger: Ledger, projections_path: Path, names: list[str], count: int, seed: int,
            start: datetime, end: datetime) -> dict[str, Any]:
    """Latency of ``at`` over ``count`` random lookups (after as many untimed warm-up lookups)."""
    projections = Projections(ledger, projections_path)
    projections.catch_up()
    rng = random.Random(seed)
    span = (end - start).total_seconds()

    def draw() -> tuple[str, str, datetime]:
        instant = start + timedelta(seconds=rng.uniform(-0.05 * span, 1.05 * span))
        return rng.choice(names), rng.choice(ENVIRONMENTS), instant

    view = projections.pointers.view
    for name, environment, instant in (draw() for _ in range(count)):  # warm up
        projections.at(org=ORG, name=name, environment=environment, time=instant)
    whole: list[float] = []
    index: list[float] = []
    found = 0
    for name, environment, instant in (draw() for _ in range(count)):
        t0 = time.perf_counter()
        answer = projections.at(org=ORG, name=name, environment=environment, time=instant)
        t1 = time.perf_counter()
        view.interval_at(ORG, name, environment, utc_text(instant))
        t2 = time.perf_counter()
        whole.append((t1 - t0) * 1e6)
        index.append((t2 - t1) * 1e6)
        found += answer["version"] is not None
    intervals = projections.db.execute("SELECT COUNT(*) FROM pointer_intervals").fetchone()[0]
    projections.db.conn.close()
    return {
        "lookups": count,
        "answered_with_a_version": found,
        "pointer_intervals": intervals,
        "at_median_us": round(statistics.median(whole), 1),
        "at_p99_us": round(percentile(whole, 0.99), 1),
        "interval_at_median_us": round(statistics.median(index), 1),
        "interval_at_p99_us": round(percentile(index, 0.99), 1),
    }


def rebuild_in_child(ledger_path: Path, projections_path: Path, trace: bool,
                     without: tuple[str, ...] = ()) -> dict[str, Any]:
    """A full rebuild into a fresh file, in a child process (so its peak memory is its own);
    ``without``: read models left out."""
    if projections_path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{projections_path}{suffix}").unlink(missing_ok=True)
    command = [sys.executable, __file__, "--child-rebuild", str(ledger_path), str(projections_path)]
    if trace:
        command.append("--trace")
    if without:
        command += ["--without", ",".join(without)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def resident() -> dict[str, float]:
    """Current resident memory split into anonymous (heap, SQLite page cache) and file-backed
    (memory-mapped database pages, shared libraries), in MiB (Linux; empty elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {f"{name.lower()}_mib": round(int(fields[name].split()[0]) / 1024, 1)
            for name in ("RssAnon", "RssFile") if name in fields}


def peak_resident() -> float | None:
    """This process's own peak resident memory (VmHWM, Linux), in MiB; None elsewhere."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return round(int(fields["VmHWM"].split()[0]) / 1024, 1) if "VmHWM" in fields else None


def child_rebuild(ledger_path: str, projections_path: str, trace: bool, without: str = "") -> None:
    ledger = Ledger(env=sqlite_env(Path(ledger_path)))
    projections = Projections(ledger, projections_path)
    head = ledger.recorder.max_notification_id() or 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    left_out = set(without.split(",")) - {""}
    projections.rebuild([n for n in projections.all if n not in left_out])  # one pass over the log
    result: dict[str, Any] = {"events": head, "total_seconds": round(time.perf_counter() - t0, 2),
                              "cpu_seconds": round(time.process_time() - c0, 2)}
    if trace:
        result["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["after_rebuild"] = resident()
    # ru_maxrss of a child counts its parent's peak too (Linux keeps the larger across exec), so
    # the child's own peak is the high-water mark of its address space: VmHWM.
    result["peak_rss_mib"] = peak_resident()
    result.update(
        rate_events_per_s=round(head / result["total_seconds"]) if result["total_seconds"] else None,
        maxrss_before_mib=round(rss_before / 1024, 1),
        maxrss_after_mib=round(rss_after / 1024, 1),
        maxrss_delta_mib=round((rss_after - rss_before) / 1024, 1),
        projections_db_mib=round(sum(
            path.stat().st_size for path in (Path(projections_path), Path(f"{projections_path}-wal"))
            if path.exists()
        ) / 2**20, 1),
    )
    print(json.dumps(result))


def rebuild_figures(ledger_path: Path, projections_path: Path, log: Any) -> dict[str, Any]:
    plain = rebuild_in_child(ledger_path, projections_path, trace=False)
    log(f"  rebuild: {plain['events']:,} events in {plain['total_seconds']} s "
        f"= {plain['rate_events_per_s']:,} events/s, peak RSS +{plain['maxrss_delta_mib']} MiB")
    traced = rebuild_in_child(ledger_path, projections_path, trace=True)
    log(f"  rebuild under tracemalloc: peak Python heap {traced['tracemalloc_peak_mib']} MiB")
    return {**plain, "tracemalloc_peak_mib": traced["tracemalloc_peak_mib"],
            "traced_total_seconds": traced["total_seconds"]}


def long_pointer_history(workdir: Path, moves: int) -> dict[str, Any]:
    """Rebuild the pointers of a log that is one pointer moved ``moves`` times (a CI that
    promotes every build to development): the cost per move must not grow with the history."""
    directory = workdir / f"one-pointer-{moves}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    ledger = Ledger(env=sqlite_env(directory / "ledger.db"))
    with mock.patch.object(CanCreateTimestamp, "create_timestamp", staticmethod(SyntheticClock(random.Random(1)))):
        script = Script(org=ORG, script="busy", actor="bench", description="", tags=[])
        for n in (1, 2):
            script.save_draft(from_value({"n": n}, "json"), actor="bench")
            script.publish(actor="bench")
        pointer = Deployment(org=ORG, script="busy", environment="development")
        for i in range(moves):
            pointer.promote(1 + i % 2, actor="ci")
            if i % BATCH == BATCH - 1:
                ledger.save(script, pointer)
        ledger.save(script, pointer)
    projections = Projections(ledger, directory / "projections.db")
    t0 = time.perf_counter()
    projections.rebuild(["environment_pointers"])
    seconds = time.perf_counter() - t0
    projections.db.conn.close()
    ledger.close()
    shutil.rmtree(directory)
    return {"moves": moves, "seconds": round(seconds, 2), "moves_per_s": round(moves / seconds)}


def table(results: dict[str, Any]) -> str:
    small, large = results["at"][str(SMALL)], results["at"]["end"]
    medium, end = results["rebuild"][str(MEDIUM)], results["rebuild"]["end"]
    n = f"{results['events']:,}"
    rows = [
        ("", f"{SMALL:,} events", f"{MEDIUM:,} events", f"{n} events", "ratio"),
        ("rebuild rate (events/s)", "", f"{medium['rate_events_per_s']:,}", f"{end['rate_events_per_s']:,}", ""),
        ("rebuild process peak RSS (MiB)", "", f"{medium['maxrss_after_mib']}", f"{end['maxrss_after_mib']}",
         f"{results['memory_ratio_rss']}x"),
        ("  of which during the rebuild", "", f"+{medium['maxrss_delta_mib']}", f"+{end['maxrss_delta_mib']}", ""),
        ("  after it: anonymous (heap, cache)", "", f"{medium['after_rebuild'].get('rssanon_mib', '-')}",
         f"{end['after_rebuild'].get('rssanon_mib', '-')}", ""),
        ("  after it: file-backed (mmap)", "", f"{medium['after_rebuild'].get('rssfile_mib', '-')}",
         f"{end['after_rebuild'].get('rssfile_mib', '-')}", ""),
        ("rebuild peak Python heap (MiB)", "", f"{medium['tracemalloc_peak_mib']}", f"{end['tracemalloc_peak_mib']}",
         f"{results['memory_ratio_tracemalloc']}x"),
        ("at, median (µs)", f"{small['at_median_us']}", "", f"{large['at_median_us']}",
         f"{results['at_ratio_median']}x"),
        ("at, p99 (µs)", f"{small['at_p99_us']}", "", f"{large['at_p99_us']}", f"{results['at_ratio_p99']}x"),
        ("interval lookup, median (µs)", f"{small['interval_at_median_us']}", "",
         f"{large['interval_at_median_us']}", f"{results['interval_ratio_median']}x"),
        ("interval lookup, p99 (µs)", f"{small['interval_at_p99_us']}", "", f"{large['interval_at_p99_us']}",
         f"{results['interval_ratio_p99']}x"),
        ("pointer intervals", f"{small['pointer_intervals']:,}", "", f"{large['pointer_intervals']:,}", ""),
    ]
    for figures in results.get("one_pointer", []):
        rows.append((f"one pointer, {figures['moves']:,} moves: rebuild", "", "", f"{figures['moves_per_s']:,}/s", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def code_version() -> str:
    """The commit measured (with "+changes" if the working tree differs from it)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="length of the log (default 1,000,000)")
    parser.add_argument("--scripts", type=int, default=2_000, help="scripts in the history (default 2,000)")
    parser.add_argument("--lookups", type=int, default=2_000, help="timed `at` lookups per size (default 2,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--one-pointer", default="5000,20000",
                        help="also rebuild logs of one pointer moved this many times (comma-separated; '' to skip)")
    parser.add_argument("--workdir", type=Path, help="where the databases go (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--child-rebuild", nargs=2, metavar=("LEDGER", "PROJECTIONS"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--without", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rebuild:
        child_rebuild(*args.child_rebuild, trace=args.trace, without=args.without)
        return
    if args.events < MEDIUM:
        parser.error(f"--events must be at least {MEDIUM:,} (rebuilds are compared at {MEDIUM:,} and at the end)")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="revledger-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ledger_path, projections_path = workdir / "ledger.db", workdir / "projections.db"
    for path in workdir.glob("*.db*"):
        path.unlink()
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f}s] {message}", flush=True)

    ledger = Ledger(env=sqlite_env(ledger_path))
    generator = Generator(ledger, args.scripts, args.seed)
    results: dict[str, Any] = {
        "events": args.events, "scripts": args.scripts, "seed": args.seed,
        "code": code_version(), "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generate": {}, "rebuild": {}, "at": {},
    }

    def grow(total: int) -> None:
        t0 = time.perf_counter()
        before = generator.events
        generator.run_until(total)
        rate = (generator.events - before) / (time.perf_counter() - t0)
        results["generate"][str(total) if total != args.events else "end"] = {"events": generator.events,
                                                                            "rate_events_per_s": round(rate)}
        log(f"log at {generator.events:,} events (written at {rate:,.0f} events/s)")

    def measure_at(key: str) -> None:
        end = generator.clock.now
        figures = lookups(ledger, projections_path, sorted(generator.scripts), args.lookups, args.seed, START, end)
        results["at"][key] = figures
        log(f"  at: median {figures['at_median_us']} µs, p99 {figures['at_p99_us']} µs; "
            f"interval lookup: median {figures['interval_at_median_us']} µs, p99 {figures['interval_at_p99_us']} µs")

    results["one_pointer"] = []
    for moves in (int(m) for m in args.one_pointer.split(",") if m.strip()):
        figures = long_pointer_history(workdir, moves)
        results["one_pointer"].append(figures)
        log(f"one pointer moved {moves:,} times: pointers rebuilt in {figures['seconds']} s "
            f"= {figures['moves_per_s']:,} moves/s")

    grow(SMALL)
    measure_at(str(SMALL))
    grow(MEDIUM)
    results["rebuild"][str(MEDIUM)] = rebuild_figures(ledger_path, projections_path, log)
    grow(args.events)
    results["rebuild"]["end"] = rebuild_figures(ledger_path, projections_path, log)
    measure_at("end")
    ledger.close()

    small, large = results["at"][str(SMALL)], results["at"]["end"]
    medium, end = results["rebuild"][str(MEDIUM)], results["rebuild"]["end"]
    results.update(
        at_ratio_median=round(large["at_median_us"] / small["at_median_us"], 2),
        at_ratio_p99=round(large["at_p99_us"] / small["at_p99_us"], 2),
        interval_ratio_median=round(large["interval_at_median_us"] / small["interval_at_median_us"], 2),
        interval_ratio_p99=round(large["interval_at_p99_us"] / small["interval_at_p99_us"], 2),
        memory_ratio_rss=round(end["maxrss_after_mib"] / medium["maxrss_after_mib"], 2),
        memory_ratio_tracemalloc=round(end["tracemalloc_peak_mib"] / medium["tracemalloc_peak_mib"], 2),
        ledger_db_mib=round(ledger_path.stat().st_size / 2**20, 1),
        total_seconds=round(time.perf_counter() - began, 1),
    )
    print()
    print(table(results))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.results}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
