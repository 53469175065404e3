"""The Deployment aggregate: one environment pointer, promote and rollback, with no I/O."""

from __future__ import annotations

import pytest

from ledger.deployment import Deployment
from ledger.errors import ConflictError, RefusedError


def deployment_through(*versions: int) -> Deployment:
    """A production pointer promoted through ``versions`` in order."""
    deployment = Deployment(org="acme", script="svc", environment="production")
    for version in versions:
        deployment.promote(version, actor="alice")
    return deployment


def test_a_new_pointer_is_unset() -> None:
    deployment = deployment_through()

    assert deployment.current is None
    assert (deployment.previous, deployment.active, deployment.quarantined) == (None, {}, [])


def test_promoting_moves_the_pointer_and_records_the_previous_version() -> None:
    deployment = deployment_through(1)

    assert deployment.promote(2, actor="bob", reason="ship it") is True

    event = deployment.collect_events()[-1]
    assert isinstance(event, Deployment.Promoted)
    assert (event.version, event.previous_version, event.actor, event.reason) == (
        2,
        1,
        "bob",
        "ship it",
    )
    assert (event.org, event.script, event.environment) == ("acme", "svc", "production")
    assert deployment.current == 2


def test_promoting_the_current_version_is_a_no_op_that_records_nothing() -> None:
    deployment = deployment_through(1)
    pending = len(deployment.pending_events)

    assert deployment.promote(1, actor="alice") is False

    assert len(deployment.pending_events) == pending
    assert deployment.current == 1


@pytest.mark.parametrize(
    ("history", "expected", "accepted"),
    [
        ((), None, True),
        ((), 1, False),
        ((1,), 1, True),
        ((1,), None, False),
        ((1, 2), 1, False),
        ((1, 2), 2, True),
    ],
)
def test_compare_and_set_accepts_only_the_expected_pointer(
    history: tuple[int, ...], expected: int | None, accepted: bool
) -> None:
    deployment = deployment_through(*history)

    if accepted:
        deployment.check_expected(expected)
    else:
        with pytest.raises(ConflictError, match="nothing changed"):
            deployment.check_expected(expected)


def test_a_compare_and_set_conflict_says_where_the_pointer_is() -> None:
    deployment = deployment_through(3)

    with pytest.raises(ConflictError, match="at version 3, expected unset"):
        deployment.check_expected(None)


@pytest.mark.parametrize(
    ("history", "target"),
    [
        ((1, 2), 1),
        ((1, 2, 3), 2),
        ((3, 1), 3),
    ],
)
def test_rolling_back_to_zero_means_the_version_active_just_before(
    history: tuple[int, ...], target: int
) -> None:
    deployment = deployment_through(*history)

    assert deployment.rollback(0, actor="alice") == target

    assert deployment.current == target


def test_a_rollback_is_its_own_event_with_from_to_incident_and_reason() -> None:
    deployment = deployment_through(1, 2)

    deployment.rollback(1, actor="bob", reason="error spike", incident="INC-1")

    event = deployment.collect_events()[-1]
    assert isinstance(event, Deployment.RolledBack)
    assert not isinstance(event, Deployment.Promoted)
    assert (event.previous_version, event.version) == (2, 1)
    assert (event.incident, event.reason, event.actor, event.forced) == (
        "INC-1",
        "error spike",
        "bob",
        False,
    )


def test_rolling_back_to_a_version_never_active_here_is_refused_as_not_known_good() -> None:
    deployment = deployment_through(1, 3)
    pending = len(deployment.pending_events)

    with pytest.raises(RefusedError, match="never active in production.*--force"):
        deployment.rollback(2, actor="alice")

    assert deployment.current == 3
    assert len(deployment.pending_events) == pending


def test_force_rolls_back_to_a_version_never_active_here() -> None:
    deployment = deployment_through(1, 3)

    assert deployment.rollback(2, actor="alice", force=True) == 2

    event = deployment.collect_events()[-1]
    assert event.forced is True
    assert deployment.current == 2


def test_rolling_back_an_unset_pointer_is_refused() -> None:
    deployment = deployment_through()

    with pytest.raises(RefusedError, match="never run"):
        deployment.rollback(1, actor="alice", force=True)


def test_rolling_back_to_zero_with_no_earlier_version_is_refused() -> None:
    deployment = deployment_through(1)

    with pytest.raises(RefusedError, match="nothing to roll back to"):
        deployment.rollback(0, actor="alice")


def test_rolling_back_to_the_current_version_is_refused() -> None:
    deployment = deployment_through(1, 2)

    with pytest.raises(RefusedError, match="already runs version 2"):
        deployment.rollback(2, actor="alice", force=True)


def test_deployment_ids_differ_per_environment_script_and_org() -> None:
    ids = {
        Deployment.create_id("acme", "svc", "production"),
        Deployment.create_id("acme", "svc", "staging"),
        Deployment.create_id("acme", "other", "production"),
        Deployment.create_id("other", "svc", "production"),
    }
    assert len(ids) == 4


def test_a_pointer_keeps_the_same_state_however_many_times_it_moves() -> None:
    deployment = deployment_through(*([1, 2] * 500), 3)

    assert deployment.current == 3
    assert deployment.previous == 2
    assert sorted(deployment.active) == ["1", "2", "3"]
    assert deployment.rollback_target(0) == 2
    since, until = deployment.last_active(2)
    assert since is not None and until == deployment.last_active(3)[0]
    assert deployment.last_active(3)[1] is None


def test_a_snapshot_taken_before_moves_were_dropped_is_upcast_to_the_same_answers() -> None:
    deployment = deployment_through(1, 2, 1, 3)
    deployment.rollback(1, actor="carol")
    events = deployment.collect_events()
    moves = [
        {"kind": "rollback" if isinstance(e, Deployment.RolledBack) else "promote",
         "version": e.version, "previous_version": e.previous_version, "actor": e.actor, "at": e.timestamp}
        for e in events if isinstance(e, Deployment.Moved)
    ]
    state = {"org": "acme", "script": "svc", "environment": "production", "current": 1,
             "moves": moves, "quarantined": [3]}

    Deployment.upcast_v1_v2(state)

    assert "moves" not in state
    assert state["previous"] == deployment.previous == 3
    assert state["active"] == deployment.active
