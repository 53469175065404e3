"""Publish (draft save + publish) of 100 KiB on a script with one version and with many: the
rate must not fall as versions accumulate (content is stored once, outside the aggregate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common import median_rate, record, sqlite_env


def publish_rows(work: Path, versions: int, count: int) -> None:
    from ledger.application import Ledger
    from ledger.content import from_value

    blob = "x" * (100 * 1024)
    rates = {}
    for existing in (1, versions):
        ledger = Ledger(env=sqlite_env(work / f"publish-{existing}.db"))
        ledger.create_script(org="acme", name="svc", actor="bench")
        serial = [0]

        def publish(k: int, ledger: Any = ledger, serial: Any = serial) -> None:
            for _ in range(k):
                serial[0] += 1
                content = from_value({"n": serial[0], "body": blob}, "json")
                ledger.save_draft(org="acme", name="svc", content=content, actor="bench")
                ledger.publish(org="acme", name="svc", actor="bench")

        publish(existing)
        rates[existing] = median_rate(publish, count)
        ledger.close()
    ratio = rates[versions] / rates[1]
    record("publish (draft save + publish) of 100 KiB",
           f"{rates[1]:,.1f}/s at 1 version, {rates[versions]:,.1f}/s at {versions:,} (ratio {ratio:.2f})",
           f"bench/run.py --only publish: Ledger.save_draft + Ledger.publish, {count} x 3, median",
           "ratio >= 0.8", rate_1=rates[1], rate_many=rates[versions], versions=versions, ratio=ratio)
