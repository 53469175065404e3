"""Releases in the query answers: the fields pointer entries gain, and ``release show``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ledger.names import check_environment
from ledger.times import utc_text
from projections.releases import ReleasesView

POINTER_KINDS = ("promote", "rollback")


def release_fields(row: dict[str, Any] | None) -> dict[str, Any]:
    """``config_sha256`` and ``release`` of a release row (both None when nothing ran)."""
    return {
        "config_sha256": row["config_sha256"] if row else None,
        "release": row["release"] if row else None,
    }


def with_releases(view: ReleasesView, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pointer entries (promote, rollback) with the release each one started."""
    positions = [row["position"] for row in rows if row.get("kind") in POINTER_KINDS]
    started = view.started_at(positions) if positions else {}
    for row in rows:
        if row.get("kind") in POINTER_KINDS:
            row.update(release_fields(started.get(row["position"])))
    return rows


CONFIG_KINDS = ("env", "overlay")


def config_entries(view: ReleasesView, org: str, script: str, environment: str | None) -> list[dict[str, Any]]:
    """History entries (``kind: config``) for the releases a configuration change started: the
    same version, a new ``config_sha256``, and the release it replaced."""
    return [{
        "kind": "config", "time": row["time"], "actor": row["actor"], "version": row["version"],
        "environment": row["environment"], "previous_version": row["version"], "reason": row["reason"],
        "incident": row["incident"], "position": row["start_position"], "label": None, "note": None,
        "forced": False, "override": False, "overridden_gates": [], "quarantined": None,
        **release_fields(row),
        "previous_release": row["previous_release"], "previous_config_sha256": row["previous_config_sha256"],
    } for row in view.config_releases(org, script, environment)]


def with_config_releases(view: ReleasesView, rows: list[dict[str, Any]], environment: str | None,
                         scripts: set[str] | None = None) -> list[dict[str, Any]]:
    """Configuration entries (env, overlay) with ``releases``: the configuration-only releases
    each one started (in ``environment`` and ``scripts`` when given; ``[]`` when none)."""
    positions = [row["position"] for row in rows if row.get("kind") in CONFIG_KINDS]
    started = view.config_started_at(positions) if positions else {}
    for row in rows:
        if row.get("kind") in CONFIG_KINDS:
            row["releases"] = [
                {"script": r["script"], "environment": r["environment"], "version": r["version"],
                 **release_fields(r)}
                for r in started.get(row["position"], [])
                if (environment is None or r["environment"] == environment)
                and (scripts is None or r["script"] in scripts)
            ]
    return rows


def release_show(
    projections: Any, *, org: str, name: str, environment: str, time: datetime | None = None
) -> dict[str, Any]:
    """What ran, with what: the release of a script in an environment at ``time`` (default now),
    with its effective configuration as it was then (secrets masked). ``projections`` is the
    query service (:class:`projections.service.Projections`)."""
    check_environment(environment)
    projections.check_script(org, name)
    moment = time or datetime.now(UTC)
    instant = utc_text(moment)
    view = projections.releases.view
    row = view.at(org, name, environment, instant)
    answer: dict[str, Any] = {
        "script": name, "environment": environment, "time": instant, "release": None,
        "version": None, "label": None, "content_sha256": None, "config_sha256": None,
        "variables": None, "since": None, "until": None, "set_by": None,
    }
    if row is None:
        return answer
    config = projections.config_at(org=org, name=name, environment=environment, time=moment)
    answer.update(
        release=row["release"], version=row["version"],
        label=view.label_of(org, name, row["version"]),
        content_sha256=row["content_sha256"], config_sha256=row["config_sha256"],
        variables=config.variables, since=row["valid_from"], until=row["valid_to"],
        set_by={"kind": row["kind"], "actor": row["actor"], "time": row["time"],
                "reason": row["reason"], "incident": row["incident"], "position": row["start_position"]},
    )
    return answer
