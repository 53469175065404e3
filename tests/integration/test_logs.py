"""Log records on a temporary store: annotation with the version and config in effect, whole-
batch rejection, duplicates, rebuilds, re-annotation, summaries and timelines over them.

Event timestamps come from a controlled clock, so records can be placed exactly between changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from eventsourcing.domain import CanCreateTimestamp

from ledger.application import Ledger
from ledger.content import from_value
from ledger.times import utc_text
from projections.log_records import MalformedLogError
from projections.logs import Logs
from projections.service import Projections
from projections.timelines import Timelines

EPOCH = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORG = "acme"


class Clock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> datetime:
        return self.now

    def to(self, minutes: float) -> None:
        self.now = EPOCH + timedelta(minutes=minutes)


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    with mock.patch.object(CanCreateTimestamp, "create_timestamp", staticmethod(clock)):
        yield clock


def at(minutes: float) -> str:
    return utc_text(EPOCH + timedelta(minutes=minutes))


def line(minutes: float, status: str = "completed", script: str = "svc", **extra: Any) -> str:
    return json.dumps({"timestamp": at(minutes), "script": script, "environment": "production",
                       "status": status, **extra}) + "\n"


class Store:
    """A ledger, its read models and a clock that stamps every event."""

    def __init__(self, tmp_path: Path, clock: Clock) -> None:
        self.clock = clock
        self.ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                  "SQLITE_DBNAME": str(tmp_path / "ledger.db")})
        self.projections = Projections(self.ledger, tmp_path / "projections.db")
        self.logs = Logs(self.projections)

    def at(self, minutes: float) -> Store:
        self.clock.to(minutes)
        return self

    def script(self, name: str = "svc", versions: int = 2) -> None:
        self.ledger.create_script(org=ORG, name=name, actor="alice")
        for number in range(1, versions + 1):
            self.ledger.save_draft(org=ORG, name=name, content=from_value({"v": number}, "json"), actor="alice")
            self.ledger.publish(org=ORG, name=name, actor="alice")

    def promote(self, version: int, environment: str = "production", name: str = "svc") -> None:
        self.ledger.promote(org=ORG, name=name, version=version, environment=environment, actor="alice")

    def rollback(self, incident: str | None = None, name: str = "svc") -> None:
        self.ledger.rollback(org=ORG, name=name, to=0, actor="bob", incident=incident, reason="errors")

    def overlay(self, **values: str) -> None:
        self.ledger.update_overlay(org=ORG, name="svc", actor="carol", set_=values, environment="production")

    def load(self, lines: list[str]) -> dict[str, Any]:
        self.projections.catch_up()
        return self.logs.import_lines(org=ORG, lines=lines, source="test.jsonl")

    def rows(self) -> list[dict[str, Any]]:
        return list(self.projections.db.query(
            "SELECT ts, script, version, config_fingerprint, error FROM log_records ORDER BY ts, id"))

    def close(self) -> None:
        self.ledger.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with installed(Clock()) as clock:
        opened = Store(tmp_path, clock)
        yield opened
        opened.close()


@pytest.fixture
def history(store: Store) -> Store:
    """v1 in production from minute 11, v2 from 61, an overlay change at 90, rollback to v1 at 100."""
    store.at(0).script()
    store.at(10).promote(1, "staging")
    store.at(11).promote(1)
    store.at(60).promote(2, "staging")
    store.at(61).promote(2)
    store.at(90).overlay(MODEL="gpt-x")
    store.at(100).rollback("INC-7")
    return store


def test_each_record_is_annotated_with_the_version_production_ran_at_its_timestamp(history: Store) -> None:
    history.load([line(m) for m in (5, 30, 70, 95, 120)])
    assert [(r["ts"], r["version"]) for r in history.rows()] == [
        (at(5), None), (at(30), 1), (at(70), 2), (at(95), 2), (at(120), 1)]


def test_the_config_fingerprint_follows_the_effective_config_and_nothing_else(history: Store) -> None:
    history.load([line(m) for m in (30, 70, 95, 120)])
    prints = [r["config_fingerprint"] for r in history.rows()]
    empty = hashlib.sha256(b"").hexdigest()[:8]
    with_model = hashlib.sha256(f"MODEL={history.ledger.secrets.fingerprint_of(ORG, 'gpt-x')}".encode()).hexdigest()[:8]
    assert prints == [empty, empty, with_model, with_model]


def test_an_import_resolves_each_configuration_once_not_once_per_record(history: Store) -> None:
    lines = [line(70 + i * 0.01) for i in range(300)] + [line(95 + i * 0.01) for i in range(300)]
    with mock.patch.object(history.ledger, "resolve_config", wraps=history.ledger.resolve_config) as resolve:
        assert history.load(lines)["imported"] == 600
    assert resolve.call_count == 2


@pytest.mark.parametrize(("bad", "problem"), [
    ('{"timestamp": "2026-11-25T13:00:00", "script": "svc", "environment": "production", "status": "ok"}\n',
     "has no offset"),
    ("{not json\n", "not valid JSON"),
    (line(70, script="nosuch"), "unknown script 'nosuch'"),
    ('{"timestamp": "2026-11-25T13:00:00Z", "script": "svc", "environment": "production"}\n',
     "needs a 'status' or a 'level'"),
])
def test_a_malformed_record_rejects_the_whole_batch_naming_its_line(history: Store, bad: str, problem: str) -> None:
    lines = [line(30), "\n", line(70, "failed"), bad, line(95)]
    with pytest.raises(MalformedLogError, match=f"test.jsonl: line 4: .*{problem}.*nothing was imported") as error:
        history.load(lines)
    assert error.value.line == 4
    assert error.value.extra() == {"line": 4}
    assert history.rows() == []


def test_a_batch_imported_twice_is_skipped_but_identical_records_within_one_batch_are_kept(history: Store) -> None:
    lines = [line(70, "failed"), line(70, "failed"), line(71)]
    assert (history.load(lines)["imported"], history.load(lines)["imported"]) == (3, 0)
    assert history.load(lines)["duplicates"] == 3
    assert history.load([*lines, line(70, "failed")])["imported"] == 1  # a third identical one is new
    assert len(history.rows()) == 4


def test_logs_survive_a_rebuild_and_their_annotations_recompute_to_the_same_values(history: Store) -> None:
    history.load([line(m) for m in (5, 30, 70, 95, 120)])
    before = history.rows()
    history.projections.rebuild()
    assert history.rows() == before
    assert history.logs.reannotate(ORG) == 0
    history.projections.db.execute("UPDATE log_records SET version = 99, config_fingerprint = 'stale'")
    assert history.logs.reannotate(ORG) == 5
    assert history.rows() == before


def test_records_imported_ahead_of_a_change_are_reannotated_once_the_change_is_recorded(history: Store) -> None:
    history.load([line(130), line(140)])
    assert [r["version"] for r in history.rows()] == [1, 1]
    history.at(131).ledger.save_draft(org=ORG, name="svc", content=from_value({"v": 3}, "json"), actor="alice")
    history.ledger.publish(org=ORG, name="svc", actor="alice")
    history.at(132).promote(3, "staging")
    history.at(135).promote(3)
    history.projections.catch_up()
    assert history.logs.refresh(ORG) == 1
    assert [r["version"] for r in history.rows()] == [1, 3]


def test_the_summary_gives_error_rates_and_durations_per_version_per_stretch_and_per_bucket(history: Store) -> None:
    lines = [line(30 + i, duration_ms=100 + i) for i in range(10)]                      # v1: 0/10
    lines += [line(62 + i, "failed" if i < 6 else "completed", duration_ms=900) for i in range(10)]  # v2: 6/10
    lines += [line(101 + i, "failed" if i < 1 else "completed", duration_ms=110) for i in range(10)]  # v1 again: 1/10
    history.load(lines)
    summary = history.logs.summary(org=ORG, name="svc", environment="production", bucket=timedelta(minutes=30))
    assert (summary["count"], summary["errors"], summary["bucket"]) == (30, 7, "30m")
    assert summary["by_version"] == [
        {"version": 1, "count": 20, "errors": 1, "error_rate": 0.05, "p50_ms": 109.0, "p95_ms": 110.0},
        {"version": 2, "count": 10, "errors": 6, "error_rate": 0.6, "p50_ms": 900.0, "p95_ms": 900.0},
    ]
    assert [(s["version"], s["since"], s["until"], s["count"], s["error_rate"]) for s in summary["intervals"]] == [
        (1, at(11), at(61), 10, 0.0), (2, at(61), at(100), 10, 0.6), (1, at(100), None, 10, 0.1)]
    assert [(b["start"], b["version"], b["count"], b["errors"]) for b in summary["buckets"]] == [
        (at(30), 1, 10, 0), (at(60), 2, 10, 6), (at(90), 1, 10, 1)]
    assert set(summary["buckets"][0]) == {"start", "version", "count", "errors", "error_rate"}


def test_without_a_bucket_size_the_summary_uses_about_sixty_buckets_over_its_window(history: Store) -> None:
    history.load([line(m) for m in (30, 210)])
    summary = history.logs.summary(org=ORG, name="svc", environment="production")
    assert (summary["since"], summary["until"], summary["bucket"]) == (at(30), at(210), "3m")
    narrowed = history.logs.summary(org=ORG, name="svc", environment="production",
                                    since=EPOCH + timedelta(minutes=100), until=EPOCH + timedelta(minutes=110))
    assert (narrowed["count"], narrowed["bucket"]) == (0, "10s")


def test_a_timeline_tells_apart_a_deploy_and_a_config_change_one_second_apart(store: Store) -> None:
    store.at(0).script()
    store.at(10).promote(1, "staging")
    store.at(11).promote(1)
    store.at(60).promote(2, "staging")
    store.at(61).promote(2)
    store.at(61 + 1 / 60).overlay(MODEL="broken")   # one second later
    store.at(70).rollback("INC-8")
    lines = [line(20 + i) for i in range(20)]                          # v1: healthy
    lines += [line(61 + i / 600) for i in range(5)]                    # v2, before the overlay: healthy
    lines += [line(62 + i / 10, "failed" if i % 4 else "completed") for i in range(20)]  # after it: 75%
    lines += [line(71 + i) for i in range(10)]                         # after the rollback: healthy
    store.load(lines)
    story = Timelines(store.projections).environment(
        org=ORG, environment="production", since=EPOCH, until=EPOCH + timedelta(hours=2))
    suspect = story["suspect"]
    assert (suspect["kind"], suspect["script"], suspect["version"], suspect["time"]) == ("overlay", "svc", 2, at(61 + 1 / 60))
    assert (suspect["records_before"], suspect["rate_before"], suspect["rate_after"]) == (5, 0.0, 0.75)
    assert story["recovery"]["rollback"]["incident"] == "INC-8"
    assert story["recovered"] is True
    kinds = [e["kind"] for e in story["entries"] if e["kind"] != "bucket"]
    assert kinds == ["script", "draft", "publish", "draft", "publish", "promote", "promote", "overlay", "rollback"]
    times = [e["time"] for e in story["entries"]]
    assert times == sorted(times)
    assert story["bucket"] == "2m"
