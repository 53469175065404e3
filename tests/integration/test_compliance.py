"""The compliance report on a temporary store, row by row: a history without violations, and
one with an override, a change that skipped staging, a failed smoke run, a config change and
a rollback verified by a smoke run afterwards."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from eventsourcing.domain import CanCreateTimestamp

from ledger.application import Ledger
from ledger.content import from_value
from ledger.errors import InvalidInputError
from ledger.times import utc_text
from projections.compliance import Compliance
from projections.service import Projections

ROOT = Path(__file__).resolve().parents[2]
RUNNER = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"
EPOCH = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ORG = "acme"
GOOD_INPUT = {"document": "ACME Corp\nTotal: 1,250.00"}
BAD_INPUT = {"document": "no total here"}


def at(minutes: float) -> str:
    return utc_text(EPOCH + timedelta(minutes=minutes))


def instant(minutes: float) -> datetime:
    return EPOCH + timedelta(minutes=minutes)


class History:
    def __init__(self, tmp_path: Path) -> None:
        self.now = EPOCH
        self.ledger = Ledger(env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "ledger.db"),
            "ARCHIVE_DIR": str(tmp_path / "archive"), "RUNNER": RUNNER,
        })
        self.projections = Projections(self.ledger, tmp_path / "projections.db")

    def at(self, minutes: float) -> Ledger:
        self.now = instant(minutes)
        return self.ledger

    def publish(self, minutes: float, number: int) -> None:
        content = from_value({"blocks": [{"id": "extract", "type": "llm.extract"}], "v": number}, "json")
        self.at(minutes).save_draft(org=ORG, name="svc", content=content, actor="alice")
        self.ledger.publish(org=ORG, name="svc", actor="alice")

    def promote(self, minutes: float, version: int, environment: str, actor: str = "alice", **kw: Any) -> None:
        self.at(minutes).promote(org=ORG, name="svc", version=version, environment=environment, actor=actor, **kw)

    def run(self, minutes: float, version: int, environment: str, good: bool = True) -> str:
        outcome = self.at(minutes).run(org=ORG, name="svc", actor="qa", environment=environment,
                                       version=version, input=GOOD_INPUT if good else BAD_INPUT)
        assert outcome["status"] == ("passed" if good else "failed")
        return str(outcome["run_id"])

    def report(self, since: float = 0, until: float = 24 * 60, environment: str = "production") -> dict[str, Any]:
        self.projections.catch_up()
        return Compliance(self.projections).report(
            org=ORG, since=instant(since), until=instant(until), environment=environment)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    made = History(tmp_path)
    with mock.patch.object(CanCreateTimestamp, "create_timestamp", staticmethod(lambda: made.now)):
        yield made
    made.ledger.close()


@pytest.fixture
def clean(history: History) -> History:
    """v1: staging at 10, a passed smoke run against staging at 12, production at 15."""
    history.at(0).create_script(org=ORG, name="svc", actor="alice")
    history.publish(1, 1)
    history.publish(2, 2)
    history.promote(10, 1, "staging")
    history.clean_run = history.run(12, 1, "staging")  # type: ignore[attr-defined]
    history.promote(15, 1, "production", actor="dave", reason="release 1")
    return history


@pytest.fixture
def violated(clean: History) -> History:
    """…then v2 forced to production without staging (20), a production config change (30),
    a rollback to v1 for INC-9 (40) verified by a smoke run (41), and v3 staged but promoted
    after a failed smoke run (50-53)."""
    clean.promote(20, 2, "production", actor="erin", reason="hotfix", override_gates=True)
    clean.at(30).set_variable(org=ORG, key="MODEL", value="gpt-x", actor="carol", environment="production")
    clean.at(35).set_variable(org=ORG, key="OTHER", value="y", actor="carol", environment="staging")
    clean.at(40).rollback(org=ORG, name="svc", to=0, actor="bob", incident="INC-9", reason="error spike")
    clean.run(41, 1, "production")
    clean.publish(50, 3)
    clean.promote(51, 3, "staging")
    clean.run(52, 3, "staging", good=False)
    clean.promote(53, 3, "production", actor="dave", reason="release 3")
    return clean


COLUMNS = ("time", "actor", "script", "kind", "from_version", "to_version", "staged_first", "staged_at",
           "smoke", "override", "overridden_gates", "incident", "reason", "keys")


def rows(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in COLUMNS) for row in report["rows"]]


def test_a_history_without_violations_has_one_compliant_row_and_no_findings(clean: History) -> None:
    report = clean.report()
    assert rows(report) == [
        (at(15), "dave", "svc", "promote", None, 1, True, at(10), "passed", False, [], None, "release 1", []),
    ]
    run = report["rows"][0]["smoke_run"]
    assert (run["run_id"], run["environment"], run["version"], run["status"]) == (
        clean.clean_run, "staging", 1, "passed")  # type: ignore[attr-defined]
    assert report["findings"] == []
    assert report["summary"] == {
        "changes": 1, "by_kind": {"promote": 1}, "by_actor": {"dave": 1},
        "findings": {"override": 0, "no_staging": 0, "no_smoke": 0, "no_approval": 0, "exempt": 0},
        "overrides": 0, "without_staging": 0, "without_smoke": 0, "compliant": True,
    }


def test_a_history_with_violations_is_reported_row_by_row(violated: History) -> None:
    report = violated.report()
    assert rows(report) == [
        (at(15), "dave", "svc", "promote", None, 1, True, at(10), "passed", False, [], None, "release 1", []),
        (at(20), "erin", "svc", "promote", 1, 2, False, None, None, True, ["staging_first"], None, "hotfix", []),
        (at(30), "carol", None, "env", None, None, None, None, None, False, [], None, None, ["MODEL"]),
        (at(40), "bob", "svc", "rollback", 2, 1, True, at(10), "passed", False, [], "INC-9", "error spike", []),
        (at(53), "dave", "svc", "promote", 1, 3, True, at(51), "failed", False, [], None, "release 3", []),
    ]
    assert report["rows"][1]["overridden_by"] == "erin"
    assert report["rows"][3]["smoke_run"]["environment"] == "production"  # the re-run after the rollback


def test_every_override_and_every_change_without_staging_or_a_passed_smoke_run_is_a_finding(violated: History) -> None:
    report = violated.report()
    findings = [(f["kind"], f["row"]["time"]) for f in report["findings"]]
    assert findings == [
        ("override", at(20)), ("no_staging", at(20)), ("no_smoke", at(20)), ("no_smoke", at(53)),
    ]
    assert "staging_first overridden by erin (hotfix)" in report["findings"][0]["detail"]
    assert "smoke run failed" in report["findings"][3]["detail"]
    summary = report["summary"]
    assert summary["by_kind"] == {"env": 1, "promote": 3, "rollback": 1}
    assert summary["by_actor"] == {"bob": 1, "carol": 1, "dave": 2, "erin": 1}
    assert (summary["overrides"], summary["without_staging"], summary["without_smoke"]) == (1, 1, 2)
    assert summary["compliant"] is False


def test_only_changes_inside_the_period_are_reported(violated: History) -> None:
    assert [row["time"] for row in violated.report(since=16, until=45)["rows"]] == [at(20), at(30), at(40)]


def test_a_staging_report_checks_development_first(violated: History) -> None:
    report = violated.report(environment="staging")
    assert [(r["kind"], r["to_version"], r["staged_first"], r["keys"]) for r in report["rows"]] == [
        ("promote", 1, False, []), ("env", None, None, ["OTHER"]), ("promote", 3, False, [])]
    assert report["staged_in"] == "development"


def test_a_period_that_ends_before_it_starts_is_refused(clean: History) -> None:
    with pytest.raises(InvalidInputError, match="--until must not be before --since"):
        clean.report(since=10, until=5)
