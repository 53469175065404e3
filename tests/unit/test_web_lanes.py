"""The script page's lanes (api/web/lanes.py): bands per version per environment, markers,
quarantined versions, and labels that never overprint each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.web.lanes import draw

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def move(kind: str, environment: str, version: int, minutes: float, quarantined: int | None = None) -> dict:
    return {"kind": kind, "environment": environment, "version": version, "time": at(minutes),
            "actor": "alice", "reason": None, "incident": "INC-1" if kind == "rollback" else None,
            "override": False, "quarantined": quarantined}


HISTORY = list(reversed([  # the read model answers newest first
    {"kind": "publish", "environment": None, "version": 1, "time": at(0)},
    move("promote", "production", 1, 10),
    move("promote", "production", 2, 60),
    move("rollback", "production", 1, 90, quarantined=2),
]))


def test_each_stretch_of_one_version_is_a_band_and_each_move_a_marker_in_time_order() -> None:
    lanes = draw(HISTORY, now=START + timedelta(minutes=120))
    bands = [(b.environment, b.version, b.since, b.until) for b in lanes.bands]
    assert bands == [("production", 1, at(10), at(60)), ("production", 2, at(60), at(90)),
                     ("production", 1, at(90), None)]
    assert [(m.kind, m.version) for m in lanes.markers] == [("promote", 1), ("promote", 2), ("rollback", 1)]
    xs = [b.x for b in lanes.bands]
    assert xs == sorted(xs) and lanes.left <= xs[0] and xs[-1] + lanes.bands[-1].width <= lanes.width - lanes.right + 1


def test_the_version_a_rollback_quarantined_is_marked_until_it_is_promoted_again() -> None:
    lanes = draw(HISTORY, now=START + timedelta(minutes=120))
    assert [b.quarantined for b in lanes.bands] == [False, True, False]
    promoted_again = [move("promote", "production", 2, 100), *HISTORY]
    lanes = draw(promoted_again, now=START + timedelta(minutes=120))
    assert not any(b.quarantined for b in lanes.bands)


def test_labels_that_would_overprint_are_left_out_but_what_runs_now_is_always_labelled() -> None:
    crowded = list(reversed([move("promote", "staging", v, 10 + v * 0.001) for v in (1, 2, 3)]))
    lanes = draw(crowded, now=START + timedelta(days=30))
    assert [b.labelled for b in lanes.bands] == [False, False, True]
    assert sum(m.labelled for m in lanes.markers) == 1


def test_the_cursor_marks_the_chosen_instant_and_widens_the_window_to_include_it() -> None:
    lanes = draw(HISTORY, now=START + timedelta(minutes=120), cursor=START - timedelta(hours=1))
    assert lanes.cursor is not None and lanes.cursor <= lanes.bands[0].x
    assert lanes.since <= START - timedelta(hours=1)
