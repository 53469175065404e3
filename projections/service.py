"""The query side as one service: catch the read models up, then answer from them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.projection import Projection

from ledger.application import Ledger
from ledger.errors import InvalidInputError, NotFoundError
from ledger.names import ENVIRONMENTS, check_environment, check_org, check_script_name, did_you_mean
from ledger.times import check_window, utc_text
from ledger.variables import Overlay, TenantVariables
from ledger.access import TokenView
from ledger.script import Script
from ledger.version_refs import DIFF_VIEWS, diff, diff_side, resolve_version
from ledger.views import ConfigView, ScriptView, VersionView
from ledger.approvals import check_state
from projections.audit_trail import KINDS, AuditTrail, AuditView
from projections.change_requests import ChangeRequests, ChangeRequestsView
from projections.environment_pointers import EnvironmentPointers, PointersView
from projections.incidents import Incidents, IncidentsView
from projections.policies import Policies, PoliciesView
from projections.release_answers import config_entries, release_fields, release_show, with_releases
from projections.releases import Releases, ReleasesView
from projections.revision_timestamps import RevisionTimestamps, RevisionTimestampsView
from projections.runner import REBUILD_PAGE_SIZE, catch_up_all
from projections.runs import Runs, RunsView
from projections.scripts import Scripts, ScriptsView
from projections.tokens import Tokens, TokensView
from projections.view import TrackedView, exclusive, open_database

HISTORY_KINDS = ("publish", "promote", "rollback")


#: The shortest run-id prefix ``runs get`` accepts.
MIN_RUN_PREFIX = 6



def resolve_id(text: str, what: str, ids_starting: Callable[[str], list[str]], *, org: str) -> str:
    """The id ``text`` names: itself (36 characters), or the one id starting with it."""
    check_org(org)
    wanted = text.strip().lower()
    if len(wanted) == 36:
        return wanted
    if len(wanted) < MIN_RUN_PREFIX or not all(c in "0123456789abcdef-" for c in wanted):
        raise InvalidInputError(
            f"{text!r} is not a {what} id: give the id or at least {MIN_RUN_PREFIX} of its first characters"
        )
    matches = ids_starting(wanted)
    if not matches:
        raise NotFoundError(f"unknown {what} {text}")
    if len(matches) > 1:
        more = "…" if len(matches) > 5 else ""
        raise InvalidInputError(
            f"{what} id prefix {text!r} is ambiguous: it matches {', '.join(matches[:5])}{more}"
        )
    return matches[0]

class Projections:
    """Every read model of one ledger, in one SQLite file."""

    def __init__(self, ledger: Ledger, path: str | Path) -> None:
        self.ledger = ledger
        self.db = open_database(str(path))
        self.pointers = EnvironmentPointers(PointersView(self.db, EnvironmentPointers.name))
        self.audit_trail = AuditTrail(AuditView(self.db, AuditTrail.name))
        self.timestamps = RevisionTimestamps(RevisionTimestampsView(self.db, RevisionTimestamps.name))
        self.runs_model = Runs(RunsView(self.db, Runs.name))
        self.requests_model = ChangeRequests(ChangeRequestsView(self.db, ChangeRequests.name))
        self.releases = Releases(ReleasesView(self.db, Releases.name), ledger)
        self.incidents = Incidents(IncidentsView(self.db, Incidents.name))
        self.policies = Policies(PoliciesView(self.db, Policies.name))
        self.scripts = Scripts(ScriptsView(self.db, Scripts.name))
        self.tokens = Tokens(TokensView(self.db, Tokens.name))
        self.all: dict[str, Projection[Any]] = {
            p.name: p for p in (self.pointers, self.audit_trail, self.timestamps, self.runs_model,
                                self.requests_model, self.releases, self.incidents, self.policies,
                                self.scripts, self.tokens)
        }

    # Maintenance ---------------------------------------------------------------

    def catch_up(self, progress: Callable[[str, int], None] | None = None) -> int:
        """Bring every read model up to the head of the log (one pass for all); returns the head."""
        head = self.ledger.recorder.max_notification_id() or 0
        catch_up_all(self.ledger, list(self.all.values()), stop=head, progress=progress)
        return head

    def status(self) -> list[dict[str, Any]]:
        head = self.ledger.recorder.max_notification_id() or 0
        rows = []
        for name, projection in self.all.items():
            position = projection.view.max_tracking_id(self.ledger.name) or 0
            rows.append({"projection": name, "position": position, "head": head, "lag": head - position})
        return rows

    def lag(self) -> int:
        return max((row["lag"] for row in self.status()), default=0)

    def check_names(self, names: Sequence[str]) -> None:
        unknown = [n for n in names if n not in self.all]
        if unknown:
            raise InvalidInputError(
                f"unknown projection {', '.join(unknown)}: use one of {', '.join(self.all)}"
            )

    def rebuild(
        self, names: Sequence[str] = (), progress: Callable[[str, int], None] | None = None
    ) -> int:
        """Drop the named read models (default: all) and replay them from the start of the log."""
        self.check_names(names)
        chosen = [self.all[n] for n in (names or self.all)]
        head = self.ledger.recorder.max_notification_id() or 0
        with exclusive(self.db):
            for projection in chosen:
                projection.view.drop(indexes=False)  # built once at the end, from sorted rows
        # No fsync at each checkpoint while replaying (each page still commits atomically, so a
        # killed rebuild loses nothing it committed); one synced checkpoint at the end makes the
        # rebuilt models durable.
        self.db.execute("PRAGMA synchronous=OFF")
        try:
            catch_up_all(self.ledger, chosen, stop=head, progress=progress, page_size=REBUILD_PAGE_SIZE)
            with exclusive(self.db):
                for projection in chosen:
                    projection.view.create_indexes()
        finally:
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # syncs the log; never waits for readers
        return head

    # Queries -------------------------------------------------------------------

    def current(self, *, org: str, environment: str | None = None) -> list[dict[str, Any]]:
        check_org(org)
        if environment is not None:
            check_environment(environment)
        rows = [
            {k: row[k] for k in ("script", "environment", "version", "since", "actor", "kind",
                                 "reason", "incident", "position")}
            for row in self.pointers.view.current(org, environment)
        ]
        for row in rows:
            row.update(release_fields(self.releases.view.head(org, row["script"], row["environment"])))
        return rows

    def environments(self, *, org: str, name: str) -> dict[str, int | None]:
        """The version each environment runs (None: never moved there), like ``Ledger.pointers``."""
        self._check_script(org, name)
        return self._environments(org, name)

    def _environments(self, org: str, name: str) -> dict[str, int | None]:
        versions = self.pointers.view.versions_of(org, name)
        return {environment: versions.get(environment) for environment in ENVIRONMENTS}

    def get_script(self, *, org: str, name: str) -> ScriptView:
        """A script as ``Ledger.get_script`` shows it: an unknown name is a NotFoundError with a hint."""
        self._check_script(org, name)
        found = self.scripts.view.get(org, name, self._environments(org, name))
        if found is None:  # registered, but this read model is not there yet
            raise NotFoundError(f"unknown script {name!r}")
        self.ledger.check_script_history(org=org, name=name)  # a damaged store is not passed over
        return found

    def list_versions(self, *, org: str, name: str) -> list[VersionView]:
        """A script's versions, 1 first, as ``Ledger.list_versions`` shows them."""
        self._check_script(org, name)
        return [self._version(org, name, row, with_content=False) for row in self.scripts.view.versions(org, name)]

    def get_version(self, *, org: str, name: str, version: int | str, with_content: bool = False) -> VersionView:
        """One version by number or label (0: the version production runs), as ``Ledger.get_version``."""
        self._check_script(org, name)
        rows = self.scripts.view.versions(org, name)
        number = resolve_version(name, version, [row["label"] for row in rows],
                                 lambda: self.pointers.view.versions_of(org, name).get("production"))
        return self._version(org, name, rows[number - 1], with_content=with_content)

    def diff(self, *, org: str, name: str, old: str, new: str, view: str = "blocks") -> dict[str, Any]:
        """Two versions (numbers or labels), the draft or environments compared, as ``Ledger.diff``."""
        if view in DIFF_VIEWS:
            self._check_script(org, name)
        rows = self.scripts.view.versions(org, name)

        def side(ref: str) -> Any:
            draft = self.scripts.view.draft(org, name)
            return diff_side(
                name, ref, [row["label"] for row in rows],
                draft=lambda: None if draft is None else self._content(org, name, draft),
                running=lambda environment: self.pointers.view.versions_of(org, name).get(environment),
                content=lambda number: self._content(org, name, rows[number - 1]))

        return diff(name, old, new, view, side)

    def _content(self, org: str, name: str, entry: dict[str, Any]) -> Any:
        """A draft's or version's content: immutable, kept with the events that saved it (not
        aggregate state); ``entry`` holds its ``format``, ``content_sha256`` and ``content_at``."""
        wanted = {k: entry[k] for k in ("format", "content_sha256", "content_at")}
        return self.ledger.aggregates.contents.get(org, Script.create_id(org, name), wanted)

    def _version(self, org: str, name: str, row: dict[str, Any], *, with_content: bool) -> VersionView:
        content = self._content(org, name, row).data if with_content else None
        return VersionView(
            script=name, version=row["version"], label=row["label"], note=row["note"], author=row["author"],
            published_at=datetime.fromisoformat(row["published_at"]), content_sha256=row["content_sha256"],
            format=row["format"], content=content,
        )

    def list_scripts(self, *, org: str, tags: Sequence[str] = ()) -> list[ScriptView]:
        """The organization's scripts by name; with ``tags``, those that have all of them."""
        check_org(org)
        wanted = {t.strip() for t in tags if t.strip()}
        return [self.scripts.view.of(row, self._environments(org, row["name"]))
                for row in self.scripts.view.rows(org) if wanted <= set(json.loads(row["tags"]))]

    def release(
        self, *, org: str, name: str, environment: str, time: datetime | None = None
    ) -> dict[str, Any]:
        """``release show``: the version, effective configuration and both fingerprints at T."""
        return release_show(self, org=org, name=name, environment=environment, time=time)

    def check_script(self, org: str, name: str) -> None:
        self._check_script(org, name)

    def _check_script(self, org: str, name: str) -> None:
        check_org(org)
        check_script_name(name)
        if not self.audit_trail.view.has_script(org, name):
            hint = did_you_mean(name, self.audit_trail.view.script_names(org))
            raise NotFoundError(f"unknown script {name!r}{hint}")

    def at(self, *, org: str, name: str, environment: str, time: datetime) -> dict[str, Any]:
        check_environment(environment)
        self._check_script(org, name)  # an unknown script is an error, not "nothing"
        return self._at(org, name, environment, time)

    def snapshot(self, *, org: str, environment: str, time: datetime) -> list[dict[str, Any]]:
        check_org(org)
        check_environment(environment)
        return [
            self._at(org, name, environment, time)
            for name in self.pointers.view.scripts_in(org, environment)
        ]

    def _at(self, org: str, name: str, environment: str, time: datetime) -> dict[str, Any]:
        row = self.pointers.view.interval_at(org, name, environment, utc_text(time))
        answer: dict[str, Any] = {
            "script": name, "environment": environment, "time": utc_text(time),
            "version": None, "since": None, "until": None, "set_by": None,
            "replaced_by_position": None,
        }
        if row is not None:
            answer.update(
                version=row["version"],
                since=row["valid_from"],
                until=row["valid_to"],
                set_by={
                    "kind": row["kind"], "actor": row["actor"], "time": row["time"],
                    "reason": row["reason"], "incident": row["incident"],
                    "position": row["start_position"],
                },
                replaced_by_position=row["end_position"],
            )
        answer.update(release_fields(self.releases.view.at(org, name, environment, utc_text(time))))
        return answer

    def history(
        self, *, org: str, name: str, environment: str | None = None, releases: bool = False
    ) -> list[dict[str, Any]]:
        """Publishes and pointer moves, newest first; with ``releases`` also the configuration
        changes that started a release (kind ``config``)."""
        check_org(org)
        if environment is not None:
            check_environment(environment)
        self._check_script(org, name)
        rows = self.audit_trail.view.rows(org, script=name, kinds=HISTORY_KINDS, newest_first=True)
        entries = []
        for row in rows:
            if environment is not None and row["kind"] != "publish" and row["environment"] != environment:
                continue
            details = row["details"] or {}
            entries.append({
                "kind": row["kind"], "time": row["time"], "actor": row["actor"],
                "version": row["to_version"], "environment": row["environment"],
                "previous_version": row["from_version"], "reason": row["reason"],
                "incident": row["incident"], "position": row["position"],
                "label": details.get("label"), "note": details.get("note"),
                "forced": bool(details.get("forced")), "override": row["override"],
                "overridden_gates": row["gates"] or [], "quarantined": details.get("quarantined"),
            })
        entries = with_releases(self.releases.view, entries)
        if releases:  # configuration changes that started a release (same version, new config)
            entries += config_entries(self.releases.view, org, name, environment)
            entries.sort(key=lambda e: e["position"], reverse=True)
        return entries

    def audit(
        self,
        *,
        org: str,
        script: str | None = None,
        environment: str | None = None,
        actor: str | None = None,
        kind: Sequence[str] | str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        incident: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        check_org(org)
        if environment is not None:
            check_environment(environment)
        check_window(since, until)
        kinds = [kind] if isinstance(kind, str) else list(kind or [])
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise InvalidInputError(f"unknown kind {', '.join(bad)}: use one of {', '.join(KINDS)}")
        return with_releases(self.releases.view, self.audit_trail.view.rows(
            org, script=script, environment=environment, actor=actor, kinds=kinds,
            since=utc_text(since) if since else None, until=utc_text(until) if until else None,
            incident=incident, after=after, limit=limit,
        ))

    def runs(self, *, org: str, name: str) -> list[dict[str, Any]]:
        check_org(org)
        self._check_script(org, name)
        return self.runs_model.view.list(org, name)

    def requests(self, *, org: str, environment: str | None = None,
                 state: str | None = None) -> list[dict[str, Any]]:
        """Change requests, newest first (``state``: open, approved, applied, rejected, expired)."""
        check_org(org)
        if environment is not None:
            check_environment(environment)
        check_state(state)
        return self.requests_model.view.list(org, environment=environment, state=state,
                                             now=utc_text(datetime.now(UTC)))

    def get_run(self, *, org: str, run_id: str) -> dict[str, Any]:
        """One run, by its id or a unique prefix of it (at least 6 characters)."""
        wanted = self.resolve_run_id(org, run_id)
        try:
            UUID(wanted)
        except ValueError:
            raise InvalidInputError(f"{wanted!r} is not a run id") from None
        found = self.runs_model.view.get(org, wanted)
        if found is None:
            raise NotFoundError(f"unknown run {wanted}")
        return found

    def get_incident(self, *, org: str, incident: str) -> dict[str, Any] | None:
        """The incident opened under this ID, or None (it may still tag changes)."""
        check_org(org)
        return self.incidents.view.get(org, incident)

    def list_tokens(self, *, org: str) -> list[TokenView]:
        """The organization's active tokens by name (never a token), as ``Ledger.list_tokens``."""
        check_org(org)
        return self.tokens.view.list(org)

    def get_policy(self, *, org: str) -> dict[str, Any]:
        """The organization's gates, runner and approvals: every setting, defaults filled in."""
        check_org(org)
        return self.policies.view.settings(org)

    def resolve_run_id(self, org: str, text: str) -> str:
        return resolve_id(text, "run", lambda prefix: self.runs_model.view.ids_starting(org, prefix),
                          org=org)

    def resolve_request_id(self, org: str, text: str) -> str:
        """A change request's id from the id or a unique prefix of it (at least 6 characters)."""
        return resolve_id(text, "change request",
                          lambda prefix: self.requests_model.view.ids_starting(org, prefix), org=org)

    def config_at(
        self, *, org: str, name: str, environment: str, time: datetime, reveal: bool = False
    ) -> ConfigView:
        """The effective config of a script in an environment as it was at ``time``."""
        instant = utc_text(time)
        view = self.timestamps.view
        tenant_version = view.version_at(TenantVariables.create_id(org), instant)
        overlay_version = view.version_at(Overlay.create_id(org, name), instant)
        return self.ledger.resolve_config(
            org=org, name=name, environment=environment, reveal=reveal,
            at=time, versions=(tenant_version, overlay_version),
        )
