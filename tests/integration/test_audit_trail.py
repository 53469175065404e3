"""The audit trail and a script's history: one row per recorded change, in log order, with
who, what, where, from → to, changed keys (never secret values), reason and incident."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.content import from_value
from ledger.deployment import Deployment
from ledger.errors import InvalidInputError, NotFoundError
from ledger.script import Script, ScriptCatalog
from ledger.times import utc_text
from ledger.variables import Overlay, TenantVariables
from projections.service import Projections
from tests.integration.test_point_in_time import EPOCH, Clock, installed, raw_events

ORG = "acme"
SECRETS = ("sk-live-0123456789", "hunter2-password", "s3cr3t-import")
AUDITED = (
    Script.Registered, Script.DraftSaved, Script.VersionPublished, Deployment.Moved,
    TenantVariables.VariablesSet, TenantVariables.VariablesDeleted, Overlay.OverlayUpdated,
)


def minute(n: int) -> datetime:
    return EPOCH + timedelta(minutes=n)


@pytest.fixture
def clock() -> Iterator[Clock]:
    with installed(Clock()) as c:
        yield c


@pytest.fixture
def projections(ledger: Ledger, tmp_path: Path) -> Iterator[Projections]:
    p = Projections(ledger, tmp_path / "projections.db")
    yield p
    p.db.conn.close()


def publish(ledger: Ledger, name: str, n: int, actor: str = "alice", org: str = ORG) -> None:
    ledger.save_draft(org=org, name=name, content=from_value({"v": n}, "json"), actor=actor)
    ledger.publish(org=org, name=name, actor=actor, label=f"v{n}")


def at(clock: Clock, n: int) -> None:
    clock.now = minute(n)


@pytest.fixture
def trail(ledger: Ledger, projections: Projections, clock: Clock) -> list[dict[str, Any]]:
    """A known history (one command per minute from minute 1), and the audit trail of acme."""
    at(clock, 1)
    ledger.create_script(org=ORG, name="svc", actor="alice")  # script (+ catalog, not audited)
    publish(ledger, "svc", 1)  # draft, publish
    at(clock, 2)
    ledger.create_script(org=ORG, name="other", actor="alice")
    publish(ledger, "other", 1)
    at(clock, 3)
    ledger.promote(org=ORG, name="svc", version=1, environment="staging", actor="bob")
    at(clock, 4)
    ledger.promote(org=ORG, name="svc", version=1, environment="production", actor="bob", reason="launch")
    at(clock, 5)
    publish(ledger, "svc", 2)
    at(clock, 6)
    ledger.promote(org=ORG, name="svc", version=2, environment="staging", actor="bob")
    ledger.promote(org=ORG, name="svc", version=2, environment="production", actor="bob")
    at(clock, 7)
    ledger.rollback(org=ORG, name="svc", to=0, actor="carol", reason="error spike", incident="INC-1042")
    at(clock, 8)
    ledger.set_variable(org=ORG, key="API_KEY", value=SECRETS[0], actor="carol", environment="production",
                        secret=True)
    at(clock, 9)
    ledger.set_variable(org=ORG, key="MODEL", value="gpt-4", actor="carol")
    at(clock, 10)
    ledger.import_variables(org=ORG, text=f"B=2\nA=1\nDB_TOKEN={SECRETS[2]}\n", actor="carol",
                            environment="staging")
    at(clock, 11)
    ledger.delete_variable(org=ORG, key="MODEL", actor="carol")
    at(clock, 12)
    ledger.update_overlay(org=ORG, name="svc", actor="alice", environment="production",
                          set_={"TEMPERATURE": "0.2", "DB_PASSWORD": SECRETS[1]})
    at(clock, 13)
    ledger.update_overlay(org=ORG, name="svc", actor="alice", environment="production",
                          set_={"MODEL": "gpt-5"}, delete=["TEMPERATURE"])
    at(clock, 14)
    ledger.create_script(org="globex", name="svc", actor="dave")
    publish(ledger, "svc", 1, actor="dave", org="globex")
    at(clock, 15)
    publish(ledger, "svc", 3)
    ledger.rollback(org=ORG, name="svc", to=3, actor="carol", environment="staging", force=True,
                    reason="try the fix", incident="INC-1043")
    projections.catch_up()
    return projections.audit(org=ORG)


def summary(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["kind"], r["actor"], r["script"], r["environment"], r["from_version"], r["to_version"], r["keys"])
            for r in rows]


def test_every_recorded_change_is_one_row_in_log_order(
    ledger: Ledger, trail: list[dict[str, Any]],
) -> None:
    audited = [(p, e) for p, e in raw_events(ledger) if isinstance(e, AUDITED) and e.org == ORG]

    assert [r["position"] for r in trail] == [p for p, _ in audited]
    assert [r["time"] for r in trail] == [utc_text(e.timestamp) for _, e in audited]
    assert {r["org"] for r in trail} == {ORG}
    assert summary(trail) == [
        ("script", "alice", "svc", None, None, None, None),
        ("draft", "alice", "svc", None, None, None, None),
        ("publish", "alice", "svc", None, None, 1, None),
        ("script", "alice", "other", None, None, None, None),
        ("draft", "alice", "other", None, None, None, None),
        ("publish", "alice", "other", None, None, 1, None),
        ("promote", "bob", "svc", "staging", None, 1, None),
        ("promote", "bob", "svc", "production", None, 1, None),
        ("draft", "alice", "svc", None, None, None, None),
        ("publish", "alice", "svc", None, 1, 2, None),
        ("promote", "bob", "svc", "staging", 1, 2, None),
        ("promote", "bob", "svc", "production", 1, 2, None),
        ("rollback", "carol", "svc", "production", 2, 1, None),
        ("env", "carol", None, "production", None, None, ["API_KEY"]),
        ("env", "carol", None, None, None, None, ["MODEL"]),
        ("env", "carol", None, "staging", None, None, ["A", "B", "DB_TOKEN"]),
        ("env", "carol", None, None, None, None, ["MODEL"]),
        ("overlay", "alice", "svc", "production", None, None, ["DB_PASSWORD", "TEMPERATURE"]),
        ("overlay", "alice", "svc", "production", None, None, ["MODEL", "TEMPERATURE"]),
        ("draft", "alice", "svc", None, None, None, None),
        ("publish", "alice", "svc", None, 2, 3, None),
        ("rollback", "carol", "svc", "staging", 2, 3, None),
    ]


def test_reasons_and_incidents_are_recorded_with_the_move_that_gave_them(trail: list[dict[str, Any]]) -> None:
    moves = [(r["kind"], r["environment"], r["reason"], r["incident"]) for r in trail
             if r["kind"] in ("promote", "rollback")]

    assert moves == [
        ("promote", "staging", None, None),
        ("promote", "production", "launch", None),
        ("promote", "staging", None, None),
        ("promote", "production", None, None),
        ("rollback", "production", "error spike", "INC-1042"),
        ("rollback", "staging", "try the fix", "INC-1043"),
    ]


def test_a_forced_rollback_is_marked_as_forced(trail: list[dict[str, Any]]) -> None:
    rollbacks = [r for r in trail if r["kind"] == "rollback"]

    assert [bool((r["details"] or {}).get("forced")) for r in rollbacks] == [False, True]


def test_secret_values_never_appear_in_the_audit_trail_only_their_fingerprints(
    trail: list[dict[str, Any]], projections: Projections, ledger: Ledger,
) -> None:
    everything = json.dumps([list(row) for row in projections.db.execute("SELECT * FROM audit")])
    returned = json.dumps(trail)

    for secret in SECRETS:
        assert secret not in everything
        assert secret not in returned
    fingerprint = ledger.secrets.fingerprint_of  # keyed per organization
    assert fingerprint(ORG, SECRETS[0]) in everything  # a changed value can still be compared
    assert fingerprint(ORG, SECRETS[1]) in everything


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"script": "other"}, [("script", "other"), ("draft", "other"), ("publish", "other")]),
        ({"actor": "bob"}, [("promote", "svc")] * 4),
        ({"kind": "rollback"}, [("rollback", "svc")] * 2),
        ({"kind": ["env", "overlay"]}, [("env", None)] * 4 + [("overlay", "svc")] * 2),
        ({"incident": "INC-1042"}, [("rollback", "svc")]),
        ({"script": "svc", "kind": "publish"}, [("publish", "svc")] * 3),
        ({"script": "svc", "environment": "staging", "actor": "carol"}, [("rollback", "svc")]),
    ],
    ids=["script", "actor", "kind", "kinds", "incident", "script-and-kind", "script-environment-actor"],
)
def test_each_filter_keeps_only_the_matching_rows(
    trail: list[dict[str, Any]], projections: Projections, filters: dict[str, Any], expected: list[Any],
) -> None:
    rows = projections.audit(org=ORG, **filters)

    assert [(r["kind"], r["script"]) for r in rows] == expected
    positions = [r["position"] for r in rows]
    assert positions == sorted(positions)


def test_the_environment_filter_keeps_its_moves_and_config_plus_config_changes_of_every_environment(
    trail: list[dict[str, Any]], projections: Projections,
) -> None:
    rows = projections.audit(org=ORG, environment="production")

    assert [(r["kind"], r["environment"], r["keys"]) for r in rows] == [
        ("promote", "production", None),
        ("promote", "production", None),
        ("rollback", "production", None),
        ("env", "production", ["API_KEY"]),
        ("env", None, ["MODEL"]),  # the base scope applies to production too
        ("env", None, ["MODEL"]),
        ("overlay", "production", ["DB_PASSWORD", "TEMPERATURE"]),
        ("overlay", "production", ["MODEL", "TEMPERATURE"]),
    ]


@pytest.mark.parametrize("offset", [timezone.utc, timezone(timedelta(hours=-7)), timezone(timedelta(hours=9))])
def test_since_and_until_keep_the_rows_of_that_period_both_ends_included(
    trail: list[dict[str, Any]], projections: Projections, offset: timezone,
) -> None:
    rows = projections.audit(org=ORG, since=minute(7).astimezone(offset), until=minute(9).astimezone(offset))

    assert [(r["kind"], r["time"]) for r in rows] == [
        ("rollback", utc_text(minute(7))),
        ("env", utc_text(minute(8))),
        ("env", utc_text(minute(9))),
    ]


def test_a_period_between_two_changes_has_no_rows(trail: list[dict[str, Any]], projections: Projections) -> None:
    rows = projections.audit(org=ORG, since=minute(7) + timedelta(microseconds=1),
                             until=minute(8) - timedelta(microseconds=1))

    assert rows == []


def test_another_organizations_changes_never_show(trail: list[dict[str, Any]], projections: Projections) -> None:
    theirs = projections.audit(org="globex")

    assert [(r["kind"], r["actor"]) for r in theirs] == [("script", "dave"), ("draft", "dave"), ("publish", "dave")]
    assert "dave" not in {r["actor"] for r in trail}


def test_after_and_limit_page_through_the_trail(trail: list[dict[str, Any]], projections: Projections) -> None:
    first = projections.audit(org=ORG, limit=5)
    rest = projections.audit(org=ORG, after=first[-1]["position"])

    assert first + rest == trail


def test_an_unknown_kind_is_refused_naming_the_kinds(trail: list[dict[str, Any]], projections: Projections) -> None:
    with pytest.raises(InvalidInputError) as refused:
        projections.audit(org=ORG, kind=["promote", "deploy"])

    assert "deploy" in refused.value.message
    assert all(kind in refused.value.message for kind in ("publish", "promote", "rollback", "overlay", "env"))


def test_the_trail_reaches_the_head_when_the_log_ends_with_changes_it_does_not_record(
    ledger: Ledger, trail: list[dict[str, Any]], projections: Projections,
) -> None:
    ledger.save(ScriptCatalog(org="initech"))  # a catalog: nothing an auditor reads
    head = ledger.recorder.max_notification_id()

    projections.catch_up()

    assert projections.audit_trail.view.max_tracking_id(ledger.name) == head
    assert projections.audit(org=ORG) == trail


# History: a script's versions and pointer moves, newest first ----------------------


def test_history_lists_publishes_and_moves_of_one_script_newest_first(
    trail: list[dict[str, Any]], projections: Projections,
) -> None:
    history = projections.history(org=ORG, name="svc")

    assert [(h["kind"], h["environment"], h["previous_version"], h["version"]) for h in history] == [
        ("rollback", "staging", 2, 3),
        ("publish", None, 2, 3),
        ("rollback", "production", 2, 1),
        ("promote", "production", 1, 2),
        ("promote", "staging", 1, 2),
        ("publish", None, 1, 2),
        ("promote", "production", None, 1),
        ("promote", "staging", None, 1),
        ("publish", None, None, 1),
    ]
    positions = [h["position"] for h in history]
    assert positions == sorted(positions, reverse=True)
    assert history[2]["actor"] == "carol"
    assert (history[2]["reason"], history[2]["incident"]) == ("error spike", "INC-1042")
    assert history[-1]["time"] == utc_text(minute(1))


def test_history_of_one_environment_keeps_every_publish(trail: list[dict[str, Any]], projections: Projections) -> None:
    history = projections.history(org=ORG, name="svc", environment="production")

    assert [(h["kind"], h["version"]) for h in history] == [
        ("publish", 3), ("rollback", 1), ("promote", 2), ("publish", 2), ("promote", 1), ("publish", 1),
    ]


def test_history_of_an_unknown_script_is_refused(trail: list[dict[str, Any]], projections: Projections) -> None:
    with pytest.raises(NotFoundError):
        projections.history(org=ORG, name="nope")
