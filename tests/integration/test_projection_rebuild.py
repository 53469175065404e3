"""Rebuilding read models: dropping them and replaying the log gives exactly what catching up
incrementally gave, byte for byte; catch-up reads in pages and applies each event once."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from hypothesis import HealthCheck, given, settings

from ledger.application import Ledger
from ledger.content import from_value
from ledger.deployment import Deployment
from ledger.errors import InvalidInputError
from ledger.script import Script
from projections import releases_view
from projections.replay import LogReader
from projections.runner import catch_up
from projections.service import Projections
from projections.view import exclusive
from tests.integration.test_point_in_time import (
    HISTORIES,
    Clock,
    History,
    contents,
    dump,
    installed,
    raw_events,
)

ORG = "acme"


# The property ---------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=HISTORIES)
def test_a_full_rebuild_is_byte_identical_to_catching_up_in_small_steps_along_the_history(
    operations: list[Any],
) -> None:
    with tempfile.TemporaryDirectory() as directory, installed(Clock()) as clock:
        h = History(Path(directory), clock)  # CatchUp steps in the history catch up part way
        try:
            h.play(operations)
            h.projections.catch_up()
            incremental = dump(h.projections)
            elsewhere = Projections(h.ledger, Path(directory) / "rebuilt.db")
            elsewhere.rebuild()
            in_place_head = h.projections.rebuild()

            assert dump(elsewhere) == incremental
            assert dump(h.projections) == incremental
            assert in_place_head == len(raw_events(h.ledger))
            elsewhere.db.conn.close()
        finally:
            h.close()


# Examples -------------------------------------------------------------------------


@pytest.fixture
def projections(ledger: Ledger, tmp_path: Path) -> Iterator[Projections]:
    p = Projections(ledger, tmp_path / "projections.db")
    yield p
    p.db.conn.close()


def some_history(ledger: Ledger, rounds: int = 3) -> None:
    """Publishes, moves through every environment, a rollback and config changes."""
    ledger.create_script(org=ORG, name="svc", actor="alice")
    for n in range(1, rounds + 1):
        ledger.save_draft(org=ORG, name="svc", content=from_value({"v": n}, "json"), actor="alice")
        ledger.publish(org=ORG, name="svc", actor="alice")
        for environment in ("development", "staging", "production"):
            ledger.promote(org=ORG, name="svc", version=n, environment=environment, actor="bob")
        ledger.set_variable(org=ORG, key="MODEL", value=f"m{n}", actor="carol")
        ledger.update_overlay(org=ORG, name="svc", actor="carol", set_={"TEMPERATURE": str(n)})
    if rounds > 1:
        ledger.rollback(org=ORG, name="svc", to=0, actor="bob", incident="INC-1", reason="spike")


def test_rebuilding_every_read_model_in_place_changes_nothing(ledger: Ledger, projections: Projections) -> None:
    some_history(ledger)
    projections.catch_up()
    before = dump(projections)

    head = projections.rebuild()

    assert head == ledger.recorder.max_notification_id()
    assert dump(projections) == before


@pytest.mark.parametrize("name", ["environment_pointers", "audit_trail", "revision_timestamps"])
def test_rebuilding_one_read_model_gives_the_same_rows_and_leaves_the_others_alone(
    ledger: Ledger, projections: Projections, name: str,
) -> None:
    some_history(ledger)
    projections.catch_up()
    before = contents(projections)
    others = {n: p.view.tables for n, p in projections.all.items() if n != name}
    seen: list[str] = []
    projections.db.conn.set_trace_callback(seen.append)

    projections.rebuild([name])

    projections.db.conn.set_trace_callback(None)
    assert contents(projections) == before
    written = [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "DROP"))]
    for table in (t for ts in others.values() for t in ts):
        assert not [s for s in written if f" {table} " in f" {s} " or f"[{table}]" in s], table


@pytest.mark.parametrize("pending", [1, 2, 1000])
def test_releases_written_in_bulk_at_any_bound_give_the_rows_of_catching_up_one_event_at_a_time(
    ledger: Ledger, projections: Projections, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pending: int,
) -> None:
    """A page's releases are buffered and written in bulk (flushed every ``PENDING_MAX``): the
    ids, rows and heads are those of writing each release at once."""
    for name in ("api", "svc", "web"):
        ledger.create_script(org=ORG, name=name, actor="alice")
        ledger.save_draft(org=ORG, name=name, content=from_value({"n": name}, "json"), actor="alice")
        ledger.publish(org=ORG, name=name, actor="alice")
        for environment in ("development", "staging", "production"):
            ledger.promote(org=ORG, name=name, version=1, environment=environment, actor="bob")
    for n in range(3):
        ledger.set_variable(org=ORG, key="MODEL", value=f"m{n}", actor="carol")  # every running pair
        ledger.update_overlay(org=ORG, name="svc", actor="carol", set_={"MODEL": f"own{n}"})
        ledger.save_draft(org=ORG, name="web", content=from_value({"n": n}, "json"), actor="alice")
        ledger.publish(org=ORG, name="web", actor="alice")
        ledger.promote(org=ORG, name="web", version=n + 2, environment="development", actor="bob")
    step_by_step = projections.releases
    catch_up(ledger, step_by_step, page_size=1)
    monkeypatch.setattr(releases_view, "PENDING_MAX", pending)
    rebuilt = Projections(ledger, tmp_path / "rebuilt.db")

    rebuilt.rebuild(["releases"])

    assert rebuilt.db.execute("SELECT COUNT(*) FROM releases WHERE kind = 'config'").fetchone()[0] > 9
    tables = step_by_step.view.tables
    assert {t: contents(rebuilt)[t] for t in tables} == {t: contents(projections)[t] for t in tables}
    for table in ("releases", "release_heads"):  # in the same order, with the same ids and rowids
        query = f"SELECT rowid, * FROM {table} ORDER BY rowid"
        assert rebuilt.db.execute(query).fetchall() == projections.db.execute(query).fetchall()
    rebuilt.db.conn.close()


def test_rebuilding_an_unknown_read_model_is_refused_naming_the_known_ones_and_drops_nothing(
    ledger: Ledger, projections: Projections,
) -> None:
    some_history(ledger, rounds=1)
    projections.catch_up()
    before = dump(projections)

    with pytest.raises(InvalidInputError) as refused:
        projections.rebuild(["audit_trail", "pointer"])

    assert "pointer" in refused.value.message
    assert all(name in refused.value.message for name in projections.all)
    assert dump(projections) == before


def test_a_rebuild_reports_progress_up_to_the_head_for_each_read_model(
    ledger: Ledger, projections: Projections,
) -> None:
    some_history(ledger, rounds=5)
    head = ledger.recorder.max_notification_id()
    reports: dict[str, list[int]] = {}

    projections.rebuild(progress=lambda name, position: reports.setdefault(name, []).append(position))

    assert set(reports) == set(projections.all)
    for positions in reports.values():
        assert positions == sorted(positions)
        assert positions[-1] == head


def test_a_rebuild_of_an_empty_log_leaves_empty_read_models_at_position_zero(
    ledger: Ledger, projections: Projections,
) -> None:
    assert projections.rebuild() == 0
    assert [row["position"] for row in projections.status()] == [0] * len(projections.all)
    metadata = ("tracking", "layouts")
    assert all(rows == [] for name, rows in contents(projections).items() if name not in metadata)


def test_status_reports_each_read_models_position_and_lag_behind_the_head(
    ledger: Ledger, projections: Projections,
) -> None:
    some_history(ledger, rounds=1)
    projections.catch_up()
    caught_up = ledger.recorder.max_notification_id()
    ledger.set_variable(org=ORG, key="MODEL", value="m9", actor="carol")
    head = ledger.recorder.max_notification_id()

    status = projections.status()

    assert [row["projection"] for row in status] == list(projections.all)
    assert all(row["position"] == caught_up and row["head"] == head for row in status)
    assert all(row["lag"] == head - caught_up > 0 for row in status)
    assert projections.lag() == head - caught_up
    projections.catch_up()
    assert projections.lag() == 0


def test_catching_up_again_when_nothing_happened_changes_nothing(ledger: Ledger, projections: Projections) -> None:
    some_history(ledger)
    projections.catch_up()
    before = dump(projections)

    projections.catch_up()

    assert dump(projections) == before


def test_catching_up_to_a_stop_between_followed_events_stops_exactly_there(
    ledger: Ledger, projections: Projections,
) -> None:
    some_history(ledger)
    pointers = projections.pointers
    topics = set(pointers.topics)
    log = ledger.recorder.select_notifications(start=1, limit=1000)
    unrelated = [n.id for n in log if n.topic not in topics]
    stop = unrelated[len(unrelated) // 2]

    position = catch_up(ledger, pointers, page_size=3, stop=stop)

    assert position == stop
    assert pointers.view.max_tracking_id(ledger.name) == stop
    applied = [r["start_position"] for r in projections.db.query(
        "SELECT start_position FROM pointer_intervals ORDER BY start_position"
    )]
    assert applied == [n.id for n in log if n.topic in topics and n.id <= stop]


def test_catch_up_reads_the_log_in_pages_of_the_given_size(
    ledger: Ledger, projections: Projections, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages bound the memory a catch-up needs, however long the log is."""
    some_history(ledger, rounds=6)
    audit = projections.audit_trail
    head = ledger.recorder.max_notification_id()
    followed = len(ledger.recorder.select_notifications(start=1, limit=10_000, topics=audit.topics))
    limits: list[int] = []
    real = LogReader.page

    def spy(self: LogReader, start: int, stop: int, limit: int, *args: Any) -> Any:
        limits.append(limit)
        page = real(self, start, stop, limit, *args)
        assert len(page) <= limit
        return page

    monkeypatch.setattr(LogReader, "page", spy)

    catch_up(ledger, audit, page_size=5)

    assert set(limits) == {5}
    assert len(limits) == followed // 5 + 1
    assert audit.view.max_tracking_id(ledger.name) == head


