"""The audit trail: one row per recorded change, in log order. Secret values never appear:
config changes list the keys and, for values set, a fingerprint (8 hex digits of an HMAC under
the organization's fingerprint key; of a plain sha256 in events written before keys). Key
rotations, shreddings (kind ``keys``) and reveals over HTTP (kind ``reveal``) are rows too."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.config import fingerprint
from ledger.change_request import ChangeRequest
from ledger.deployment import Deployment
from ledger.envelope import is_sealed, parse
from ledger.incidents import Incident
from ledger.keyring import KeyRing
from ledger.log_imports import LogImport
from ledger.policy import Policy
from ledger.runs import Run
from ledger.tokens import ApiToken
from ledger.script import Script
from ledger.times import utc_text
from ledger.variables import Overlay, TenantVariables
from projections.view import TrackedView, event_time

KINDS = ("script", "draft", "publish", "promote", "rollback", "env", "overlay", "run", "policy", "token", "incident", "logs",
         "request", "keys", "reveal")
COLUMNS = (
    "position", "time", "org", "actor", "kind", "script", "environment",
    "from_version", "to_version", "keys", "reason", "incident", "override", "gates",
)
_JSON_COLUMNS = ("keys", "gates", "details")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


class AuditView(TrackedView):
    tables = ("audit", "scripts")
    indexes = {
        "audit_org": "audit (org, position)",
        "audit_script": "audit (org, script, position)",
        "audit_time": "audit (org, time)",
        "audit_incident": "audit (org, incident)",
    }

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS audit ("
            " position INTEGER PRIMARY KEY, time TEXT NOT NULL, org TEXT NOT NULL,"
            " actor TEXT NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, script TEXT,"
            " environment TEXT, from_version INTEGER, to_version INTEGER, keys TEXT,"
            " reason TEXT, incident TEXT, override INTEGER NOT NULL DEFAULT 0, gates TEXT,"
            " details TEXT)"
        )
        # Every registered script: small, so existence checks stay in the page cache.
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS scripts (org TEXT NOT NULL, script TEXT NOT NULL,"
            " position INTEGER NOT NULL, PRIMARY KEY (org, script))"
        )

    _COLUMNS = (
        "position", "time", "org", "actor", "kind", "event", "script", "environment", "from_version",
        "to_version", "keys", "reason", "incident", "override", "gates", "details",
    )
    _INSERT = f"INSERT INTO audit ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"

    def append(
        self, event: Any, position: int, kind: str, *, actor: Any = ..., script: Any = ...,
        environment: Any = ..., reason: Any = ..., incident: Any = ..., from_version: int | None = None,
        to_version: int | None = None, keys: Any = None, override: int = 0, gates: Any = None,
        details: Any = None,
    ) -> None:
        """One audit row; a field not given comes from the event's attribute of that name."""
        self.write(self._INSERT, [
            position, event_time(event), event.org,
            getattr(event, "actor", None) if actor is ... else actor, kind,
            type(event).TOPIC.split(":", 1)[-1],
            getattr(event, "script", None) if script is ... else script,
            getattr(event, "environment", None) if environment is ... else environment,
            from_version, to_version, _json(keys),
            getattr(event, "reason", None) if reason is ... else reason,
            getattr(event, "incident", None) if incident is ... else incident,
            override, _json(gates), _json(details),
        ])

    def has_script(self, org: str, script: str) -> bool:
        """Whether the script was registered: one seek in a small table (not an aggregate load)."""
        return self.db.execute(
            "SELECT 1 FROM scripts WHERE org = ? AND script = ?", [org, script]
        ).fetchone() is not None

    def org_names(self) -> list[str]:
        """Every organization with at least one event in the audit trail."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT org FROM audit ORDER BY org").fetchall()]

    def has_org(self, org: str) -> bool:
        return self.db.execute("SELECT 1 FROM audit WHERE org = ? LIMIT 1", [org]).fetchone() is not None

    def script_names(self, org: str) -> list[str]:
        """The organization's registered scripts (for "did you mean" on an unknown name)."""
        return [row[0] for row in self.db.execute(
            "SELECT script FROM scripts WHERE org = ? ORDER BY script", [org]
        ).fetchall()]

    def rows(
        self,
        org: str,
        *,
        script: str | None = None,
        environment: str | None = None,
        actor: str | None = None,
        kinds: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        incident: str | None = None,
        after: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        where, params = ["org = ?"], [org]
        for column, value in (("script", script), ("actor", actor), ("incident", incident)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if environment is not None:
            # Base-scope config changes apply to every environment.
            where.append("(environment = ? OR (environment IS NULL AND kind IN ('env', 'overlay')))")
            params.append(environment)
        if kinds:
            where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            params.extend(kinds)
        if since is not None:
            where.append("time >= ?")
            params.append(since)
        if until is not None:
            where.append("time <= ?")
            params.append(until)
        if after is not None:
            where.append("position > ?")
            params.append(after)
        sql = f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY position"
        sql += " DESC" if newest_first else ""
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        result = []
        for row in self.db.query(sql, params):
            for column in _JSON_COLUMNS:
                row[column] = json.loads(row[column]) if row[column] else None
            row["override"] = bool(row["override"])
            result.append(row)
        return result


def _fingerprints(values: dict[str, str], keyed: dict[str, str] | None) -> dict[str, str]:
    """Each value's fingerprint as its event recorded it (older events: a plain sha256)."""
    return {k: (keyed or {}).get(k) or (parse(v).fingerprint if is_sealed(v) else fingerprint(v))
            for k, v in sorted(values.items())}


def _approved(details: dict[str, Any], e: Any) -> dict[str, Any]:
    """A configuration change's details, with the change request that applied it (if one did)."""
    approval = getattr(e, "approval", None)
    return {**details, "approval": approval} if approval else details


REQUEST_TOPICS = tuple(
    getattr(ChangeRequest, name).TOPIC for name in ("Requested", "Approved", "Rejected", "Applied", "NotApplied")
)


class AuditTrail(Projection[AuditView]):
    name = "audit_trail"
    topics = (
        Script.Registered.TOPIC,
        Script.DraftSaved.TOPIC,
        Script.VersionPublished.TOPIC,
        Deployment.Promoted.TOPIC,
        Deployment.RolledBack.TOPIC,
        TenantVariables.VariablesSet.TOPIC,
        TenantVariables.VariablesDeleted.TOPIC,
        Overlay.OverlayUpdated.TOPIC,
        Run.RunStarted.TOPIC,
        Run.RunFinished.TOPIC,
        Policy.PolicyChanged.TOPIC,
        ApiToken.TokenIssued.TOPIC,
        ApiToken.TokenRevoked.TOPIC,
        Incident.Opened.TOPIC,
        Incident.Closed.TOPIC,
        LogImport.Imported.TOPIC,
        KeyRing.DataKeyAdded.TOPIC,
        KeyRing.Rewrapped.TOPIC,
        KeyRing.Shredded.TOPIC,
        KeyRing.Revealed.TOPIC,
        *REQUEST_TOPICS,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    def _record(self, event: Any, tracking: Tracking, kind: str, **fields: Any) -> None:
        self.view.insert_tracking(tracking)  # first: a re-applied position fails before any row
        self.view.append(event, tracking.notification_id, kind, **fields)

    @process_event.register
    def _(self, domain_event: Script.Registered, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "script", details={"description": e.description, "tags": e.tags})
        self.view.db.execute(
            "INSERT INTO scripts (org, script, position) VALUES (?, ?, ?)",
            [e.org, e.script, tracking.notification_id],
        )

    @process_event.register
    def _(self, domain_event: Script.DraftSaved, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "draft", details={"content_sha256": e.content_sha256, "format": e.format})

    @process_event.register
    def _(self, domain_event: Script.VersionPublished, tracking: Tracking) -> None:
        e = domain_event
        self._record(
            e, tracking, "publish",
            from_version=e.version - 1 or None, to_version=e.version,
            details={"label": e.label, "note": e.note, "content_sha256": e.content_sha256},
        )

    @process_event.register
    def _(self, domain_event: Deployment.Moved, tracking: Tracking) -> None:
        e = domain_event
        details = {"forced": True} if getattr(e, "forced", False) else None
        if e.kind == "rollback" and e.previous_version is not None:
            details = {**(details or {}), "quarantined": e.previous_version}
        overridden = getattr(e, "overridden_gates", None)
        if getattr(e, "approval", None):
            details = {**(details or {}), "approval": e.approval}
        self._record(
            e, tracking, e.kind,
            from_version=e.previous_version, to_version=e.version, details=details,
            override=1 if overridden else 0, gates=overridden or None,
        )

    @process_event.register
    def _(self, domain_event: ChangeRequest.Requested, tracking: Tracking) -> None:  # type: ignore[name-defined]
        e = domain_event
        self.view.insert_tracking(tracking)
        self.view.append(e, tracking.notification_id, "request", actor=e.requester,
                         reason=e.command.get("reason"), incident=e.command.get("incident"),
                         from_version=e.plan.get("current"), to_version=e.plan.get("target"),
                         details={"request": str(e.originator_id), "step": "requested",
                                  "operation": e.operation, "required": e.required, "role": e.role})

    @process_event.register
    def _(self, domain_event: ChangeRequest.Approved, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._request_step(domain_event, tracking, "approved")

    @process_event.register
    def _(self, domain_event: ChangeRequest.Rejected, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._request_step(domain_event, tracking, "rejected")

    @process_event.register
    def _(self, domain_event: ChangeRequest.Applied, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._request_step(domain_event, tracking, "applied", approvers=domain_event.approvers)

    @process_event.register
    def _(self, domain_event: ChangeRequest.NotApplied, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._request_step(domain_event, tracking, "not_applied", outcome=domain_event.why)

    def _request_step(self, e: Any, tracking: Tracking, step: str, **details: Any) -> None:
        self._record(e, tracking, "request", reason=getattr(e, "reason", None), incident=None,
                     details={"request": str(e.originator_id), "step": step, **details})

    @process_event.register
    def _(self, domain_event: Run.RunStarted, tracking: Tracking) -> None:
        e = domain_event
        self._record(
            e, tracking, "run", to_version=e.version,
            details={"run_id": str(e.originator_id), "status": "started", "input_sha256": e.input_sha256,
                     "with_env": e.with_env},
        )

    @process_event.register
    def _(self, domain_event: Run.RunFinished, tracking: Tracking) -> None:
        e = domain_event
        self._record(
            e, tracking, "run", to_version=e.version,
            details={"run_id": str(e.originator_id), "status": e.status, "duration_ms": e.duration_ms,
                     "output_sha256": e.output_sha256, "error": e.error},
        )

    @process_event.register
    def _(self, domain_event: Policy.PolicyChanged, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "policy", keys=[e.name],
                     details={"value": e.value, "previous": e.previous})

    @process_event.register
    def _(self, domain_event: TenantVariables.VariablesSet, tracking: Tracking) -> None:
        e = domain_event
        self._record(
            e, tracking, "env", keys=sorted(e.values),
            details=_approved({"set": _fingerprints(e.values, e.fingerprints), "source": e.source}, e),
        )

    @process_event.register
    def _(self, domain_event: TenantVariables.VariablesDeleted, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "env", keys=sorted(e.keys), details=_approved({"deleted": sorted(e.keys)}, e))

    @process_event.register
    def _(self, domain_event: Overlay.OverlayUpdated, tracking: Tracking) -> None:
        e = domain_event
        self._record(
            e, tracking, "overlay", keys=sorted({*e.set, *e.delete}),
            details=_approved({"set": _fingerprints(e.set, e.fingerprints), "deleted": sorted(e.delete)}, e),
        )

    @process_event.register
    def _(self, domain_event: ApiToken.TokenIssued, tracking: Tracking) -> None:
        e = domain_event  # never the token, nor its hash
        self._record(e, tracking, "token", details={"name": e.name, "role": e.role, "action": "issued"})

    @process_event.register
    def _(self, domain_event: ApiToken.TokenRevoked, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "token", details={"name": e.name, "role": e.role, "action": "revoked"})

    @process_event.register
    def _(self, domain_event: Incident.Opened, tracking: Tracking) -> None:
        e = domain_event  # ``started`` unset means impact started when it was opened
        self._record(e, tracking, "incident", details={
            "action": "opened", "title": e.title, "started": e.started or utc_text(e.timestamp),
            "scripts": e.scripts,
        })

    @process_event.register
    def _(self, domain_event: Incident.Closed, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "incident", details={"action": "closed", "resolution": e.resolution})

    @process_event.register
    def _(self, domain_event: LogImport.Imported, tracking: Tracking) -> None:
        e = domain_event  # the summary only: records stay in the logs read model
        self._record(e, tracking, "logs", script=e.scripts[0] if len(e.scripts) == 1 else None, details={
            "source": e.source, "imported": e.imported, "duplicates": e.duplicates, "scripts": e.scripts,
            "first": e.first, "last": e.last, "batch": e.batch,
        })

    @process_event.register
    def _(self, domain_event: KeyRing.DataKeyAdded, tracking: Tracking) -> None:
        e = domain_event  # key ids only: never a key, wrapped or not
        self._record(e, tracking, "keys", details={"action": "data key added", "key_id": e.key_id})

    @process_event.register
    def _(self, domain_event: KeyRing.Rewrapped, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "keys", details={
            "action": "rewrapped", "master_key_id": e.master_id, "key_ids": sorted(e.keys)})

    @process_event.register
    def _(self, domain_event: KeyRing.Shredded, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "keys", details={"action": "shredded", "key_ids": e.key_ids})

    @process_event.register
    def _(self, domain_event: KeyRing.Revealed, tracking: Tracking) -> None:
        e = domain_event
        self._record(e, tracking, "reveal", keys=sorted(e.keys), details={"what": e.what})
