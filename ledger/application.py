"""The application service: every command and query of the ledger, on an eventsourcing store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, EventSourcingError
from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLiteDatastore

from ledger.access import AccessCommands
from ledger.files import private_file
from ledger.idempotency import HoldingDatastore, IdempotencyCommands
from ledger.log_imports import LogImportCommands
from ledger.tokens import TokenDirectory
from ledger.configuration import ConfigurationCommands
from ledger.incident_commands import IncidentCommands
from ledger.policy import Policy
from ledger.runs import SmokeHistory
from ledger.safety import SafetyCommands
from ledger.smoke import RunCommands
from ledger.content import Content
from ledger.contents import ContentBlob, ContentStore
from ledger.deployment import Deployment
from ledger.immutability import protect_events
from ledger.errors import (
    AlreadyExistsError,
    ConflictError,
    DamagedStoreError,
    InvalidInputError,
    NotFoundError,
)
from ledger.retries import RacedError, retried
from ledger.unset import UNSET
from ledger.names import ENVIRONMENTS, check_environment, check_org, check_script_name, did_you_mean
from ledger.script import Script, ScriptCatalog
from ledger.variables import Overlay, TenantVariables
from ledger.views import DraftView, MoveView, ScriptView, VersionView

A = TypeVar("A", bound=Aggregate)


def _damaged(cls: type[Aggregate], aggregate_id: UUID, label: str | None, error: object) -> DamagedStoreError:
    what = label or f"{cls.__name__} {aggregate_id}"
    return DamagedStoreError(
        f"the event store is damaged: the history of {what} cannot be replayed ({error}); "
        "restore the store from a backup"
    )




class Ledger(AccessCommands, ConfigurationCommands, SafetyCommands, RunCommands, IncidentCommands,
             IdempotencyCommands, LogImportCommands, Application[UUID]):
    """Scripts, drafts, versions, environment pointers and configuration of many organizations."""

    name = "revledger"
    snapshotting_intervals = {  # noqa: RUF012 (eventsourcing declares it a ClassVar)
        # Aggregates no longer grow with their history: frequent small snapshots keep every
        # load to a handful of events.
        Script: 20,
        Deployment: 10,
        TenantVariables: 100,
        Overlay: 100,
        Policy: 100,
        SmokeHistory: 100,
        ScriptCatalog: 100,
        TokenDirectory: 100,
    }

    def __init__(self, env: Any = None, **kwargs: Any) -> None:
        super().__init__(env=env, **kwargs)
        protect_events(self.recorder)
        #: Called after every successful save (the log tree appends the new events).
        self.on_saved: list[Callable[[], None]] = []
        #: The read side's verifiable log, when the interface layer attached one.
        self.verifiable_log: Any = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        for listener in self.on_saved:
            listener()
        return recordings

    # Persistence helpers -------------------------------------------------------

    @cached_property
    def contents(self) -> ContentStore:
        return ContentStore(self)

    def construct_factory(self, env: Any) -> Any:
        """eventsourcing's factory; on SQLite its datastore can hold a transaction open
        (see :mod:`ledger.idempotency`), otherwise it behaves the same."""
        dbname = env.get("SQLITE_DBNAME")
        if dbname and env.get("PERSISTENCE_MODULE", "").startswith("eventsourcing.sqlite"):
            private_file(dbname)  # owner-only before SQLite creates it (its -wal and -shm follow)
        factory = super().construct_factory(env)
        datastore = getattr(factory, "datastore", None)
        if type(datastore) is SQLiteDatastore:
            datastore.__class__ = HoldingDatastore  # adds behaviour only, no state
        return factory

    def _get(self, cls: type[A], aggregate_id: UUID, label: str | None = None) -> A | None:
        """The aggregate, None if it never existed; a gap in its history is a DamagedStoreError."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        except EventSourcingError as error:
            raise _damaged(cls, aggregate_id, label, error) from None
        if not isinstance(aggregate, cls):
            raise _damaged(cls, aggregate_id, label, f"found a {type(aggregate).__name__} instead")
        return aggregate

    def _get_at(self, cls: type[A], aggregate_id: UUID, version: int | None) -> A | None:
        """The aggregate as it was at ``version`` (None: before it existed)."""
        if version is None:
            return None
        try:
            aggregate = self.repository.get(aggregate_id, version=version)
        except (AggregateNotFoundError, EventSourcingError) as error:
            raise _damaged(cls, aggregate_id, None, error) from None
        assert isinstance(aggregate, cls)
        return aggregate

    def _save(self, *aggregates: Aggregate | None) -> int | None:
        """Save atomically; losing a race to a concurrent writer raises RacedError, which the
        command's ``@retried`` turns into a fresh attempt (a ConflictError once they run out)."""
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise RacedError(
                "another writer changed the same record first: nothing was saved; reload and retry"
            ) from None
        return recordings[-1].notification.id if recordings else None

    def _script(self, org: str, name: str) -> Script:
        check_org(org)
        check_script_name(name)
        script = self._get(Script, Script.create_id(org, name), f"script {name!r}")
        if script is None:
            catalog = self._get(ScriptCatalog, ScriptCatalog.create_id(org))
            hint = did_you_mean(name, catalog.names if catalog else [])
            raise NotFoundError(f"unknown script {name!r}{hint}")
        return script

    def _deployment(self, org: str, name: str, environment: str) -> Deployment | None:
        return self._get(Deployment, Deployment.create_id(org, name, environment),
                         f"the {environment} pointer of {name!r}")

    def _resolve_version(self, org: str, script: Script, version: int) -> int:
        """Check a version number exists; 0 means the version production points to."""
        if version == 0:
            production = self._deployment(org, script.name, "production")
            if production is None or production.current is None:
                raise NotFoundError(
                    f"version 0 means the active (production) version, but production runs no version of {script.name!r}"
                )
            return production.current
        if not script.has_version(version):
            latest = script.latest["version"] if script.latest else None
            known = f"latest is {latest}" if latest else "it has no versions yet"
            raise NotFoundError(f"unknown version {version} of {script.name!r} ({known})")
        return version

    # Scripts -------------------------------------------------------------------

    def create_script(
        self, *, org: str, name: str, actor: str, description: str = "", tags: Iterable[str] = ()
    ) -> ScriptView:
        check_org(org)
        check_script_name(name)
        tag_list = sorted({t.strip() for t in tags if t.strip()})
        for _attempt in range(5):
            if self._get(Script, Script.create_id(org, name)) is not None:
                raise AlreadyExistsError(f"script {name!r} already exists")
            catalog = self._get(ScriptCatalog, ScriptCatalog.create_id(org)) or ScriptCatalog(org=org)
            script = Script(org=org, script=name, description=description, tags=tag_list, actor=actor)
            catalog.add(name=name)
            try:
                position = self.save(catalog, script)[-1].notification.id
            except IntegrityError:
                continue  # another script was added to the catalog meanwhile: re-check and retry
            return self._script_view(org, script, position)
        raise ConflictError("too many concurrent writers in this organization: nothing was saved")

    def get_script(self, *, org: str, name: str) -> ScriptView:
        return self._script_view(org, self._script(org, name))

    def list_scripts(self, *, org: str, tags: Iterable[str] = ()) -> list[ScriptView]:
        check_org(org)
        wanted = {t.strip() for t in tags if t.strip()}
        catalog = self._get(ScriptCatalog, ScriptCatalog.create_id(org))
        views = []
        for name in sorted(catalog.names if catalog else []):
            script = self._script(org, name)
            if wanted <= set(script.tags):
                views.append(self._script_view(org, script))
        return views

    def _script_view(self, org: str, script: Script, position: int | None = None) -> ScriptView:
        return ScriptView(
            name=script.name,
            description=script.description,
            tags=list(script.tags),
            latest_version=script.latest["version"] if script.latest else None,
            draft=script.draft_status,
            draft_base_version=script.latest["version"]
            if script.latest and script.draft_status == "modified"
            else None,
            environments=self.pointers(org=org, name=script.name),
            created_at=script.created_on,
            created_by=script.created_by,
            position=position,
        )

    # Drafts and versions -------------------------------------------------------

    @retried
    def save_draft(self, *, org: str, name: str, content: Content, actor: str) -> DraftView:
        script = self._script(org, name)
        blob = self.contents.new_blob(org, content)
        script.save_draft(content, actor=actor)
        position = self._save(blob, script)  # the script's event last: its position is returned
        assert script.draft is not None
        return DraftView(
            script=name,
            format=content.format,
            content_sha256=content.sha256,
            status=script.draft_status,
            saved_at=script.draft["saved_at"],
            actor=actor,
            position=position,
        )

    @retried
    def publish(
        self, *, org: str, name: str, actor: str, label: str | None = None, note: str | None = None
    ) -> VersionView:
        script = self._script(org, name)
        number = script.publish(actor=actor, label=label, note=note)
        position = self._save(script)
        return self._version_view(script, number, with_content=False, position=position)

    def list_versions(self, *, org: str, name: str) -> list[VersionView]:
        script = self._script(org, name)
        return [
            self._version_view(script, v["version"], with_content=False) for v in script.versions
        ]

    def get_version(
        self, *, org: str, name: str, version: int, with_content: bool = False
    ) -> VersionView:
        script = self._script(org, name)
        number = self._resolve_version(org, script, version)
        return self._version_view(script, number, with_content=with_content)

    def _version_view(
        self, script: Script, number: int, with_content: bool, position: int | None = None
    ) -> VersionView:
        v = script.get_version(number)
        assert v is not None
        return VersionView(
            script=script.name,
            version=v["version"],
            label=v["label"],
            note=v["note"],
            author=v["author"],
            published_at=v["published_at"],
            content_sha256=v["content_sha256"],
            format=v["format"],
            content=self.contents.get(script.org, script.id, v).data if with_content else None,
            position=position,
        )

    # Environments --------------------------------------------------------------

    def pointers(self, *, org: str, name: str) -> dict[str, int | None]:
        result: dict[str, int | None] = {}
        for environment in ENVIRONMENTS:
            deployment = self._deployment(org, name, environment)
            result[environment] = deployment.current if deployment else None
        return result

    @retried
    def promote(
        self,
        *,
        org: str,
        name: str,
        version: int,
        environment: str,
        actor: str,
        reason: str | None = None,
        expect_current: int | None = UNSET,
        override_gates: bool = False,
        incident: str | None = None,
    ) -> MoveView:
        """Move a pointer after the gates pass (or, with a reason, are overridden); ``incident``
        tags the move (an override during an incident, say) for the incident's timeline."""
        check_environment(environment)
        script = self._script(org, name)
        number = self._resolve_version(org, script, version)
        existing = self._deployment(org, name, environment)
        deployment = existing or Deployment(org=org, script=name, environment=environment)
        if expect_current is not UNSET:
            if expect_current == 0:  # version 0 = the version production runs
                expect_current = self._resolve_version(org, script, 0)
            deployment.check_expected(expect_current)
        previous = deployment.current
        overridden = None
        if number != previous:
            _gates, overridden = self.check_gates(
                org, script, number, environment, existing, override_gates, reason
            )
        changed = deployment.promote(
            number, actor=actor, reason=reason, incident=incident, overridden_gates=overridden
        )
        position = self._save(deployment) if changed else None
        return MoveView(
            script=name,
            environment=environment,
            kind="promote",
            version=number,
            previous_version=previous,
            changed=changed,
            actor=actor,
            reason=reason,
            incident=incident,
            overridden_gates=overridden or [],
            time=deployment.modified_on if changed else None,
            position=position,
        )

    @retried
    def rollback(
        self,
        *,
        org: str,
        name: str,
        to: int,
        actor: str,
        environment: str = "production",
        reason: str | None = None,
        incident: str | None = None,
        force: bool = False,
        expect_current: int | None = UNSET,
    ) -> MoveView:
        check_environment(environment)
        if to < 0:
            raise InvalidInputError("--to must be a version number, or 0 for the previous version")
        script = self._script(org, name)
        deployment = self._deployment(org, name, environment)
        if deployment is None:
            raise NotFoundError(f"{environment} has never run {name!r}: nothing to roll back")
        if to != 0:
            self._resolve_version(org, script, to)
        if expect_current is not UNSET:
            deployment.check_expected(expect_current)
        previous = deployment.current
        if to != 0 and to == previous:  # already there: nothing changed, as for promote
            return MoveView(
                script=name, environment=environment, kind="rollback", version=to,
                previous_version=previous, changed=False, actor=actor, reason=reason,
                incident=incident, forced=force, time=None, position=None,
            )
        target = deployment.rollback(to, actor=actor, reason=reason, incident=incident, force=force)
        position = self._save(deployment)
        return MoveView(
            script=name,
            environment=environment,
            kind="rollback",
            version=target,
            previous_version=previous,
            changed=True,
            actor=actor,
            reason=reason,
            incident=incident,
            forced=force,
            time=deployment.modified_on,
            position=position,
        )