def test_reapplying_an_applied_position_is_refused_and_rolls_its_rows_back(
    ledger: Ledger, projections: Projections,
) -> None:
    some_history(ledger, rounds=1)
    projections.catch_up()
    before = dump(projections)
    last = ledger.recorder.select_notifications(start=1, limit=1000, topics=projections.audit_trail.topics)[-1]
    event = ledger.mapper.to_domain_event(last)

    # The tracking position is checked before any row is written.
    with pytest.raises(IntegrityError), exclusive(projections.db):
        projections.audit_trail.process_event(event, Tracking(ledger.name, last.id))

    assert dump(projections) == before


def test_two_projectors_on_one_database_apply_every_event_once(
    ledger: Ledger, projections: Projections, tmp_path: Path,
) -> None:
    """A CLI query may catch up while another process does: the second finds the work done."""
    some_history(ledger, rounds=4)
    other = Projections(ledger, tmp_path / "projections.db")  # a second connection, as another process
    half = ledger.recorder.max_notification_id() // 2
    for projection in other.all.values():
        catch_up(ledger, projection, page_size=2, stop=half)

    projections.catch_up()
    other.catch_up()
    clean = Projections(ledger, tmp_path / "clean.db")
    clean.rebuild()

    assert dump(projections) == dump(clean)
    other.db.conn.close()
    clean.db.conn.close()


