"""The verifiable log over a long history: tree indexing, export and offline verify of
1,000,000 events, and the cost the log tree plus checkpointing adds to a promote.

    .venv/bin/python bench/verifiable_log.py                    # 1,000,000 events
    .venv/bin/python bench/verifiable_log.py --events 100000    # quicker
    .venv/bin/python bench/verifiable_log.py --history bench/out/history-1m.db   # keep/reuse the history

Targets (issue 15): offline verify >= 300,000 events/s; checkpointing adds <= 5 % to a promote.
The machine is shared, so every figure comes with the `uptime` load at that moment, and the
offline verify also with its CPU time (user + sys of the verifier and its workers): events
per CPU-second do not depend on how many other processes share the cores.

Writes bench/verifiable_log.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from history import ROOT, Generator, sqlite_env

sys.path.insert(0, str(ROOT))

from api.services import open_ledger, verifiable_log  # noqa: E402
from api.settings import Settings  # noqa: E402
from ledger.application import Ledger  # noqa: E402
from ledger.checkpoints import create_key_file  # noqa: E402
from ledger.content import from_value  # noqa: E402


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def timed(label: str, work, events: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    before = load()
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    row = {"seconds": round(seconds, 2), "events_per_s": round(events / seconds), "load_before": before, "load_after": load()}
    print(f"{label:<34} {seconds:8.2f} s  {events / seconds:>10,.0f} events/s   [{before.split('load average:')[-1].strip()}]")
    return row


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def offline_verify(command: list[str], events: int) -> dict[str, object]:
    """One run of the offline verifier, in a child process: wall and CPU time."""
    before, cpu = load(), children_cpu()
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    seconds = time.perf_counter() - start
    cpu = children_cpu() - cpu
    row = {"command": " ".join(command), "seconds": round(seconds, 2), "events_per_s": round(events / seconds),
           "cpu_seconds": round(cpu, 2), "events_per_cpu_s": round(events / cpu), "load_before": before,
           "load_after": load()}
    print(f"offline verify: {events / seconds:>10,.0f} events/s ({seconds:.2f} s wall), "
          f"{events / cpu:,.0f} events per CPU-second ({cpu:.2f} s)   [{before}]\n    $ {row['command']}")
    return row


def history(home: Path, events: int, kept: Path | None) -> None:
    """The synthetic history in ``home/ledger.db``: copied from ``kept`` if it holds one, else written."""
    home.mkdir()
    if kept is not None and kept.exists():
        print(f"copying the history in {kept} …")
        shutil.copyfile(kept, home / "ledger.db")
        return
    ledger = Ledger(env=sqlite_env(home / "ledger.db"))
    print(f"writing {events:,} synthetic events …")
    Generator(ledger, scripts=2000, seed=15).run_until(events)
    ledger.close()
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(home / "ledger.db", kept)


def long_history(work: Path, events: int, key_file: Path, kept: Path | None, jobs: list[int]) -> dict[str, object]:
    home = work / "home"
    history(home, events, kept)
    settings = Settings(home=home, signing_key_file=key_file, checkpoint_every=1000)
    ledger = open_ledger(settings)
    log = verifiable_log(ledger)
    total = ledger.recorder.max_notification_id() or 0
    results: dict[str, object] = {"events": total}
    results["tree_index_and_sign"] = timed("index the tree + sign every 1000", log.catch_up, total)
    out = work / "all.jsonl"
    results["export"] = timed("export (whole log)", lambda: log.export(out), total)
    results["export_bytes"] = out.stat().st_size
    public = Path(f"{key_file}.pub")
    command = [sys.executable, "-m", "revledger_verify", str(out), "--public-key", str(public)]
    runs = {}
    for n in jobs:
        runs[f"jobs_{n}"] = offline_verify([*command, "--jobs", str(n)], total)
    results["offline_verify"] = runs
    results["verify_store"] = timed("verify --store", lambda: log.verify_store(), total)
    ledger.close()
    return results


def promote_cost(work: Path, key_file: Path, rounds: int, per_round: int) -> dict[str, object]:
    """Promotes on a store with its log (tree + checkpoint every 1000) vs one without, interleaved.

    Every promote moves its pointer (20 scripts, each promoted to version 1, 2, 1, 2 …), so
    every one saves an event and the log appends it; a promote to the version already there
    saves nothing and would measure nothing of the log."""
    # Two stores opened alike (as the CLI and server open them); one has its log detached, so
    # the difference is the log alone, not two ways of opening a store.
    plain = open_ledger(Settings(home=work / "plain", signing_key_file=key_file, checkpoint_every=1000))
    plain.on_saved.remove(verifiable_log(plain).after_save)
    logged = open_ledger(Settings(home=work / "logged", signing_key_file=key_file, checkpoint_every=1000))
    names = [f"svc{i}" for i in range(20)]
    for ledger in (plain, logged):
        for name in names:
            ledger.create_script(org="bench", name=name, actor="b")
            for v in (1, 2):
                ledger.save_draft(org="bench", name=name, content=from_value({"v": v}, "json"), actor="b")
                ledger.publish(org="bench", name=name, actor="b")
    ledgers = {"without": plain, "with": logged}
    moves = dict.fromkeys(ledgers, 0)

    def promotes(label: str, count: int) -> None:
        ledger = ledgers[label]
        for _ in range(count):
            n = moves[label] = moves[label] + 1
            moved = ledger.promote(org="bench", name=names[n % len(names)], version=1 + (n // len(names)) % 2,
                                   environment="development", actor="b")
            assert moved.changed, "every promote of the benchmark moves its pointer"

    for label in ledgers:  # creates the pointers (and warms up)
        promotes(label, 2 * len(names))
    wall: dict[str, list[float]] = {"without": [], "with": []}
    cpu: dict[str, list[float]] = {"without": [], "with": []}
    before = load()
    for r in range(rounds):
        for label in ("without", "with") if r % 2 == 0 else ("with", "without"):
            start, start_cpu = time.perf_counter(), time.process_time()
            promotes(label, per_round)
            wall[label].append((time.perf_counter() - start) / per_round)
            cpu[label].append((time.process_time() - start_cpu) / per_round)
    plain.close()
    logged.close()
    without, with_ = statistics.median(wall["without"]), statistics.median(wall["with"])
    cpu_without, cpu_with = statistics.median(cpu["without"]), statistics.median(cpu["with"])
    paired = statistics.median(w / o - 1 for w, o in zip(wall["with"], wall["without"]))
    row = {"promotes_each": rounds * per_round, "median_ms_without": round(without * 1000, 3),
           "median_ms_with": round(with_ * 1000, 3), "overhead_percent": round((with_ / without - 1) * 100, 1),
           "paired_overhead_percent": round(paired * 100, 1),
           "cpu_ms_without": round(cpu_without * 1000, 3), "cpu_ms_with": round(cpu_with * 1000, 3),
           "cpu_overhead_percent": round((cpu_with / cpu_without - 1) * 100, 1),
           "load_before": before, "load": load()}
    print(f"promote: {row['median_ms_without']} ms without, {row['median_ms_with']} ms with the log: "
          f"{row['overhead_percent']:+} % (median of {rounds} interleaved rounds of {per_round}; "
          f"paired rounds {row['paired_overhead_percent']:+} %; CPU time {row['cpu_ms_without']} -> "
          f"{row['cpu_ms_with']} ms, {row['cpu_overhead_percent']:+} %)   [{before}]")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds of promotes")
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "verifiable_log.json")
    parser.add_argument("--history", type=Path, default=None, metavar="FILE",
                        help="reuse the synthetic ledger.db kept in FILE (written there on the first run)")
    parser.add_argument("--jobs", default=f"1,{os.cpu_count() or 1}",
                        help="offline verify runs, by number of processes (default: 1 and the CPUs)")
    parser.add_argument("--only", choices=("promote", "history"), default=None,
                        help="run one part; its figures replace that part's in --out, the other's stay")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revledger-bench-") as tmp:
        work = Path(tmp)
        key_file = work / "keys" / "bench.key"
        create_key_file(key_file, "bench.example/log")
        jobs = sorted({int(n) for n in args.jobs.split(",")})
        results: dict[str, object] = {
            "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cpus (shared)",
        }
        stamp = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                 "command": " ".join([".venv/bin/python", *sys.argv])}
        if args.only != "history":
            results["promote"] = {**stamp, **promote_cost(work, key_file, args.rounds, args.per_round)}
        if args.only != "promote":
            results["long_history"] = {**stamp, **long_history(work, args.events, key_file, args.history, jobs)}
    if args.only is not None and args.out.exists():  # keep the other part's last figures
        results = {**json.loads(args.out.read_text()), **results}
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
