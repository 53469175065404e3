"""Incidents in the audit trail: opening and closing one are rows of kind ``incident`` with
the ID in the incident column, and an incident's timeline still tells each of them once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.content import from_value
from ledger.times import utc_text
from projections.audit_trail import KINDS
from projections.service import Projections
from projections.timelines import Timelines
from tests.integration.test_audit_trail import clock, projections  # noqa: F401
from tests.integration.test_point_in_time import EPOCH, Clock

ORG = "acme"


def minute(n: float) -> str:
    return utc_text(EPOCH + timedelta(minutes=n))


@pytest.fixture
def incident(ledger: Ledger, projections: Projections, clock: Clock) -> list[dict[str, Any]]:
    """svc v2 rolled back for INC-7, INC-7 opened (impact from minute 3) and closed; INC-8 opened
    without a start. Returns acme's audit rows of kind ``incident``."""
    ledger.create_script(org=ORG, name="svc", actor="alice")
    for n in (1, 2):
        ledger.save_draft(org=ORG, name="svc", content=from_value({"v": n}, "json"), actor="alice")
        ledger.publish(org=ORG, name="svc", actor="alice")
        ledger.promote(org=ORG, name="svc", version=n, environment="staging", actor="bob")
        clock.advance(timedelta(minutes=1))
        ledger.promote(org=ORG, name="svc", version=n, environment="production", actor="bob")
    clock.now = EPOCH + timedelta(minutes=5)
    ledger.rollback(org=ORG, name="svc", to=0, actor="carol", reason="errors", incident="INC-7")
    clock.now = EPOCH + timedelta(minutes=6)
    ledger.open_incident(org=ORG, incident="INC-7", title="totals missing", actor="carol",
                         started=EPOCH + timedelta(minutes=3), scripts=["svc"])
    clock.now = EPOCH + timedelta(minutes=7)
    ledger.open_incident(org=ORG, incident="INC-8", title="slow", actor="dave", environment="staging")
    clock.now = EPOCH + timedelta(minutes=9)
    ledger.close_incident(org=ORG, incident="INC-7", actor="erin", resolution="rolled back to v1")
    projections.catch_up()
    return projections.audit(org=ORG, kind="incident")


def test_opening_and_closing_an_incident_are_audit_rows_with_its_id_and_details(
    incident: list[dict[str, Any]],
) -> None:
    assert "incident" in KINDS
    assert [(r["time"], r["actor"], r["kind"], r["event"], r["incident"], r["environment"], r["script"])
            for r in incident] == [
        (minute(6), "carol", "incident", "Incident.Opened", "INC-7", "production", None),
        (minute(7), "dave", "incident", "Incident.Opened", "INC-8", "staging", None),
        (minute(9), "erin", "incident", "Incident.Closed", "INC-7", None, None),
    ]
    assert [r["details"] for r in incident] == [
        {"action": "opened", "title": "totals missing", "started": minute(3), "scripts": ["svc"]},
        {"action": "opened", "title": "slow", "started": minute(7), "scripts": []},  # started when opened
        {"action": "closed", "resolution": "rolled back to v1"},
    ]
    assert all(r["from_version"] is None and r["to_version"] is None and not r["override"] for r in incident)


def test_the_audit_trail_by_incident_lists_the_tagged_changes_and_the_incidents_own_rows(
    incident: list[dict[str, Any]], projections: Projections,
) -> None:
    rows = projections.audit(org=ORG, incident="INC-7")
    assert [(r["kind"], r["time"]) for r in rows] == [
        ("rollback", minute(5)), ("incident", minute(6)), ("incident", minute(9))]


def test_incident_rows_survive_a_rebuild_unchanged(
    incident: list[dict[str, Any]], projections: Projections,
) -> None:
    projections.rebuild(["audit_trail"])
    assert projections.audit(org=ORG, kind="incident") == incident


def test_the_incident_timeline_tells_its_opening_and_closing_once_and_tags_only_changes(
    incident: list[dict[str, Any]], projections: Projections,
) -> None:
    story = Timelines(projections).incident(org=ORG, incident="INC-7")
    kinds = [e["kind"] for e in story["entries"] if e["kind"] != "bucket"]
    assert "incident" not in kinds
    assert [k for k in kinds if k.startswith("incident_")] == ["incident_started", "incident_opened", "incident_closed"]
    rollback = projections.audit(org=ORG, kind="rollback")[0]
    assert story["incident"]["tagged_changes"] == [rollback["position"]]