def test_recording_a_move_costs_no_more_after_a_long_history_of_that_pointer(
    ledger: Ledger, projections: Projections,
) -> None:
    """Counted in SQLite VM instructions (deterministic): closing the open interval must be an
    index seek, not a scan of the pointer's whole history (which makes a rebuild quadratic)."""
    script = Script(org=ORG, script="svc", actor="alice", description="", tags=[])
    for n in (1, 2):
        script.save_draft(from_value({"v": n}, "json"), actor="alice")
        script.publish(actor="alice")
    busy = Deployment(org=ORG, script="svc", environment="development")  # e.g. every CI build
    quiet = Deployment(org=ORG, script="svc", environment="staging")
    for i in range(2000):
        busy.promote(1 + i % 2, actor="ci")
    for i in range(20):
        quiet.promote(1 + i % 2, actor="ci")
    ledger.save(script, busy, quiet)
    busy.promote(1, actor="ci")
    ledger.save(busy)
    quiet.promote(1, actor="ci")
    ledger.save(quiet)
    head = ledger.recorder.max_notification_id()
    pointers = projections.pointers
    catch_up(ledger, pointers, stop=head - 2)

    def instructions(stop: int) -> int:
        counted = [0]

        def count() -> int:
            counted[0] += 1
            return 0

        projections.db.conn.set_progress_handler(count, 10)
        catch_up(ledger, pointers, stop=stop)
        projections.db.conn.set_progress_handler(None, 10)
        return counted[0]

    after_a_long_history = instructions(head - 1)
    after_a_short_one = instructions(head)

    assert after_a_long_history < 3 * after_a_short_one, (after_a_long_history, after_a_short_one)
