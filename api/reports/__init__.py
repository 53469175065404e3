"""Reports for people: postmortem skeletons and compliance reports as Markdown, HTML and CSV.

``render_timeline(story, fmt)`` and ``render_compliance(report, fmt)`` turn the read models'
answers (``projections.timelines``, ``projections.compliance``) into text; JSON is the
answers themselves.
"""

from __future__ import annotations

from typing import Any

from api.output import to_csv, to_json
from api.reports.html import compliance_html, timeline_html
from api.reports.markdown import compliance_markdown, timeline_markdown
from projections.compliance import ROW_COLUMNS

TIMELINE_FORMATS = ("md", "json", "html")
COMPLIANCE_FORMATS = ("md", "csv", "json", "html")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def render_timeline(story: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(story) + "\n"
    if fmt == "html":
        return timeline_html(story)
    return timeline_markdown(story)


def render_compliance(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(report) + "\n"
    if fmt == "csv":
        return to_csv(report["rows"], ROW_COLUMNS)
    if fmt == "html":
        return compliance_html(report)
    return compliance_markdown(report)


__all__ = [
    "COMPLIANCE_FORMATS", "MEDIA_TYPES", "TIMELINE_FORMATS", "render_compliance", "render_timeline",
]
