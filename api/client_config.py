"""The remote client's configuration: tenant variables, overlays, effective configuration and
copying it between environments (``api/routers/config.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.client_transport import Transport
from api.client_wire import seg, to_view
from ledger.request_view import RequestView
from ledger.views import ConfigView, ImportView, OverlayView, VariableView


def or_request(view: type[Any], data: dict[str, Any]) -> Any:
    """The write's view, or (202, approvals needed) the change request recorded instead."""
    return to_view(RequestView, data) if "requester" in data else to_view(view, data)


class ConfigClient(Transport):
    """These methods of ``LedgerClient``, over the shared :class:`Transport`."""

    def promote_config(self, *, org: str, name: str, source: str, target: str, actor: str,
                       keys: list[str] | None = None, include_tenant: bool = False,
                       dry_run: bool = False, reason: str | None = None,
                       incident: str | None = None) -> dict[str, Any]:
        body = {"from": source, "to": target, "keys": keys, "include_tenant": include_tenant,
                "dry_run": dry_run, "reason": reason, "incident": incident}
        data = self._send("POST", f"/v1/scripts/{seg(name)}/config/promote", org, body)
        return to_view(RequestView, data) if "requester" in data else data  # type: ignore[no-any-return]

    def plan_config_restore(self, *, org: str, name: str, to: int | str,
                            environment: str = "production") -> list[dict[str, Any]]:
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/rollback"
        plan = self._send("POST", path, org, {"to": to, "dry_run": True, "with_config": True})
        return plan.get("config_promotion") or []  # type: ignore[no-any-return]

    # Tenant variables, overlays, effective config --------------------------------

    def set_variable(self, *, org: str, key: str, value: str, actor: str,
                     environment: str | None = None, secret: bool = False) -> VariableView:
        body = {"value": value, "environment": environment, "secret": secret}
        return or_request(VariableView, self._send("PUT", f"/v1/env/{seg(key)}", org, body))  # type: ignore[no-any-return]

    def get_variable(self, *, org: str, key: str, environment: str | None = None,
                     reveal: bool = False) -> VariableView:
        data = self._get(f"/v1/env/{seg(key)}", org, environment=environment, reveal=reveal or None)
        return to_view(VariableView, data)

    def list_variables(self, *, org: str, environment: str | None = None,
                       reveal: bool = False) -> list[VariableView]:
        rows = self._get("/v1/env", org, environment=environment, reveal=reveal or None)
        return [to_view(VariableView, row) for row in rows]

    def delete_variable(self, *, org: str, key: str, actor: str,
                        environment: str | None = None) -> VariableView:
        data = self._send("DELETE", f"/v1/env/{seg(key)}", org, environment=environment)
        return or_request(VariableView, data)  # type: ignore[no-any-return]

    def import_variables(self, *, org: str, text: str, actor: str,
                         environment: str | None = None, source: str = ".env",
                         base: bool = False) -> ImportView:
        params = {"environment": environment, "source": source, "base": base or None}
        response = self._request("POST", "/v1/env/import", org, params=params, content=text)
        return or_request(ImportView, response.json())  # type: ignore[no-any-return]

    def get_overlay(self, *, org: str, name: str, environment: str | None = None,
                    reveal: bool = False) -> OverlayView:
        data = self._get(f"/v1/scripts/{seg(name)}/env", org, environment=environment, reveal=reveal or None)
        return to_view(OverlayView, data)

    def update_overlay(self, *, org: str, name: str, actor: str,
                       set_: dict[str, str] | None = None, delete: list[str] | None = None,
                       environment: str | None = None) -> OverlayView:
        body = {"set": dict(set_ or {}), "delete": list(delete or []), "environment": environment}
        return or_request(OverlayView, self._send("PATCH", f"/v1/scripts/{seg(name)}/env", org, body))  # type: ignore[no-any-return]

    def resolve_config(self, *, org: str, name: str, environment: str,
                       reveal: bool = False) -> ConfigView:
        data = self._get(f"/v1/scripts/{seg(name)}/config", org, environment=environment,
                         reveal=reveal or None)
        return to_view(ConfigView, data)

    def config_at(self, *, org: str, name: str, environment: str, time: datetime,
                  reveal: bool = False) -> ConfigView:
        data = self._get(f"/v1/scripts/{seg(name)}/config", org, environment=environment,
                         at=time.isoformat(), reveal=reveal or None)
        return to_view(ConfigView, data)
