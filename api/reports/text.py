"""Sentences for people: one line per timeline entry, suspect, recovery and finding."""

from __future__ import annotations

from typing import Any

from projections.buckets import percent


def version(value: Any) -> str:
    return "unset" if value is None else f"v{value}"


def describe(entry: dict[str, Any]) -> str:
    """What a timeline entry says, in one line."""
    kind, script = entry["kind"], entry.get("script")
    if kind == "bucket":
        return (f"{script} {version(entry['version'])}: {entry['errors']}/{entry['count']} errors "
                f"({percent(entry['error_rate'])})")
    if kind == "promote":
        text = f"promoted {script} {version(entry['from_version'])} → {version(entry['to_version'])} in {entry['environment']}"
        if entry.get("override"):
            text += f"; gates overridden: {', '.join(entry['gates'])}"
    elif kind == "rollback":
        text = f"rolled back {script} {version(entry['from_version'])} → {version(entry['to_version'])} in {entry['environment']}"
    elif kind == "publish":
        text = f"published {script} {version(entry['to_version'])}"
    elif kind == "run":
        duration = f", {entry['duration_ms']} ms" if entry.get("duration_ms") is not None else ""
        text = f"run of {script} {version(entry.get('version'))} against {entry['environment']}: {entry.get('status')}{duration}"
    elif kind in ("env", "overlay"):
        scope = entry["environment"] or "base scope"
        owner = "tenant variables" if kind == "env" else f"overlay of {script}"
        details = entry.get("details") or {}
        verb = "deleted" if details.get("deleted") and not details.get("set") else "changed"
        text = f"{owner} ({scope}) {verb}: {', '.join(entry['keys'])}"
    elif kind == "policy":
        details = entry.get("details") or {}
        text = f"policy {', '.join(entry['keys'])}: {details.get('previous')} → {details.get('value')}"
    elif kind == "draft":
        text = f"draft of {script} saved"
    elif kind == "script":
        text = f"script {script} registered"
    elif kind == "incident_started":
        return f"incident {entry['incident']} started: {entry['title']}"
    elif kind == "incident_opened":
        return f"incident {entry['incident']} opened: {entry['title']}"
    elif kind == "incident_closed":
        resolution = f": {entry['resolution']}" if entry.get("resolution") else ""
        return f"incident {entry['incident']} closed{resolution}"
    else:
        text = kind
    if entry.get("reason"):
        text += f" — reason: {entry['reason']}"
    if entry.get("incident"):
        text += f" — incident {entry['incident']}"
    return text


def describe_suspect(suspect: dict[str, Any] | None) -> str:
    if suspect is None:
        return "No change in the window was followed by a rise in the error rate beyond the tolerance."
    what = {
        "promote": f"promotion of {suspect['script']} {version(suspect['from_version'])} → {version(suspect['version'])}",
        "rollback": f"rollback of {suspect['script']} {version(suspect['from_version'])} → {version(suspect['version'])}",
        "env": f"tenant variable change ({', '.join(suspect['keys'])})",
        "overlay": f"overlay change of {suspect['script']} ({', '.join(suspect['keys'])})",
    }.get(suspect["kind"], suspect["kind"])
    before = (f"{percent(suspect['rate_before'])} over {suspect['records_before']} records before it"
              if suspect["records_before"] else "no records before it")
    return (f"{what} by {suspect['actor']} at {suspect['time']} (position {suspect['position']}): "
            f"error rate {percent(suspect['rate_after'])} over {suspect['records_after']} records after it, "
            f"{before} (+{suspect['rise'] * 100:.1f} points)")


def describe_rollback(recovery: dict[str, Any]) -> str:
    rb = recovery["rollback"]
    text = (f"rollback of {rb['script']} {version(rb['from_version'])} → {version(rb['to_version'])} "
            f"by {rb['actor']} at {rb['time']} (position {rb['position']})")
    if rb.get("incident"):
        text += f", incident {rb['incident']}"
    if rb.get("reason"):
        text += f", reason: {rb['reason']}"
    return text


def describe_run(run: dict[str, Any]) -> str:
    return (f"run {run['run_id']} of {version(run['version'])} against {run['environment']}: "
            f"{run['status']} at {run['time']} by {run['actor']}")


def verdict_word(recovered: bool | None) -> str:
    return {True: "recovered", False: "NOT recovered", None: "unknown"}[recovered]
