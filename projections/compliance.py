"""The compliance report: every change to an environment in a period, with its evidence.

One row per change (promotes and rollbacks, and config changes in the environment's scope or
the base scope): time, actor, script, kind, from → to, whether the version ran in the
environment before it in the chain first (staging for production) and when, the smoke run
that vouches for it, whether gates were overridden (by whom, why), incident and reason.

Smoke evidence: for a promotion, the latest finished run of that version before it (a passed
one if any); for a rollback, the first finished run of the target version against the
environment after it (the re-run the rollback checklist asks for).

Findings: every gate override, every move without staging first, every move without a
passed smoke run; every move, and every configuration change in the environment's own scope,
applied without the approvals the policy asks for (made before ``approvals.<environment>`` was
set, say), and every rollback exempt from them. Each row names its requester and approvers (a
configuration change applied by a change request records them on its event).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.names import ENVIRONMENTS, check_environment, check_org
from ledger.times import check_window, utc_text

if TYPE_CHECKING:
    from projections.service import Projections

MOVE_KINDS = ("promote", "rollback")
CONFIG_KINDS = ("env", "overlay")
ROW_COLUMNS = (
    "time", "actor", "script", "kind", "from_version", "to_version", "staged_first", "staged_at",
    "smoke", "override", "overridden_gates", "incident", "reason", "keys", "position",
    "requester", "approvers",
)
FINDING_KINDS = ("override", "no_staging", "no_smoke", "no_approval", "exempt")


class Compliance:
    """Compliance reports over one ledger's read models."""

    def __init__(self, projections: Projections) -> None:
        self.projections = projections
        self.db = projections.db

    def report(
        self, *, org: str, since: datetime, until: datetime, environment: str = "production"
    ) -> dict[str, Any]:
        check_org(org)
        check_environment(environment)
        check_window(since, until)
        start, end = utc_text(since), utc_text(until)
        index = ENVIRONMENTS.index(environment)
        staged_in = ENVIRONMENTS[index - 1] if index > 0 else None
        rows = []
        for audit in self.projections.audit_trail.view.rows(
            org, since=start, until=end, kinds=(*MOVE_KINDS, *CONFIG_KINDS)
        ):
            if audit["kind"] in MOVE_KINDS and audit["environment"] == environment:
                rows.append(self._move(org, environment, staged_in, audit))
            elif audit["kind"] in CONFIG_KINDS and audit["environment"] in (None, environment):
                rows.append(self._config(org, environment, audit))
        findings = [f for row in rows for f in self._findings(row, staged_in)]
        return {
            "environment": environment,
            "since": start,
            "until": end,
            "staged_in": staged_in,
            "rows": rows,
            "findings": findings,
            "summary": self._summary(rows, findings),
        }

    def _move(self, org: str, environment: str, staged_in: str | None, audit: dict[str, Any]) -> dict[str, Any]:
        script, version, time = audit["script"], audit["to_version"], audit["time"]
        staged_at = None
        if staged_in is not None:
            found = self.db.execute(
                "SELECT MIN(valid_from) FROM pointer_intervals WHERE org = ? AND script = ?"
                " AND environment = ? AND version = ? AND valid_from <= ?",
                [org, script, staged_in, version, time],
            ).fetchone()
            staged_at = found[0]
        run = self._smoke(org, script, version, environment, audit)
        return {
            "time": time, "actor": audit["actor"], "script": script, "kind": audit["kind"],
            "environment": environment, "from_version": audit["from_version"], "to_version": version,
            "staged_first": None if staged_in is None else staged_at is not None,
            "staged_in": staged_in, "staged_at": staged_at,
            "smoke": run["status"] if run else None, "smoke_run": run,
            "override": audit["override"], "overridden_gates": audit["gates"] or [],
            "overridden_by": audit["actor"] if audit["override"] else None,
            "incident": audit["incident"], "reason": audit["reason"], "keys": [],
            "position": audit["position"],
            **self._approval(org, environment, audit),
        }

    def _approval(self, org: str, environment: str, audit: dict[str, Any]) -> dict[str, Any]:
        """Who asked and who approved; how many approvals the policy asked for then, and asks now."""
        approval = (audit["details"] or {}).get("approval") or {}
        return {
            "requester": approval.get("requester", audit["actor"]),
            "approvers": approval.get("approvers", []),
            "request": approval.get("request"),
            "approvals_exempt": bool(approval.get("exempt")),
            "approvals_required": self._required(org, environment, audit["position"]),
            "approvals_required_now": self._required(org, environment, None),
        }

    def _required(self, org: str, environment: str, before: int | None) -> int:
        """``approvals.<environment>`` as the policy set it before ``before`` (None: latest)."""
        sql = "SELECT details FROM audit WHERE org = ? AND kind = 'policy' AND keys = ?"
        params: list[Any] = [org, json.dumps([f"approvals.{environment}"], separators=(",", ":"))]
        if before is not None:
            sql += " AND position < ?"
            params.append(before)
        found = self.db.execute(sql + " ORDER BY position DESC LIMIT 1", params).fetchone()
        return int(json.loads(found[0])["value"] or 0) if found else 0

    def _smoke(self, org: str, script: str, version: int, environment: str, audit: dict[str, Any]) -> dict[str, Any] | None:
        """The run vouching for a move (see the module docstring), a passed one first."""
        if audit["kind"] == "promote":
            sql = ("SELECT * FROM runs WHERE org = ? AND script = ? AND version = ?"
                   " AND status IN ('passed', 'failed') AND finished_position < ?"
                   " ORDER BY status = 'passed' DESC, finished_position DESC LIMIT 1")
            params: list[Any] = [org, script, version, audit["position"]]
        else:
            sql = ("SELECT * FROM runs WHERE org = ? AND script = ? AND version = ? AND environment = ?"
                   " AND status IN ('passed', 'failed') AND started_position > ?"
                   " ORDER BY status = 'passed' DESC, finished_position LIMIT 1")
            params = [org, script, version, environment, audit["position"]]
        found = list(self.db.query(sql, params))
        if not found:
            return None
        run = found[0]
        return {"run_id": run["run_id"], "status": run["status"], "environment": run["environment"],
                "version": run["version"], "time": run["finished_at"], "actor": run["actor"]}

    def _config(self, org: str, environment: str, audit: dict[str, Any]) -> dict[str, Any]:
        approval = (audit["details"] or {}).get("approval") or {}  # applied by a change request
        scoped = audit["environment"] == environment  # (the base scope is not covered)
        return {
            "time": audit["time"], "actor": audit["actor"], "script": audit["script"],
            "kind": audit["kind"], "environment": audit["environment"],
            "from_version": None, "to_version": None, "staged_first": None, "staged_in": None,
            "staged_at": None, "smoke": None, "smoke_run": None, "override": False,
            "overridden_gates": [], "overridden_by": None, "incident": audit["incident"],
            "reason": audit["reason"], "keys": audit["keys"] or [], "position": audit["position"],
            "requester": approval.get("requester", audit["actor"]), "approvers": approval.get("approvers", []),
            "request": approval.get("request"), "approvals_exempt": False,
            "approvals_required": approval.get("required") or (
                self._required(org, environment, audit["position"]) if scoped else 0),
            "approvals_required_now": self._required(org, environment, None) if scoped else 0,
        }

    @staticmethod
    def _findings(row: dict[str, Any], staged_in: str | None) -> list[dict[str, Any]]:
        if row["kind"] not in MOVE_KINDS:
            what = f"{row['kind']} change of {', '.join(row['keys'])} in {row['environment']}"
            return [f for f in [Compliance._unapproved(row, what)] if f]
        found = []
        what = f"{row['kind']} of {row['script']} {row['from_version'] or 'unset'} → {row['to_version']}"
        if row["override"]:
            found.append({
                "kind": "override", "row": row,
                "detail": f"{what}: gates {', '.join(row['overridden_gates'])} overridden by "
                          f"{row['actor']} ({row['reason'] or 'no reason'})",
            })
        if row["staged_first"] is False:
            found.append({"kind": "no_staging", "row": row,
                          "detail": f"{what}: version {row['to_version']} never ran in {staged_in} before"})
        if row["smoke"] != "passed":
            why = "its smoke run failed" if row["smoke"] == "failed" else "no smoke run"
            found.append({"kind": "no_smoke", "row": row, "detail": f"{what}: {why}"})
        if row["approvals_exempt"]:
            found.append({"kind": "exempt", "row": row,
                          "detail": f"{what}: exempt from approvals (approvals.rollback_exempt, "
                                    f"{row['approvals_required']} required) by {row['actor']}"})
        else:
            found += [f for f in [Compliance._unapproved(row, what)] if f]
        return found

    @staticmethod
    def _unapproved(row: dict[str, Any], what: str) -> dict[str, Any] | None:
        """A change applied without the approvals the policy asks (asked then, or asks now)."""
        if row["approvers"] or not (row["approvals_required"] or row["approvals_required_now"]):
            return None
        when = "although the policy required approvals" if row["approvals_required"] else \
            f"before approvals were required (now {row['approvals_required_now']})"
        return {"kind": "no_approval", "row": row, "detail": f"{what}: applied without approvals, {when}"}

    @staticmethod
    def _summary(rows: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, Any]:
        per_kind = Counter(f["kind"] for f in findings)
        return {
            "changes": len(rows),
            "by_kind": dict(sorted(Counter(r["kind"] for r in rows).items())),
            "by_actor": dict(sorted(Counter(r["actor"] for r in rows).items())),
            "findings": {kind: per_kind.get(kind, 0) for kind in FINDING_KINDS},
            "overrides": per_kind.get("override", 0),
            "without_staging": per_kind.get("no_staging", 0),
            "without_smoke": per_kind.get("no_smoke", 0),
            "compliant": not findings,
        }
