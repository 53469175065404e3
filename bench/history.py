"""A synthetic history for the benchmarks: many scripts, mostly pointer moves, some publishes,
rollbacks and config changes, written straight through the domain aggregates in large batches,
with a synthetic clock that gives every event a distinct, increasing timestamp."""

from __future__ import annotations

import random
import sys
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
from ledger.script import Script, ScriptCatalog  # noqa: E402
from ledger.variables import Overlay, TenantVariables  # noqa: E402

ORG = "bench"
BATCH = 20_000
START = datetime(2024, 1, 1, tzinfo=UTC)


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


# Generating a history ------------------------------------------------------------------


class SyntheticClock:
    """Distinct, increasing timestamps: each event 1-60 seconds after the previous one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=self.rng.randint(1, 60), microseconds=self.rng.randint(0, 999_999))
        return self.now


class Generator:
    """Writes the synthetic history in batches, resuming where the last call stopped."""

    def __init__(self, ledger: Ledger, scripts: int, seed: int) -> None:
        self.ledger = ledger
        self.rng = random.Random(seed)
        self.clock = SyntheticClock(self.rng)
        self.names = [f"script-{i:05d}" for i in range(scripts)]
        self.scripts: dict[str, Script] = {}
        self.pointers: dict[tuple[str, str], Deployment] = {}
        self.overlays: dict[str, Overlay] = {}
        self.tenant: TenantVariables | None = None
        self.events = 0
        self.dirty: dict[int, Any] = {}

    def touch(self, aggregate: Any, events: int = 1) -> None:
        self.dirty[id(aggregate)] = aggregate
        self.events += events

    def script(self, name: str) -> Script:
        script = self.scripts.get(name)
        if script is None:
            script = self.scripts[name] = Script(org=ORG, script=name, actor="bench", description="", tags=[])
            self.touch(script)
            self.publish(script)
        return script

    def publish(self, script: Script) -> int:
        script.save_draft(from_value({"script": script.name, "n": len(script.versions) + 1}, "json"),
                          actor=self.rng.choice(("alice", "bob")))
        version = script.publish(actor="alice")
        self.touch(script, 2)
        return version

    def step(self) -> None:
        name = self.rng.choice(self.names)
        script = self.script(name)
        roll = self.rng.random()
        if roll < 0.06:
            self.publish(script)
        elif roll < 0.86:  # pointer moves dominate
            environment = self.rng.choice(ENVIRONMENTS)
            pointer = self.pointers.get((name, environment))
            if pointer is None:
                pointer = self.pointers[(name, environment)] = Deployment(org=ORG, script=name, environment=environment)
                self.touch(pointer)
            latest = len(script.versions)
            version = latest if self.rng.random() < 0.7 else self.rng.randint(1, latest)
            if pointer.promote(version, actor=self.rng.choice(("bob", "carol", "ci")), reason="bench"):
                self.touch(pointer)
        elif roll < 0.94:
            pointer = self.pointers.get((name, self.rng.choice(ENVIRONMENTS)))
            if pointer is not None and pointer.previous is not None:
                pointer.rollback(0, actor="carol", reason="bench", incident=f"INC-{self.events}", force=True)
                self.touch(pointer)
        elif roll < 0.97:
            if self.tenant is None:
                self.tenant = TenantVariables(org=ORG)
                self.touch(self.tenant)
            key = f"KEY_{self.rng.randint(0, 50)}"
            self.tenant.set_values(self.rng.choice((None, *ENVIRONMENTS)), {key: str(self.events)}, [], actor="carol")
            self.touch(self.tenant)
        else:
            overlay = self.overlays.get(name)
            if overlay is None:
                overlay = self.overlays[name] = Overlay(org=ORG, script=name)
                self.touch(overlay)
            overlay.update(self.rng.choice((None, *ENVIRONMENTS)), {"MODEL": str(self.events)}, [], actor="alice")
            self.touch(overlay)

    def save(self) -> None:
        if self.dirty:
            self.ledger.save(*self.dirty.values())
            self.dirty.clear()

    def run_until(self, total: int) -> None:
        with mock.patch.object(CanCreateTimestamp, "create_timestamp", staticmethod(self.clock)):
            if not self.scripts and self.events == 0:
                self.ledger.save(ScriptCatalog(org=ORG))
                self.events += 1
            batch_end = self.events + BATCH
            while self.events < total:
                self.step()
                if self.events >= batch_end:
                    self.save()
                    batch_end = self.events + BATCH
            self.save()
        head = self.ledger.recorder.max_notification_id() or 0
        assert head == self.events, (head, self.events)


# Measuring -----------------------------------------------------------------------------
