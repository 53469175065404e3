"""Markdown: a postmortem skeleton ready to paste, and the compliance report."""

from __future__ import annotations

from typing import Any

from api.reports.text import (
    describe,
    describe_rollback,
    describe_run,
    describe_suspect,
    verdict_word,
    version,
)

TODO = "_TODO_"


def cell(value: Any) -> str:
    """A table cell: pipes and newlines escaped, empty as a dash."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def timeline_markdown(story: dict[str, Any]) -> str:
    incident = story["incident"]
    window = story["window"]
    scripts = ", ".join(story["scripts"]) if story["scripts"] else "all scripts"
    lines: list[str] = []
    if incident is not None:
        title = f" — {incident['title']}" if incident.get("title") else ""
        lines += [f"# Postmortem: {incident['id']}{title}", ""]
        facts = [
            ["Status", incident["status"]],
            ["Environment", story["environment"]],
            ["Affected scripts", scripts],
            ["Impact started", incident.get("started")],
            ["Opened", f"{incident['opened_at']} by {incident['opened_by']}" if incident.get("opened_at") else None],
            ["Closed", f"{incident['closed_at']} by {incident['closed_by']}" if incident.get("closed_at") else None],
            ["Resolution", incident.get("resolution")],
        ]
    else:
        lines += [f"# Timeline: {story['environment']}, {window['since']} → {window['until']}", ""]
        facts = [["Environment", story["environment"]], ["Scripts", scripts]]
    facts.append(["Window", f"{window['since']} → {window['until']} (buckets of {story['bucket']})"])
    lines += table(["", ""], facts) + [""]
    lines += ["## Summary", "", f"{TODO}: what broke, who was affected, for how long.", ""]
    lines += ["## Suspect change", "", f"- {describe_suspect(story['suspect'])}", ""]
    lines += ["## Recovery", ""]
    recovery = story["recovery"]
    if recovery is None:
        lines += ["- No rollback after the suspect change in the window.", ""]
    else:
        lines += [f"- {describe_rollback(recovery)}"]
        if recovery["smoke_runs"]:
            lines += [f"- Smoke run after it: {describe_run(run)}" for run in recovery["smoke_runs"]]
        else:
            lines += ["- No smoke run after it."]
        lines += [f"- **Verdict: {verdict_word(recovery['recovered'])}** — {recovery['verdict']}.", ""]
    lines += ["## Timeline", "", "Times are UTC. Error-rate buckets carry the version in effect.", ""]
    lines += table(
        ["Time", "Event", "Actor", "What"],
        [[e["time"], e["kind"], e.get("actor"), describe(e)] for e in story["entries"]],
    )
    lines += [""]
    if incident is not None:
        lines += [
            "## Impact", "", f"{TODO}: users, requests or documents affected.", "",
            "## Root cause", "", f"{TODO}", "",
            "## What went well", "", f"- {TODO}", "",
            "## What went wrong", "", f"- {TODO}", "",
            "## Action items", "",
            *table(["Action", "Owner", "Due"], [[TODO, "", ""]]), "",
        ]
    return "\n".join(lines)


def compliance_markdown(report: dict[str, Any]) -> str:
    summary = report["summary"]
    lines = [f"# Compliance report: {report['environment']}, {report['since']} → {report['until']}", ""]
    lines += ["## Summary", ""]
    by_kind = ", ".join(f"{k}: {n}" for k, n in summary["by_kind"].items()) or "none"
    by_actor = ", ".join(f"{a}: {n}" for a, n in summary["by_actor"].items()) or "none"
    lines += [f"- Changes: {summary['changes']} ({by_kind})", f"- By actor: {by_actor}"]
    if report["findings"]:
        counts = ", ".join(f"{k}: {n}" for k, n in summary["findings"].items())
        lines += [f"- Findings: {len(report['findings'])} ({counts})"]
    else:
        lines += ["- Findings: none — every move went through "
                  f"{report['staged_in'] or 'its checks'} with a passed smoke run and no gate override."]
    lines += ["", "## Findings", ""]
    if report["findings"]:
        lines += table(
            ["#", "Finding", "Time", "Actor", "Script", "Detail"],
            [[i, f["kind"], f["row"]["time"], f["row"]["actor"], f["row"]["script"], f["detail"]]
             for i, f in enumerate(report["findings"], start=1)],
        )
    else:
        lines += ["None."]
    lines += ["", "## Changes", ""]
    lines += table(
        ["Time", "Actor", "Script", "Kind", "From → to", "Staged first", "Smoke", "Override", "Incident", "Reason"],
        [[r["time"], r["actor"], r["script"], r["kind"], from_to(r), staged_text(r), r["smoke"] or "none",
          override_text(r), r["incident"], r["reason"]] for r in report["rows"]],
    )
    return "\n".join(lines) + "\n"


def from_to(row: dict[str, Any]) -> str:
    if row["kind"] in ("env", "overlay"):
        return "keys: " + ", ".join(row["keys"])
    return f"{version(row['from_version'])} → {version(row['to_version'])}"


def staged_text(row: dict[str, Any]) -> str:
    if row["staged_first"] is None:
        return "-"
    return f"yes ({row['staged_at']})" if row["staged_first"] else "NO"


def override_text(row: dict[str, Any]) -> str:
    if not row["override"]:
        return "no"
    return f"YES: {', '.join(row['overridden_gates'])} by {row['actor']}"
