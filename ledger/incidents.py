"""The Incident aggregate: one per org and incident ID, opened and closed by events.

An incident ID is also what rollbacks (and overrides) are tagged with, so a timeline can
gather every change that named it; opening one records the title and when impact started.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInputError, RefusedError
from ledger.names import aggregate_id

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
