"""The remote client's runs, archive, policy and read-model positions (``api/routers/runs.py``)."""

from __future__ import annotations

from typing import Any

from api.client_transport import Transport
from api.client_wire import seg

#: Seconds the client waits beyond a run's own timeout for the server to answer.
RUN_GRACE = 30.0


class RemoteArchive:
    """``ledger.archive`` over HTTP: content-addressed bytes by sha256."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, digest: str) -> bytes:
        return self.client._request("GET", f"/v1/archive/{seg(digest)}", self.client.default_org).content  # type: ignore[no-any-return]


class RunsClient(Transport):
    """These methods of ``LedgerClient``, over the shared :class:`Transport`."""
    #: The organization of commands that name none (``archive get``, ``projections status``).
    default_org: str = "default"

    @property
    def archive(self) -> RemoteArchive:
        return RemoteArchive(self)

    def run(self, *, org: str, name: str, actor: str, environment: str = "production",
            version: int | str | None = None, input: Any = None,  # noqa: A002 - as Ledger.run
            with_env: bool = False, timeout: float = 300.0) -> dict[str, Any]:
        """As ``Ledger.run``: the run record, with ``output_bytes`` (fetched from the archive)."""
        body = {"version": version, "input": input, "env": with_env, "timeout": timeout}
        path = f"/v1/scripts/{seg(name)}/environments/{seg(environment)}/runs"
        outcome: dict[str, Any] = self._request("POST", path, org, json_body=body,
                                                timeout=timeout + RUN_GRACE).json()
        outcome.pop("output", None)
        digest = outcome.get("output_sha256")
        outcome["output_bytes"] = self.archive.get(digest) if digest else b""
        return outcome

    def runs(self, *, org: str, name: str) -> list[dict[str, Any]]:
        return self._get(f"/v1/scripts/{seg(name)}/runs", org)  # type: ignore[no-any-return]

    def get_run(self, *, org: str, run_id: str) -> dict[str, Any]:
        return self._get(f"/v1/runs/{seg(run_id)}", org)  # type: ignore[no-any-return]

    def get_policy(self, *, org: str) -> dict[str, Any]:
        return self._get("/v1/policy", org)  # type: ignore[no-any-return]

    def set_policy(self, *, org: str, name: str, value: str, actor: str) -> dict[str, Any]:
        return self._send("PUT", "/v1/policy", org, {"name": name, "value": value})  # type: ignore[no-any-return]

    def status(self) -> list[dict[str, Any]]:
        """Each read model's position on the server (``projections status``)."""
        return self._get("/v1/projections", self.default_org)  # type: ignore[no-any-return]
