"""State survives reopening the store; every change is an immutable event with its audit facts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ledger.application import Ledger
from ledger.content import from_value
from ledger.deployment import Deployment

ORG = "acme"

COMMAND_EVENTS = {
    "revledger:Script.Registered",
    "revledger:Script.DraftSaved",
    "revledger:Script.VersionPublished",
    "revledger:Deployment.Promoted",
    "revledger:Deployment.RolledBack",
    "revledger:TenantVariables.VariablesSet",
    "revledger:TenantVariables.VariablesDeleted",
    "revledger:Overlay.OverlayUpdated",
}


def _history(app: Ledger) -> None:
    app.create_script(org=ORG, name="svc", actor="alice", description="d", tags=["t"])
    for number in (1, 2):
        app.save_draft(
            org=ORG, name="svc", content=from_value({"v": number}, "json"), actor="alice"
        )
        app.publish(org=ORG, name="svc", actor="bob", label=f"v{number}", note=f"note {number}")
    for number, reason in ((1, "first"), (2, "second")):
        app.promote(org=ORG, name="svc", version=number, environment="staging", actor="carol")
        app.promote(
            org=ORG,
            name="svc",
            version=number,
            environment="production",
            actor="carol",
            reason=reason,
        )
    app.rollback(org=ORG, name="svc", to=0, actor="dave", incident="INC-9", reason="spike")
    app.set_variable(org=ORG, key="API_KEY", value="sk", actor="erin", secret=True)
    app.set_variable(org=ORG, key="GONE", value="x", actor="erin")
    app.delete_variable(org=ORG, key="GONE", actor="erin")
    app.update_overlay(
        org=ORG, name="svc", actor="frank", set_={"MODEL": "m"}, environment="staging"
    )


def test_state_survives_reopening_the_store(open_ledger: Callable[[], Ledger]) -> None:
    first = open_ledger()
    _history(first)
    expected = (
        first.get_script(org=ORG, name="svc"),
        first.list_versions(org=ORG, name="svc"),
        first.list_variables(org=ORG, reveal=True),
        first.resolve_config(org=ORG, name="svc", environment="staging", reveal=True),
    )
    first.close()

    reopened = open_ledger()

    assert (
        reopened.get_script(org=ORG, name="svc"),
        reopened.list_versions(org=ORG, name="svc"),
        reopened.list_variables(org=ORG, reveal=True),
        reopened.resolve_config(org=ORG, name="svc", environment="staging", reveal=True),
    ) == expected
    assert reopened.pointers(org=ORG, name="svc")["production"] == 1
    assert reopened.get_version(org=ORG, name="svc", version=0).version == 1


def test_a_reopened_store_continues_the_version_numbering(
    open_ledger: Callable[[], Ledger],
) -> None:
    first = open_ledger()
    _history(first)
    first.close()

    reopened = open_ledger()
    reopened.save_draft(org=ORG, name="svc", content=from_value({"v": 3}, "json"), actor="alice")

    assert reopened.publish(org=ORG, name="svc", actor="alice").version == 3


def test_every_command_event_carries_org_actor_and_a_utc_timestamp(ledger: Ledger) -> None:
    _history(ledger)

    events = [
        ledger.mapper.to_domain_event(n)
        for n in ledger.recorder.select_notifications(start=1, limit=1000)
        if n.topic in COMMAND_EVENTS
    ]

    assert {type(e).TOPIC for e in events} == COMMAND_EVENTS
    for event in events:
        assert event.org == ORG
        assert event.actor
        assert event.timestamp.utcoffset() == timedelta(0)


def test_events_record_the_reason_note_and_incident_they_were_given(ledger: Ledger) -> None:
    _history(ledger)

    events = [
        ledger.mapper.to_domain_event(n)
        for n in ledger.recorder.select_notifications(start=1, limit=1000)
    ]
    published = [
        (e.actor, e.label, e.note)
        for e in events
        if type(e).TOPIC == "revledger:Script.VersionPublished"
    ]
    moves = [
        (type(e).__name__, e.actor, e.version, e.previous_version, e.reason, e.incident)
        for e in events
        if isinstance(e, Deployment.Moved) and e.environment == "production"
    ]

    assert published == [("bob", "v1", "note 1"), ("bob", "v2", "note 2")]
    assert moves == [
        ("Promoted", "carol", 1, None, "first", None),
        ("Promoted", "carol", 2, 1, "second", None),
        ("RolledBack", "dave", 1, 2, "spike", "INC-9"),
    ]


def test_the_log_only_grows(open_ledger: Callable[[], Ledger]) -> None:
    app = open_ledger()
    _history(app)
    snapshot = [
        (n.id, n.originator_id, n.originator_version, n.state)
        for n in app.recorder.select_notifications(start=1, limit=1000)
    ]

    app.save_draft(org=ORG, name="svc", content=from_value({"v": 3}, "json"), actor="alice")
    app.publish(org=ORG, name="svc", actor="alice")
    app.promote(org=ORG, name="svc", version=3, environment="staging", actor="alice")

    after = [
        (n.id, n.originator_id, n.originator_version, n.state)
        for n in app.recorder.select_notifications(start=1, limit=1000)
    ]
    assert after[: len(snapshot)] == snapshot
    # Draft (and its new ContentBlob), version, move: appended, nothing rewritten.
    assert len(after) == len(snapshot) + 4
