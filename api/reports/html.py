"""Self-contained HTML pages (no scripts, fonts or images from elsewhere).

The timeline page draws the window as an inline SVG chart: one lane per script coloured by
the version it ran, the error rate over all records as a line, and changes as markers
(the suspect in red, the recovery rollback in green).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from api.reports.markdown import cell, from_to, override_text, staged_text
from api.reports.text import (
    describe,
    describe_rollback,
    describe_run,
    describe_suspect,
    verdict_word,
    version,
)

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f", "#bab0ac")
WIDTH, LEFT, RIGHT = 960, 140, 20
LANE, GAP, CHART = 26, 6, 180
MARKER_KINDS = ("promote", "rollback", "env", "overlay")
STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}tr.bucket td{color:#666}tr.change td{background:#fbfbf4}
.verdict-true{color:#1a7f37;font-weight:bold}.verdict-false{color:#c62828;font-weight:bold}.verdict-none{color:#666;font-weight:bold}
.finding{color:#c62828}.muted{color:#666}svg{background:#fff;border:1px solid #ddd}
"""


def _page(title: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def _table(header: list[str], rows: list[list[Any]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{classes[i]}"' if classes and classes[i] else ""
        body.append(f"<tr{css}>" + "".join(f"<td>{escape(cell(v))}</td>" for v in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def chart_svg(story: dict[str, Any]) -> str:
    """Versions as coloured lanes per script, the error rate as a line, changes as markers."""
    since, until = _seconds(story["window"]["since"]), _seconds(story["window"]["until"])
    span = max(until - since, 1e-6)
    inner = WIDTH - LEFT - RIGHT

    def at(seconds: float) -> float:
        return round(LEFT + (min(max(seconds, since), until) - since) / span * inner, 2)

    def x(text: str) -> float:
        return at(_seconds(text))

    scripts = sorted({lane["script"] for lane in story["lanes"]} | set(story["scripts"] or []))
    lanes_height = len(scripts) * (LANE + GAP)
    top = lanes_height + 20
    height = top + CHART + 48
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="versions and error rate over time" '
             'font-family="sans-serif" font-size="11">']
    versions = sorted({lane["version"] for lane in story["lanes"]})
    colour = {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(versions)}
    for row, script in enumerate(scripts):
        y = row * (LANE + GAP) + 4
        parts.append(f'<text x="{LEFT - 8}" y="{y + LANE / 2 + 4}" text-anchor="end">{escape(script)}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y}" width="{inner}" height="{LANE}" fill="#f2f2f2"/>')
        for lane in (seg for seg in story["lanes"] if seg["script"] == script):
            x0, x1 = x(lane["since"]), x(lane["until"])
            w = round(max(x1 - x0, 1), 2)
            parts.append(
                f'<rect class="lane" x="{x0}" y="{y}" width="{w}" height="{LANE}" fill="{colour[lane["version"]]}">'
                f'<title>{escape(script)} {version(lane["version"])} from {escape(lane["since"])} '
                f'to {escape(lane["until"])} ({escape(lane["kind"])})</title></rect>'
            )
            if w > 24:
                parts.append(f'<text x="{x0 + 4}" y="{y + LANE / 2 + 4}" fill="#fff">{version(lane["version"])}</text>')
    # The error-rate axis and line.
    bottom = top + CHART
    parts.append(f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#999"/>')
    for fraction in (0, 0.5, 1):
        y = bottom - fraction * CHART
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{int(fraction * 100)}%</text>')
    parts.append(f'<text x="12" y="{top + CHART / 2}" transform="rotate(-90 12 {top + CHART / 2})" '
                 'text-anchor="middle">error rate</text>')
    step = story["bucket_seconds"]
    points = []
    for point in story["series"]:
        px = at(_seconds(point["start"]) + step / 2)
        py = round(bottom - (point["error_rate"] or 0) * CHART, 2)
        points.append((px, py, point))
    runs: list[list[tuple[float, float, dict[str, Any]]]] = []
    for px, py, point in points:  # a bucket without records breaks the line
        if runs and _seconds(point["start"]) - _seconds(runs[-1][-1][2]["start"]) <= step * 1.001:
            runs[-1].append((px, py, point))
        else:
            runs.append([(px, py, point)])
    for run in runs:
        path = " ".join(f"{px},{py}" for px, py, _ in run)
        parts.append(f'<polyline class="error-rate" points="{path}" fill="none" stroke="#c62828" stroke-width="2"/>')
    # With several scripts, one error-rate line per script too, each named at its end.
    per_script = _script_series(story)
    if len(per_script) > 1:
        for index, (script, buckets) in enumerate(sorted(per_script.items())):
            stroke = SCRIPT_STROKES[index % len(SCRIPT_STROKES)]
            path = " ".join(
                f"{at(_seconds(b['start']) + step / 2)},{round(bottom - (b['error_rate'] or 0) * CHART, 2)}"
                for b in buckets
            )
            parts.append(f'<polyline class="script-error-rate" data-script="{escape(script)}" points="{path}" '
                         f'fill="none" stroke="{stroke}" stroke-width="1.5" stroke-dasharray="{2 + index * 2} 2">'
                         f'<title>{escape(script)}: error rate</title></polyline>')
            last = buckets[-1]
            lx, ly = at(_seconds(last["start"]) + step / 2), round(bottom - (last["error_rate"] or 0) * CHART, 2)
            parts.append(f'<text class="script-rate-label" x="{lx + 4}" y="{ly - 4}" fill="{stroke}">{escape(script)}</text>')
    if points:
        for px, py, point in points:
            parts.append(
                f'<circle cx="{px}" cy="{py}" r="2.5" fill="#c62828"><title>{escape(point["start"])}: '
                f'{point["errors"]}/{point["count"]} errors</title></circle>'
            )
    # Changes as markers.
    suspect = story["suspect"]["position"] if story["suspect"] else None
    recovery = story["recovery"]["rollback"]["position"] if story["recovery"] else None
    for entry in story["entries"]:
        if entry["kind"] not in MARKER_KINDS:
            continue
        px = x(entry["time"])
        stroke = "#c62828" if entry["position"] == suspect else "#1a7f37" if entry["position"] == recovery else "#555"
        parts.append(
            f'<line class="marker" x1="{px}" y1="0" x2="{px}" y2="{bottom}" stroke="{stroke}" '
            f'stroke-dasharray="4 3"><title>{escape(entry["time"])}: {escape(describe(entry))}</title></line>'
        )
    # Time axis (UTC) and legend.
    for i in range(6):
        t = since + span * i / 5
        anchor = "start" if i == 0 else "end" if i == 5 else "middle"
        parts.append(f'<text x="{at(t)}" y="{bottom + 16}" text-anchor="{anchor}" fill="#555">'
                     f'{escape(_utc_label(t, span))}</text>')
    legend = [(f'<rect x="{{x}}" y="{height - 14}" width="12" height="10" fill="{colour[v]}"/>', version(v))
              for v in versions]
    legend += [(f'<line x1="{{x}}" y1="{height - 9}" x2="{{x2}}" y2="{height - 9}" stroke="#c62828" stroke-width="2"/>', "error rate"),
               (f'<line x1="{{x}}" y1="{height - 9}" x2="{{x2}}" y2="{height - 9}" stroke="#c62828" stroke-dasharray="4 3"/>', "suspect change"),
               (f'<line x1="{{x}}" y1="{height - 9}" x2="{{x2}}" y2="{height - 9}" stroke="#1a7f37" stroke-dasharray="4 3"/>', "rollback"),
               (f'<line x1="{{x}}" y1="{height - 9}" x2="{{x2}}" y2="{height - 9}" stroke="#555" stroke-dasharray="4 3"/>', "other change")]
    lx = LEFT
    for shape, label in legend:
        parts.append(shape.format(x=lx, x2=lx + 12))
        parts.append(f'<text x="{lx + 16}" y="{height - 5}">{escape(label)}</text>')
        lx += 28 + 7 * len(label)
    parts.append("</svg>")
    return "".join(parts)


SCRIPT_STROKES = ("#6a1b9a", "#00838f", "#ef6c00", "#2e7d32", "#37474f", "#ad1457")


def _script_series(story: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each script's error rate per bucket, from the story's bucket entries (all versions)."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in story["entries"]:
        if entry["kind"] == "bucket":
            cell = cells.setdefault((entry["script"], entry["start"]),
                                    {"start": entry["start"], "count": 0, "errors": 0})
            cell["count"] += entry["count"]
            cell["errors"] += entry["errors"]
    series: dict[str, list[dict[str, Any]]] = {}
    for (script, _start), cell in sorted(cells.items()):
        rate = cell["errors"] / cell["count"] if cell["count"] else None
        series.setdefault(script, []).append({**cell, "error_rate": rate})
    return series


def _utc_label(epoch: float, span: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%m-%d %H:%M" if span > 86400 else "%H:%M:%S")


def timeline_html(story: dict[str, Any]) -> str:
    incident = story["incident"]
    window = story["window"]
    if incident is not None:
        title = f"Incident {incident['id']}" + (f" — {incident['title']}" if incident.get("title") else "")
    else:
        title = f"Timeline: {story['environment']}"
    scripts = ", ".join(story["scripts"]) if story["scripts"] else "all scripts"
    body = [f"<h1>{escape(title)}</h1>",
            f"<p class=\"muted\">{escape(story['environment'])} · {escape(scripts)} · "
            f"{escape(window['since'])} → {escape(window['until'])} (chart times UTC) · "
            f"buckets of {escape(story['bucket'])}</p>"]
    if incident is not None:
        body.append(_table(["", ""], [
            ["Status", incident["status"]], ["Impact started", incident.get("started")],
            ["Opened", f"{incident['opened_at']} by {incident['opened_by']}" if incident.get("opened_at") else None],
            ["Closed", f"{incident['closed_at']} by {incident['closed_by']}" if incident.get("closed_at") else None],
            ["Resolution", incident.get("resolution")],
        ]))
    body.append("<h2>Chart</h2>")
    body.append(chart_svg(story))
    body.append("<h2>Suspect change</h2>")
    body.append(f"<p>{escape(describe_suspect(story['suspect']))}</p>")
    body.append("<h2>Recovery</h2>")
    recovery = story["recovery"]
    if recovery is None:
        body.append("<p>No rollback after the suspect change in the window.</p>")
    else:
        items = [describe_rollback(recovery)]
        items += [f"smoke run after it: {describe_run(run)}" for run in recovery["smoke_runs"]] or ["no smoke run after it"]
        body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
        css = {True: "verdict-true", False: "verdict-false", None: "verdict-none"}[recovery["recovered"]]
        body.append(f'<p class="{css}">Verdict: {escape(verdict_word(recovery["recovered"]))} — '
                    f'{escape(recovery["verdict"])}</p>')
    body.append("<h2>Timeline</h2>")
    entries = story["entries"]
    body.append(_table(
        ["Time (UTC)", "Event", "Actor", "What"],
        [[e["time"], e["kind"], e.get("actor"), describe(e)] for e in entries],
        ["bucket" if e["kind"] == "bucket" else "change" if e["kind"] in MARKER_KINDS else "" for e in entries],
    ))
    return _page(title, body)


def compliance_html(report: dict[str, Any]) -> str:
    title = f"Compliance report: {report['environment']}"
    summary = report["summary"]
    body = [f"<h1>{escape(title)}</h1>",
            f"<p class=\"muted\">{escape(report['since'])} → {escape(report['until'])}</p>",
            "<h2>Summary</h2>",
            _table(["", ""], [
                ["Changes", summary["changes"]],
                ["By kind", ", ".join(f"{k}: {n}" for k, n in summary["by_kind"].items())],
                ["By actor", ", ".join(f"{a}: {n}" for a, n in summary["by_actor"].items())],
                ["Findings", ", ".join(f"{k}: {n}" for k, n in summary["findings"].items())],
            ]),
            "<h2>Findings</h2>"]
    if report["findings"]:
        body.append("<ul>" + "".join(
            f'<li class="finding"><b>{escape(f["kind"])}</b> {escape(f["row"]["time"])}: {escape(f["detail"])}</li>'
            for f in report["findings"]) + "</ul>")
    else:
        body.append("<p>None.</p>")
    body.append("<h2>Changes</h2>")
    body.append(_table(
        ["Time", "Actor", "Script", "Kind", "From → to", "Staged first", "Smoke", "Override", "Incident", "Reason"],
        [[r["time"], r["actor"], r["script"], r["kind"], from_to(r), staged_text(r), r["smoke"] or "none",
          override_text(r), r["incident"], r["reason"]] for r in report["rows"]],
    ))
    return _page(title, body)
