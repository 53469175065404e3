"""Encryption at rest, priced: `env import` of 10,000 keys (half of them secret) and a full
rebuild of the read models, with encryption and without (the same import with sealing turned
off), on a fresh SQLite store each time. Reports each rate and the ratio (target: >= 0.8).

    .venv/bin/python -m bench.secrets_at_rest [--keys 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from api.services import open_ledger
from api.settings import Settings
from ledger.secrets import Sealing
from projections.service import Projections


def dotenv(keys: int) -> str:
    return "".join(f"{'SECRET' if i % 2 else 'PLAIN'}_{i}=value-{i:06d}-{'x' * 24}\n" for i in range(keys))


def once(keys: int, encrypted: bool) -> dict[str, float]:
    text = dotenv(keys)
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        ledger = open_ledger(settings)
        try:
            ledger.set_variable(org="bench", key="WARM", value="1", actor="bench")  # key ring made
            real = Sealing.seal

            def plain(self: Sealing, aggregate_id: Any, environment: Any, values: Any, encrypt: Any,
                      version: int) -> Any:
                return real(self, aggregate_id, environment, values, set(), version)

            with mock.patch.object(Sealing, "seal", real if encrypted else plain):
                started = time.perf_counter()
                ledger.import_variables(org="bench", text=text, actor="bench", source="bench.env")
                imported = time.perf_counter() - started
            projections = Projections(ledger, settings.projections_path)
            started = time.perf_counter()
            projections.rebuild()
            rebuilt = time.perf_counter() - started
            projections.close() if hasattr(projections, "close") else None
        finally:
            ledger.close()
    return {"import_s": imported, "rebuild_s": rebuilt, "total_s": imported + rebuilt}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"encrypted": [], "plain": []}
    for _ in range(args.repeat):  # interleaved, so machine load hits both alike
        for mode in ("plain", "encrypted"):
            runs[mode].append(once(args.keys, mode == "encrypted"))
    median = {mode: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for mode, rs in runs.items()}
    result = {
        "keys": args.keys, "secret_keys": args.keys // 2, "repeat": args.repeat,
        "plain": median["plain"], "encrypted": median["encrypted"],
        "ratio": median["plain"]["total_s"] / median["encrypted"]["total_s"],
        "target": 0.8,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
