"""Incidents: the Incident aggregate (one per org and incident ID, opened and closed by
events) and :class:`Incidents`, the commands that open, close and read them.

An incident ID is also what rollbacks (and overrides) are tagged with, so a timeline can
gather every change that named it; opening one records the title and when impact started.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.aggregates import Aggregates
from ledger.errors import AlreadyExistsError, InvalidInputError, NotFoundError, RefusedError
from ledger.names import aggregate_id, check_environment, check_org, check_script_name
from ledger.retries import retried
from ledger.times import utc_text

_INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,62}")


def check_incident_id(incident: str) -> str:
    if not _INCIDENT_ID.fullmatch(incident):
        raise InvalidInputError(
            f"invalid incident ID {incident!r}: use 1-63 of A-Z a-z 0-9 . _ : - starting with a letter or digit"
        )
    return incident


class Incident(Aggregate):
    """An incident: its title, when impact started, who opened and who closed it."""

    TOPIC = "revledger:Incident"

    class Created(Aggregate.Created):
        TOPIC = "revledger:Incident.Created"

    @staticmethod
    def create_id(org: str, incident: str) -> UUID:
        return aggregate_id(org, "incident", incident)

    @event("Opened", topic="revledger:Incident.Opened")
    def __init__(
        self,
        org: str,
        incident: str,
        title: str,
        started: str | None,
        environment: str,
        scripts: list[str],
        actor: str,
    ):
        self.org = org
        self.incident = incident
        self.title = title
        #: When impact started (UTC ISO text), if the opener said; else the opening time.
        self.started = started
        self.environment = environment
        self.scripts = scripts
        self.opened_by = actor
        self.closed_by: str | None = None
        self.resolution: str | None = None

    @event("Closed", topic="revledger:Incident.Closed")
    def _closed(self, org: str, incident: str, actor: str, resolution: str | None) -> None:
        self.closed_by = actor
        self.resolution = resolution

    def close(self, actor: str, resolution: str | None = None) -> None:
        if self.closed_by is not None:
            raise RefusedError(f"incident {self.incident} is already closed")
        self._closed(org=self.org, incident=self.incident, actor=actor, resolution=resolution)


class Incidents:
    """Opening and closing incidents, and reading one back."""

    def __init__(self, store: Aggregates) -> None:
        self.store = store

    def _incident(self, org: str, incident: str) -> Incident | None:
        check_org(org)
        return self.store.get(Incident, Incident.create_id(org, incident))

    @retried
    def open_incident(
        self,
        *,
        org: str,
        incident: str,
        title: str,
        actor: str,
        started: datetime | None = None,
        environment: str = "production",
        scripts: Iterable[str] = (),
    ) -> dict[str, Any]:
        check_org(org)
        check_incident_id(incident)
        check_environment(environment)
        if not title.strip():
            raise InvalidInputError("an incident needs a --title saying what is wrong")
        names = sorted({check_script_name(s) for s in scripts})
        for name in names:
            self.store.script(org, name)  # unknown scripts are an error, not a silent empty timeline
        if self._incident(org, incident) is not None:
            raise AlreadyExistsError(f"incident {incident} is already open (or was): pick another ID")
        record = Incident(
            org=org, incident=incident, title=title.strip(),
            started=utc_text(started) if started else None,
            environment=environment, scripts=names, actor=actor,
        )
        position = self.store.save(record)
        return {**self._incident_view(record), "position": position}

    @retried
    def close_incident(
        self, *, org: str, incident: str, actor: str, resolution: str | None = None
    ) -> dict[str, Any]:
        record = self._incident(org, incident)
        if record is None:
            raise NotFoundError(f"no incident {incident} was opened: open it with `revledger incident open`")
        record.close(actor=actor, resolution=resolution)
        position = self.store.save(record)
        return {**self._incident_view(record), "position": position}

    def get_incident(self, *, org: str, incident: str) -> dict[str, Any] | None:
        """The incident opened under this ID, or None (it may still tag rollbacks)."""
        record = self._incident(org, incident)
        return None if record is None else self._incident_view(record)

    @staticmethod
    def _incident_view(record: Incident) -> dict[str, Any]:
        opened_at = utc_text(record.created_on)
        closed = record.closed_by is not None
        return {
            "id": record.incident,
            "title": record.title,
            "status": "closed" if closed else "open",
            "environment": record.environment,
            "scripts": list(record.scripts),
            "started": record.started or opened_at,
            "opened_at": opened_at,
            "opened_by": record.opened_by,
            "closed_at": utc_text(record.modified_on) if closed else None,
            "closed_by": record.closed_by,
            "resolution": record.resolution,
        }
