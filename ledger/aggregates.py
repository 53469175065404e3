"""Loading and saving the ledger's aggregates: what every group of commands shares.

The application (:class:`ledger.application.Ledger`) composes one :class:`Aggregates` over
its eventsourcing store and hands it to each command group (scripts, environments,
configuration, access, ...). A group loads what it needs through it, decides, and saves
through it; none of them knows the others' classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, EventSourcingError
from eventsourcing.persistence import IntegrityError

from ledger.contents import ContentStore
from ledger.deployment import Deployment
from ledger.errors import DamagedStoreError, NotFoundError
from ledger.names import ENVIRONMENTS, check_org, check_script_name, did_you_mean
from ledger.version_refs import labelled_version, resolve_version, version_number
from ledger.retries import RacedError
from ledger.script import Script, ScriptCatalog
from ledger.variables import Overlay, TenantVariables

A = TypeVar("A", bound=Aggregate)


def damaged(cls: type[Aggregate], aggregate_id: UUID, label: str | None, error: object) -> DamagedStoreError:
    what = label or f"{cls.__name__} {aggregate_id}"
    return DamagedStoreError(
        f"the event store is damaged: the history of {what} cannot be replayed ({error}); "
        "restore the store from a backup"
    )


class Aggregates:
    """The aggregates of one eventsourcing application, by what addresses them."""

    def __init__(self, app: Application[UUID]) -> None:
        self.app = app
        self.contents = ContentStore(app)

    @property
    def env(self) -> Mapping[str, str]:
        return self.app.env

    # Any aggregate -------------------------------------------------------------

    def get(self, cls: type[A], aggregate_id: UUID, label: str | None = None) -> A | None:
        """The aggregate, None if it never existed; a gap in its history is a DamagedStoreError."""
        try:
            aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        except EventSourcingError as error:
            raise damaged(cls, aggregate_id, label, error) from None
        if not isinstance(aggregate, cls):
            raise damaged(cls, aggregate_id, label, f"found a {type(aggregate).__name__} instead")
        return aggregate

    def check_history(self, cls: type[Aggregate], aggregate_id: UUID, label: str | None = None) -> None:
        """A DamagedStoreError when the stored history of an aggregate has a gap (an event lost
        in the middle), found without loading or replaying it: its events are numbered 1..n,
        so their count is their last number. One indexed count, for queries that answer from
        the read models but must not pass over a damaged store."""
        recorder = self.app.recorder
        table = recorder.events_table_name  # type: ignore[attr-defined]
        schema = getattr(recorder.datastore, "schema", None)  # type: ignore[attr-defined]
        if schema:  # PostgreSQL
            statement = (f'SELECT COUNT(*), MAX(originator_version) FROM "{schema}"."{table}" '
                         "WHERE originator_id = %s")
            parameters: list[Any] = [aggregate_id]
        else:
            statement = f"SELECT COUNT(*), MAX(originator_version) FROM {table} WHERE originator_id = ?"
            parameters = [aggregate_id.hex]  # as eventsourcing stores it on SQLite
        with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute(statement, parameters)
            row = cursor.fetchone()
        count, last = (row["count"], row["max"]) if isinstance(row, dict) else (row[0], row[1])
        if last is not None and count != last:
            raise damaged(cls, aggregate_id, label, f"{last - count} of its {last} events are missing")

    def get_at(self, cls: type[A], aggregate_id: UUID, version: int | None) -> A | None:
        """The aggregate as it was at ``version`` (None: before it existed)."""
        if version is None:
            return None
        try:
            aggregate = self.app.repository.get(aggregate_id, version=version)
        except (AggregateNotFoundError, EventSourcingError) as error:
            raise damaged(cls, aggregate_id, None, error) from None
        assert isinstance(aggregate, cls)
        return aggregate

    def save(self, *aggregates: Aggregate | None) -> int | None:
        """Save atomically and return the last event's position; losing a race to a concurrent
        writer raises RacedError, which the command's ``@retried`` turns into a fresh attempt
        (a ConflictError once they run out)."""
        try:
            recordings = self.app.save(*aggregates)
        except IntegrityError:
            raise RacedError(
                "another writer changed the same record first: nothing was saved; reload and retry"
            ) from None
        return recordings[-1].notification.id if recordings else None

    # By name -------------------------------------------------------------------

    def script(self, org: str, name: str) -> Script:
        """The script, or a NotFoundError naming the closest existing one."""
        check_org(org)
        check_script_name(name)
        script = self.get(Script, Script.create_id(org, name), f"script {name!r}")
        if script is None:
            catalog = self.get(ScriptCatalog, ScriptCatalog.create_id(org))
            hint = did_you_mean(name, catalog.names if catalog else [])
            raise NotFoundError(f"unknown script {name!r}{hint}")
        return script

    def deployment(self, org: str, name: str, environment: str) -> Deployment | None:
        return self.get(Deployment, Deployment.create_id(org, name, environment),
                        f"the {environment} pointer of {name!r}")

    def pointers(self, org: str, name: str) -> dict[str, int | None]:
        """The version each environment points to (None: none yet)."""
        result: dict[str, int | None] = {}
        for environment in ENVIRONMENTS:
            deployment = self.deployment(org, name, environment)
            result[environment] = deployment.current if deployment else None
        return result

    def resolve_version(self, org: str, script: Script, version: int | str) -> int:
        """A version number, or the version a label names; 0 means the version production
        points to. An unknown number or label is a NotFoundError."""
        def production() -> int | None:
            deployment = self.deployment(org, script.name, "production")
            return deployment.current if deployment else None

        return resolve_version(script.name, version, [v["label"] for v in script.versions], production)

    def version_number(self, script: Script, version: int | str) -> int:
        """A number as given (0 keeps its meaning for the caller), or the number a label names."""
        return version_number(script.name, version, [v["label"] for v in script.versions])

    @staticmethod
    def labelled_version(script: Script, label: str) -> int:
        return labelled_version(script.name, label, [v["label"] for v in script.versions])

    def tenant(self, org: str) -> TenantVariables | None:
        check_org(org)
        return self.get(TenantVariables, TenantVariables.create_id(org))

    def overlay(self, org: str, name: str) -> Overlay | None:
        return self.get(Overlay, Overlay.create_id(org, name))
