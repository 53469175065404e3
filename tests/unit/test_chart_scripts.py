"""The incident chart draws one error-rate line per script when several scripts logged."""

from __future__ import annotations

import re
import xml.dom.minidom

from api.reports.html import chart_svg
from tests.unit.test_timelines import at, story


def bucket(script: str, seconds: int, count: int, errors: int) -> dict:
    return {"time": at(seconds), "kind": "bucket", "start": at(seconds), "end": at(seconds + 60),
            "script": script, "version": 1, "count": count, "errors": errors,
            "error_rate": errors / count}


def test_each_script_gets_its_own_named_error_rate_line_when_several_scripts_logged() -> None:
    told = story()
    told["entries"] = [*told["entries"], bucket("billing", 0, 10, 1), bucket("billing", 60, 10, 5)]
    svg = chart_svg(told)
    xml.dom.minidom.parseString(svg)
    lines = re.findall(r'<polyline class="script-error-rate" data-script="([^"]+)"', svg)
    assert sorted(lines) == ["billing", "svc"]
    assert re.findall(r'<text class="script-rate-label"[^>]*>([^<]+)</text>', svg) == ["billing", "svc"]


def test_a_single_script_keeps_the_one_line_of_all_its_records() -> None:
    assert "script-error-rate" not in chart_svg(story())
