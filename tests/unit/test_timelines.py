"""Timelines without I/O: the suspect change and the recovery verdict judged on records, the
Incident aggregate, and the postmortem / HTML renderings of a story."""

from __future__ import annotations

import re
import xml.dom.minidom
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.reports import render_compliance, render_timeline
from ledger.errors import InvalidInputError, RefusedError
from ledger.incidents import Incident, check_incident_id
from ledger.times import utc_text
from projections.suspects import Change, find_recovery, find_suspect

EPOCH = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return utc_text(EPOCH + timedelta(seconds=seconds))


class Records:
    """Log records in memory, counted the way the read model counts them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, bool]] = []

    def add(self, script: str, start: float, stop: float, count: int, errors: int) -> None:
        """``count`` records spread over [start, stop) seconds, the first ``errors`` failing."""
        for i in range(count):
            self.items.append((script, at(start + (stop - start) * i / count), i < errors))

    def __call__(self, scope: frozenset[str] | None, a: str, b: str) -> tuple[int, int]:
        chosen = [e for s, t, e in self.items if a <= t < b and (scope is None or s in scope)]
        return len(chosen), sum(chosen)


def change(position: int, seconds: float, kind: str = "promote", script: str | None = "svc",
           to: int | None = None, incident: str | None = None) -> Change:
    row = {"position": position, "time": at(seconds), "kind": kind, "script": script,
           "from_version": None, "to_version": to, "incident": incident}
    return Change(row, frozenset({script}) if script else None)


END = at(3600)


def test_the_suspect_is_the_change_after_which_the_error_rate_rose_the_most() -> None:
    records = Records()
    records.add("svc", 0, 600, 100, 1)       # v1: 1%
    records.add("svc", 600, 1200, 100, 40)   # after v2: 40%
    records.add("svc", 1200, 1800, 100, 45)  # after a config change: 45%, barely worse
    changes = [change(1, 600, to=2), change(2, 1200, kind="overlay")]
    stats, suspect = find_suspect(changes, records, at(0), END)  # type: ignore[misc]
    assert suspect.position == 1
    assert (stats["records_before"], stats["rate_before"]) == (100, 0.01)
    assert (stats["records_after"], stats["rate_after"], stats["rise"]) == (100, 0.4, 0.39)
    assert stats["after_until"] == at(1200)


def test_changes_seconds_apart_are_told_apart_by_the_records_between_them() -> None:
    records = Records()
    records.add("svc", 0, 600, 50, 0)
    records.add("svc", 600, 601, 10, 0)       # one second of a healthy v2…
    records.add("svc", 601, 900, 50, 40)      # …then the overlay change breaks it
    changes = [change(1, 600, to=2), change(2, 601, kind="overlay")]
    stats, suspect = find_suspect(changes, records, at(0), END)  # type: ignore[misc]
    assert suspect.position == 2
    assert (stats["records_before"], stats["rate_before"], stats["rate_after"]) == (10, 0.0, 0.8)


def test_without_records_between_two_changes_the_rate_before_is_the_nearest_stretch_with_records() -> None:
    records = Records()
    records.add("svc", 0, 600, 40, 2)        # 5% before both
    records.add("svc", 602, 900, 40, 30)     # nothing between the two changes
    changes = [change(1, 600, to=2), change(2, 601, kind="overlay")]
    stats, suspect = find_suspect(changes, records, at(0), END)  # type: ignore[misc]
    assert suspect.position == 2
    assert (stats["before_since"], stats["rate_before"], stats["rate_after"]) == (at(0), 0.05, 0.75)


def test_no_change_is_suspect_when_the_error_rate_never_rose() -> None:
    records = Records()
    records.add("svc", 0, 600, 50, 10)
    records.add("svc", 600, 1200, 50, 1)
    assert find_suspect([change(1, 600, to=2)], records, at(0), END) is None


def test_a_rise_within_the_noise_tolerance_makes_no_suspect() -> None:
    records = Records()
    records.add("svc", 0, 600, 100, 10)
    records.add("svc", 600, 1200, 100, 12)   # 10% → 12%
    changes = [change(1, 600, to=2)]
    assert find_suspect(changes, records, at(0), END, noise=0.02) is None
    assert find_suspect(changes, records, at(0), END, noise=0.01)[1].position == 1  # type: ignore[index]


def test_of_two_equal_rises_the_earlier_change_is_the_suspect() -> None:
    records = Records()
    records.add("a", 0, 600, 10, 0)
    records.add("a", 600, 1200, 10, 5)
    records.add("b", 0, 900, 10, 0)
    records.add("b", 900, 1200, 10, 5)
    changes = [change(1, 600, script="a", to=2), change(2, 900, script="b", to=2)]
    assert find_suspect(changes, records, at(0), END)[1].position == 1  # type: ignore[index]


def test_a_change_to_another_script_neither_bounds_nor_dilutes_a_scripts_stretch() -> None:
    records = Records()
    records.add("a", 0, 600, 20, 0)
    records.add("a", 600, 1800, 20, 12)      # a breaks after its deploy, across b's deploy
    records.add("b", 0, 1800, 100, 0)        # b stays healthy throughout
    changes = [change(1, 600, script="a", to=2), change(2, 900, script="b", to=5)]
    stats, suspect = find_suspect(changes, records, at(0), END)  # type: ignore[misc]
    assert (suspect.position, stats["records_after"], stats["rate_after"]) == (1, 20, 0.6)


def test_a_tenant_wide_config_change_is_judged_on_every_scripts_records() -> None:
    records = Records()
    records.add("a", 0, 600, 10, 0)
    records.add("b", 0, 600, 10, 0)
    records.add("a", 600, 900, 10, 5)
    records.add("b", 600, 900, 10, 5)
    stats, suspect = find_suspect([change(1, 600, kind="env", script=None)], records, at(0), END)  # type: ignore[misc]
    assert (suspect.position, stats["records_after"], stats["rate_after"]) == (1, 20, 0.5)


def scripted(after_rollback: tuple[int, int] | None) -> tuple[Records, list[Change]]:
    records = Records()
    records.add("svc", 0, 600, 100, 2)        # 2% before the bad deploy
    records.add("svc", 600, 900, 100, 60)     # 60% after it
    if after_rollback:
        records.add("svc", 900, 1500, *after_rollback)
    return records, [change(1, 600, to=2), change(2, 900, kind="rollback", to=1, incident="INC-7")]


@pytest.mark.parametrize(("after_rollback", "recovered"), [
    ((100, 2), True),    # back to 2%
    ((100, 4), True),    # 4%: within 2 points of 2%
    ((100, 5), False),   # 5%: beyond the tolerance
    ((100, 50), False),
    (None, None),        # no records after the rollback: unknown
])
def test_the_recovery_verdict_compares_the_rate_after_the_rollback_with_the_rate_before_the_suspect(
    after_rollback: tuple[int, int] | None, recovered: bool | None
) -> None:
    records, changes = scripted(after_rollback)
    stats, suspect = find_suspect(changes, records, at(0), END)  # type: ignore[misc]
    found = find_recovery(changes, stats, suspect, records, END, 0.02, "INC-7")
    assert found is not None
    verdict, rollback = found
    assert rollback.position == 2
    assert verdict["recovered"] is recovered
    assert verdict["tolerance"] == 0.02
    assert verdict["baseline_rate"] == 0.02
    if recovered is not None:
        assert "tolerance +2.0 percentage points" in verdict["verdict"]


def test_the_rollback_tagged_with_the_incident_is_the_recovery_even_after_an_untagged_one() -> None:
    records, changes = scripted((100, 0))
    changes.insert(1, change(5, 700, kind="rollback", script="svc", to=1))
    stats, suspect = find_suspect(changes[:1], records, at(0), END)  # type: ignore[misc]
    _, rollback = find_recovery(changes, stats, suspect, records, END, 0.02, "INC-7")  # type: ignore[misc]
    assert rollback.position == 2
    _, untagged = find_recovery(changes, stats, suspect, records, END, 0.02, None)  # type: ignore[misc]
    assert untagged.position == 5


def test_a_rollback_before_the_suspect_change_is_not_its_recovery() -> None:
    records = Records()
    records.add("svc", 0, 600, 10, 0)
    records.add("svc", 600, 900, 10, 8)
    changes = [change(1, 300, kind="rollback", to=1), change(2, 600, to=2)]
    stats, suspect = find_suspect(changes, records, at(0), END)  # type: ignore[misc]
    assert suspect.position == 2
    assert find_recovery(changes, stats, suspect, records, END, 0.02) is None


# The Incident aggregate ------------------------------------------------------------


def test_an_incident_opens_with_its_title_and_closes_with_who_and_how() -> None:
    incident = Incident(org="acme", incident="INC-7", title="totals missing", started=None,
                        environment="production", scripts=["svc"], actor="alice")
    incident.close(actor="bob", resolution="rolled back")
    events = incident.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "Closed"]
    assert [type(e).TOPIC for e in events] == ["revledger:Incident.Opened", "revledger:Incident.Closed"]
    assert (incident.closed_by, incident.resolution, incident.opened_by) == ("bob", "rolled back", "alice")
    assert incident.id == Incident.create_id("acme", "INC-7") != Incident.create_id("globex", "INC-7")


def test_closing_an_incident_twice_is_refused() -> None:
    incident = Incident(org="acme", incident="INC-7", title="t", started=None,
                        environment="production", scripts=[], actor="alice")
    incident.close(actor="bob")
    with pytest.raises(RefusedError, match="already closed"):
        incident.close(actor="bob")


@pytest.mark.parametrize("bad", ["", "-INC", "INC 7", "INC/7", "x" * 64])
def test_an_incident_id_must_be_a_short_url_safe_name(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid incident ID"):
        check_incident_id(bad)


# Rendering -------------------------------------------------------------------------


def story() -> dict[str, Any]:
    promote = {"time": at(600), "kind": "promote", "position": 12, "actor": "alice", "script": "svc",
               "environment": "production", "from_version": 1, "to_version": 2, "reason": "a | b",
               "incident": None, "override": True, "gates": ["staging_first"], "keys": [], "details": {}}
    rollback = {**promote, "time": at(900), "kind": "rollback", "position": 14, "from_version": 2,
                "to_version": 1, "override": False, "gates": [], "reason": "spike", "incident": "INC-7"}
    buckets = [{"time": at(t), "kind": "bucket", "start": at(t), "end": at(t + 60), "script": "svc",
                "version": v, "count": 10, "errors": e, "error_rate": e / 10}
               for t, v, e in ((0, 1, 0), (660, 2, 6), (1200, 1, 0))]
    series = [{"start": b["start"], "count": 10, "errors": b["errors"], "error_rate": b["error_rate"]} for b in buckets]
    return {
        "incident": {"id": "INC-7", "title": "totals <missing>", "status": "closed", "environment": "production",
                     "scripts": ["svc"], "started": at(600), "opened_at": at(700), "opened_by": "alice",
                     "closed_at": at(1300), "closed_by": "bob", "resolution": "rolled back"},
        "window": {"since": at(0), "until": at(1500)}, "environment": "production", "scripts": ["svc"],
        "bucket": "1m", "bucket_seconds": 60.0, "tolerance": 0.02,
        "entries": [buckets[0], promote, buckets[1], rollback, buckets[2]],
        "suspect": {"script": "svc", "version": 2, "kind": "promote", "time": at(600), "position": 12,
                    "actor": "alice", "from_version": 1, "keys": [], "rate_before": 0.0, "records_before": 10,
                    "rate_after": 0.6, "records_after": 10, "rise": 0.6},
        "recovery": {"rollback": {k: rollback[k] for k in ("time", "position", "script", "from_version",
                                                            "to_version", "actor", "reason", "incident")},
                     "smoke_runs": [{"time": at(950), "run_id": "r1", "version": 1, "environment": "production",
                                     "status": "passed", "actor": "bob", "position": 16}],
                     "recovered": True, "verdict": "error rate after the rollback 0.0% … recovered"},
        "recovered": True,
        "lanes": [{"script": "svc", "version": 1, "since": at(0), "until": at(600), "kind": "promote", "position": 3},
                  {"script": "svc", "version": 2, "since": at(600), "until": at(900), "kind": "promote", "position": 12},
                  {"script": "svc", "version": 1, "since": at(900), "until": at(1500), "kind": "rollback", "position": 14}],
        "series": series,
    }


def test_the_markdown_timeline_is_a_postmortem_skeleton_in_time_order() -> None:
    text = render_timeline(story(), "md")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[:4] == ["Summary", "Suspect change", "Recovery", "Timeline"]
    assert {"Impact", "Root cause", "Action items"} <= set(headings)
    assert text.startswith("# Postmortem: INC-7 — totals <missing>")
    assert "promotion of svc v1 → v2 by alice" in text
    assert "**Verdict: recovered**" in text
    assert "reason: a \\| b" in text  # pipes cannot break the table
    rows = [line for line in text.splitlines() if line.startswith(f"| {at(0)[:4]}")]
    assert [r.split(" | ")[1] for r in rows] == ["bucket", "promote", "bucket", "rollback", "bucket"]


def test_the_html_timeline_is_one_self_contained_page_with_version_lanes_and_an_error_rate_line() -> None:
    page = render_timeline(story(), "html")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|<link|src=|href=|@import|url\(", page)
    assert "totals &lt;missing&gt;" in page
    svg = re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0)  # type: ignore[union-attr]
    xml.dom.minidom.parseString(svg)  # well-formed
    lanes = re.findall(r'<rect class="lane"[^>]*fill="(#[0-9a-f]{6})"', svg)
    assert len(lanes) == 3 and lanes[0] == lanes[2] != lanes[1]  # v1, v2, v1 again
    # Buckets 0, 660 and 1200 s are not adjacent: the line breaks between them.
    assert svg.count('class="error-rate"') == 3
    assert 'stroke="#c62828" stroke-dasharray' in svg  # the suspect's marker


def test_the_compliance_report_renders_rows_as_csv_with_a_header() -> None:
    row = {"time": at(0), "actor": "alice", "script": "svc", "kind": "promote", "from_version": None,
           "to_version": 1, "staged_first": True, "staged_at": at(-60), "smoke": "passed", "override": False,
           "overridden_gates": [], "incident": None, "reason": "go", "keys": [], "position": 4}
    report = {"rows": [row], "findings": [], "summary": {}}
    lines = render_compliance(report, "csv").splitlines()
    assert lines[0].split(",")[:8] == ["time", "actor", "script", "kind", "from_version", "to_version",
                                       "staged_first", "staged_at"]
    assert lines[1].split(",")[:9] == [at(0), "alice", "svc", "promote", "", "1", "true", at(-60), "passed"]
