"""The verifiable log over a long history: tree indexing, export and offline verify of
1,000,000 events, and the cost the log tree plus checkpointing adds to a promote.

    .venv/bin/python bench/verifiable_log.py                    # 1,000,000 events
    .venv/bin/python bench/verifiable_log.py --events 100000    # quicker

Writes bench/verifiable_log.json (with `uptime` load averages: the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def long_history(work: Path, events: int, key_file: Path) -> dict[str, object]:
    home = work / "home"
    home.mkdir()
    ledger = Ledger(env=sqlite_env(home / "ledger.db"))
    print(f"writing {events:,} synthetic events …")
    Generator(ledger, scripts=2000, seed=15).run_until(events)
    ledger.close()
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
    results["offline_verify"] = timed(
        "offline verify (python -m, whole run)",
        lambda: subprocess.run(command, check=True, cwd=ROOT, capture_output=True), total,
    )
    results["offline_verify"]["command"] = " ".join(command)  # type: ignore[index]
    results["verify_store"] = timed("verify --store", lambda: log.verify_store(), total)
    ledger.close()
    return results


def promote_cost(work: Path, key_file: Path, rounds: int, per_round: int) -> dict[str, object]:
    """Promotes on a store with the log (tree + checkpoint every 1000) vs one without, interleaved."""
    plain = Ledger(env=sqlite_env(work / "plain.db"))
    logged = open_ledger(Settings(home=work / "logged", signing_key_file=key_file, checkpoint_every=1000))
    names = [f"svc{i}" for i in range(20)]
    for ledger in (plain, logged):
        for name in names:
            ledger.create_script(org="bench", name=name, actor="b")
            for v in (1, 2):
                ledger.save_draft(org="bench", name=name, content=from_value({"v": v}, "json"), actor="b")
                ledger.publish(org="bench", name=name, actor="b")
    samples: dict[str, list[float]] = {"without": [], "with": []}
    counter = 0
    for r in range(rounds):
        order = (("without", plain), ("with", logged)) if r % 2 == 0 else (("with", logged), ("without", plain))
        for label, ledger in order:
            start = time.perf_counter()
            for _ in range(per_round):
                counter += 1
                name = names[counter % len(names)]
                ledger.promote(org="bench", name=name, version=1 + counter % 2, environment="development", actor="b")
            samples[label].append((time.perf_counter() - start) / per_round)
    plain.close()
    logged.close()
    without, with_ = statistics.median(samples["without"]), statistics.median(samples["with"])
    row = {"promotes_each": rounds * per_round, "median_ms_without": round(without * 1000, 3),
           "median_ms_with": round(with_ * 1000, 3), "overhead_percent": round((with_ / without - 1) * 100, 1),
           "load": load()}
    print(f"promote: {row['median_ms_without']} ms without, {row['median_ms_with']} ms with the log "
          f"(+{row['overhead_percent']} %)   [{row['load']}]")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds of promotes")
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "verifiable_log.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="revledger-bench-") as tmp:
        work = Path(tmp)
        key_file = work / "keys" / "bench.key"
        create_key_file(key_file, "bench.example/log")
        results = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cpus (shared)",
            "promote": promote_cost(work, key_file, args.rounds, args.per_round),
            "long_history": long_history(work, args.events, key_file),
        }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
