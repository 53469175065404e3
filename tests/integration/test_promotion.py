"""Promotion and rollback through the Ledger application on a temporary SQLite file.

Versions reach production through staging (see the ``ship`` fixture), the product's path.
"""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.deployment import Deployment
from ledger.errors import ConflictError, InvalidInputError, NotFoundError, RefusedError

ORG = "acme"


def promote(ledger: Ledger, version: int, environment: str = "staging", **kwargs):
    return ledger.promote(
        org=ORG, name="svc", version=version, environment=environment, actor="alice", **kwargs
    )


def test_promoting_moves_one_pointer_and_reports_the_previous_version(
    ledger: Ledger, make_script
) -> None:
    make_script("svc", versions=2)

    first = promote(ledger, 1, "staging")
    second = promote(ledger, 2, "staging", reason="next")

    assert (first.version, first.previous_version, first.changed) == (1, None, True)
    assert (second.version, second.previous_version, second.reason) == (2, 1, "next")
    assert ledger.pointers(org=ORG, name="svc") == {
        "development": None,
        "staging": 2,
        "production": None,
    }


def test_a_version_reaches_production_through_staging(ledger: Ledger, make_script, ship) -> None:
    make_script("svc", versions=2)

    moved = ship(2)

    assert (moved.environment, moved.version, moved.previous_version) == ("production", 2, None)
    assert ledger.pointers(org=ORG, name="svc") == {
        "development": None,
        "staging": 2,
        "production": 2,
    }


def test_promoting_the_current_version_changes_nothing_and_records_nothing(
    ledger: Ledger, make_script
) -> None:
    make_script("svc", versions=1)
    promote(ledger, 1)
    before = ledger.recorder.max_notification_id()

    again = promote(ledger, 1)

    assert (again.changed, again.previous_version, again.position) == (False, 1, None)
    assert ledger.recorder.max_notification_id() == before


@pytest.mark.parametrize(("history", "expect"), [((), None), ((1,), 1), ((1, 2), 2)])
def test_a_matching_expect_current_lets_the_promotion_through(
    ledger: Ledger, make_script, history, expect
) -> None:
    make_script("svc", versions=3)
    for version in history:
        promote(ledger, version)

    moved = promote(ledger, 3, expect_current=expect)

    assert (moved.version, moved.previous_version, moved.changed) == (3, expect, True)


@pytest.mark.parametrize(("history", "expect"), [((), 1), ((1,), None), ((1, 2), 1)])
def test_a_mismatched_expect_current_is_a_conflict_and_changes_nothing(
    ledger: Ledger, make_script, history, expect
) -> None:
    make_script("svc", versions=3)
    for version in history:
        promote(ledger, version)
    before = ledger.recorder.max_notification_id()

    with pytest.raises(ConflictError, match="nothing changed"):
        promote(ledger, 3, expect_current=expect)

    assert ledger.recorder.max_notification_id() == before
    assert ledger.pointers(org=ORG, name="svc")["staging"] == (history[-1] if history else None)


def test_expect_current_zero_means_the_version_production_runs(
    ledger: Ledger, make_script, ship
) -> None:
    make_script("svc", versions=3)
    ship(2)
    promote(ledger, 2, "development")

    assert promote(ledger, 3, "development", expect_current=0).previous_version == 2
    with pytest.raises(ConflictError, match="at version 3, expected at version 2"):
        promote(ledger, 1, "development", expect_current=0)


def test_rollback_to_zero_returns_to_the_version_active_before(
    ledger: Ledger, make_script, ship
) -> None:
    make_script("svc", versions=3)
    ship(1)
    ship(3)

    moved = ledger.rollback(
        org=ORG, name="svc", to=0, actor="bob", incident="INC-7", reason="spike"
    )

    assert (moved.kind, moved.environment, moved.version, moved.previous_version) == (
        "rollback",
        "production",
        1,
        3,
    )
    assert (moved.incident, moved.reason, moved.actor, moved.forced) == (
        "INC-7",
        "spike",
        "bob",
        False,
    )
    assert ledger.pointers(org=ORG, name="svc")["production"] == 1


