"""Incidents: open and close them (events), and read one back. Mixed into the Ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.retries import retried
from ledger.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from ledger.incidents import Incident, check_incident_id
from ledger.names import check_environment, check_org, check_script_name
from ledger.times import utc_text

if TYPE_CHECKING:
    from ledger.application import Ledger as _Base
else:
    _Base = object


class IncidentCommands(_Base):
    """Mixed into :class:`ledger.application.Ledger`."""

    def _incident(self, org: str, incident: str) -> Incident | None:
        check_org(org)
        return self._get(Incident, Incident.create_id(org, incident))

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
            self._script(org, name)  # unknown scripts are an error, not a silent empty timeline
        if self._incident(org, incident) is not None:
            raise AlreadyExistsError(f"incident {incident} is already open (or was): pick another ID")
        record = Incident(
            org=org, incident=incident, title=title.strip(),
            started=utc_text(started) if started else None,
            environment=environment, scripts=names, actor=actor,
        )
        position = self._save(record)
        return {**self._incident_view(record), "position": position}

    @retried
    def close_incident(
        self, *, org: str, incident: str, actor: str, resolution: str | None = None
    ) -> dict[str, Any]:
        record = self._incident(org, incident)
        if record is None:
            raise NotFoundError(f"no incident {incident} was opened: open it with `revledger incident open`")
        record.close(actor=actor, resolution=resolution)
        position = self._save(record)
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
