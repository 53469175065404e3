"""The remote client's incidents, timelines and compliance reports (``api/routers/incidents.py``,
``api/routers/reports.py``). Reports come back rendered by the server, as the CLI renders them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.client_transport import Transport
from api.client_wire import seg
from api.output import to_json


class IncidentsClient(Transport):
    """These methods of ``LedgerClient``, over the shared :class:`Transport`."""

    def open_incident(self, *, org: str, incident: str, title: str, actor: str,
                      started: datetime | None = None, environment: str = "production",
                      scripts: list[str] | None = None) -> dict[str, Any]:
        body = {"id": incident, "title": title, "environment": environment, "scripts": scripts or [],
                "started": started.isoformat() if started else None}
        return self._send("POST", "/v1/incidents", org, body)  # type: ignore[no-any-return]

    def close_incident(self, *, org: str, incident: str, actor: str,
                       resolution: str | None = None) -> dict[str, Any]:
        return self._send("POST", f"/v1/incidents/{seg(incident)}/close", org,  # type: ignore[no-any-return]
                          {"resolution": resolution})

    def get_incident(self, *, org: str, incident: str) -> dict[str, Any]:
        return self._get(f"/v1/incidents/{seg(incident)}", org)  # type: ignore[no-any-return]

    def import_logs(self, *, org: str, lines: str, source: str) -> dict[str, Any]:
        """``logs import``: the file's JSON Lines in one request (the server reads them as the
        local command does, so a malformed line is named by the same number)."""
        return self._send("POST", "/v1/logs", org, {"lines": lines, "source": source})  # type: ignore[no-any-return]

    def log_summary(self, *, org: str, name: str, environment: str, since: datetime | None,
                    until: datetime | None, bucket: str | None) -> dict[str, Any]:
        return self._get("/v1/logs/summary", org, script=name, environment=environment,  # type: ignore[no-any-return]
                         since=since.isoformat() if since else None,
                         until=until.isoformat() if until else None, bucket=bucket)

    def _report(self, path: str, org: str, fmt: str, params: dict[str, Any]) -> str:
        response = self._request("GET", path, org, params={**params, "format": fmt})
        if fmt == "json":
            return to_json(response.json()) + "\n"  # as render_timeline / render_compliance print it
        return response.text  # type: ignore[no-any-return]

    def incident_timeline(self, *, org: str, incident: str, fmt: str, **params: Any) -> str:
        return self._report(f"/v1/incidents/{seg(incident)}/timeline", org, fmt, params)

    def environment_timeline(self, *, org: str, fmt: str, **params: Any) -> str:
        return self._report("/v1/timeline", org, fmt, params)

    def compliance_report(self, *, org: str, fmt: str, **params: Any) -> str:
        return self._report("/v1/reports/compliance", org, fmt, params)