def test_a_rollback_is_recorded_as_its_own_event(ledger: Ledger, make_script, ship) -> None:
    make_script("svc", versions=2)
    ship(1)
    ship(2)

    moved = ledger.rollback(org=ORG, name="svc", to=1, actor="bob", incident="INC-1")

    (notification,) = ledger.recorder.select_notifications(start=moved.position, limit=1)
    event = ledger.mapper.to_domain_event(notification)
    assert isinstance(event, Deployment.RolledBack)
    assert (event.version, event.previous_version, event.incident, event.actor) == (
        1,
        2,
        "INC-1",
        "bob",
    )


def test_rollback_defaults_to_production_and_leaves_other_environments(
    ledger: Ledger, make_script, ship
) -> None:
    make_script("svc", versions=2)
    ship(1)
    ship(2)

    ledger.rollback(org=ORG, name="svc", to=1, actor="bob")

    assert ledger.pointers(org=ORG, name="svc") == {
        "development": None,
        "staging": 2,
        "production": 1,
    }


def test_rollback_in_another_environment(ledger: Ledger, make_script) -> None:
    make_script("svc", versions=2)
    promote(ledger, 1, "staging")
    promote(ledger, 2, "staging")

    moved = ledger.rollback(org=ORG, name="svc", to=0, actor="bob", environment="staging")

    assert (moved.environment, moved.version) == ("staging", 1)
    assert ledger.pointers(org=ORG, name="svc")["staging"] == 1


def test_rollback_to_a_version_never_active_there_needs_force(
    ledger: Ledger, make_script, ship
) -> None:
    make_script("svc", versions=3)
    promote(ledger, 2, "staging")  # active in another environment does not count
    ship(1)
    ship(3)

    with pytest.raises(RefusedError, match="never active in production"):
        ledger.rollback(org=ORG, name="svc", to=2, actor="bob")
    forced = ledger.rollback(org=ORG, name="svc", to=2, actor="bob", force=True)

    assert (forced.version, forced.forced) == (2, True)
    assert ledger.pointers(org=ORG, name="svc")["production"] == 2


def test_rolling_back_to_the_version_already_running_changes_nothing(
    ledger: Ledger, make_script, ship
) -> None:
    make_script("svc", versions=2)
    ship(1)
    ship(2)
    head = ledger.recorder.max_notification_id()

    view = ledger.rollback(org=ORG, name="svc", to=2, actor="bob")

    assert (view.changed, view.version, view.previous_version, view.position) == (False, 2, 2, None)
    assert ledger.recorder.max_notification_id() == head


def test_a_rollback_with_expect_current_refuses_when_the_pointer_moved(
    ledger: Ledger, make_script, ship
) -> None:
    make_script("svc", versions=2)
    ship(1)
    ship(2)

    with pytest.raises(ConflictError):
        ledger.rollback(org=ORG, name="svc", to=1, actor="bob", expect_current=1)
    assert ledger.rollback(org=ORG, name="svc", to=1, actor="bob", expect_current=2).changed


@pytest.mark.parametrize(
    ("shipped", "kwargs", "error", "match"),
    [
        ((), {"to": 1}, NotFoundError, "never run"),
        ((1,), {"to": 7, "force": True}, NotFoundError, "unknown version 7"),
        ((1,), {"to": 0}, RefusedError, "nothing to roll back to"),
        ((1, 2), {"to": 1, "environment": "prod"}, InvalidInputError, "unknown environment"),
        ((1, 2), {"to": -1}, InvalidInputError, "version number"),
    ],
    ids=[
        "unset-pointer",
        "unknown-version",
        "no-previous",
        "unknown-environment",
        "negative",
    ],
)
def test_rollback_refusals(
    ledger: Ledger, make_script, ship, shipped, kwargs, error, match
) -> None:
    make_script("svc", versions=2)
    for version in shipped:
        ship(version)

    with pytest.raises(error, match=match):
        ledger.rollback(org=ORG, name="svc", actor="bob", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "nope", "version": 1, "environment": "staging"}, NotFoundError, "unknown script"),
        (
            {"name": "svc", "version": 5, "environment": "staging"},
            NotFoundError,
            "unknown version 5",
        ),
        (
            {"name": "svc", "version": 1, "environment": "qa"},
            InvalidInputError,
            "unknown environment 'qa'",
        ),
        (
            {"name": "svc", "version": 0, "environment": "staging"},
            NotFoundError,
            "production runs no version",
        ),
    ],
)
def test_promotion_refusals(ledger: Ledger, make_script, kwargs, error, match) -> None:
    make_script("svc", versions=1)

    with pytest.raises(error, match=match):
        ledger.promote(org=ORG, actor="alice", **kwargs)
