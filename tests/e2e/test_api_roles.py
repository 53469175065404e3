"""Roles that match the risk: over HTTP, production-scoped configuration needs a deployer, as
moving production's pointer does; in remote mode the actor is the token's name, and
``--actor`` says so instead of being silently dropped."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401
from tests.e2e.test_remote_cli import Cli, remote

PRODUCTION_WRITES = [
    ("PUT", "/v1/env/A", {"value": "1", "environment": "production"}, None),
    ("PUT", "/v1/env/API_KEY", {"value": "s", "environment": "production", "secret": True}, None),
    ("DELETE", "/v1/env/A", None, {"environment": "production"}),
    ("POST", "/v1/env/import", "A=1\n", {"environment": "production"}),
    ("PATCH", "/v1/scripts/svc/env", {"set": {"A": "2"}, "environment": "production"}, None),
]


@pytest.fixture
def clients(server: LiveServer, org: str) -> tuple[httpx.Client, httpx.Client]:
    admin = server.client(org, "admin")
    admin.post("/v1/scripts", json={"name": "svc"})
    return server.client(org, "editor"), server.client(org, "deployer")


@pytest.mark.parametrize(("method", "path", "body", "params"), PRODUCTION_WRITES,
                         ids=["set", "set secret", "delete", "import", "overlay"])
def test_an_editor_cannot_write_production_configuration_over_http(
    server: LiveServer, clients: tuple[httpx.Client, httpx.Client], method: str, path: str,
    body: object, params: dict[str, str] | None,
) -> None:
    editor, deployer = clients
    content = {"content": body.encode()} if isinstance(body, str) else {"json": body}
    if method == "DELETE":
        deployer.put("/v1/env/A", json={"value": "1", "environment": "production"})
    before = server.log_size()
    refused = editor.request(method, path, params=params, **content)
    assert "deployer" in assert_problem(refused, 403, "forbidden")["detail"]
    assert server.log_size() == before
    allowed = deployer.request(method, path, params=params, **content)
    assert allowed.status_code == 200, allowed.text


def test_an_editor_still_writes_staging_and_base_configuration(clients: tuple[httpx.Client, httpx.Client]) -> None:
    editor, _ = clients
    assert editor.put("/v1/env/A", json={"value": "1", "environment": "staging"}).status_code == 200
    assert editor.put("/v1/env/B", json={"value": "1"}).status_code == 200
    assert editor.patch("/v1/scripts/svc/env", json={"set": {"A": "2"}, "environment": "staging"}).status_code == 200


def test_remote_actor_is_the_token_name_and_actor_flag_warns(server: LiveServer, org: str, tmp_path: Path) -> None:
    cli: Cli = remote(server, org, tmp_path, role="admin")
    result = cli("script", "create", "svc", "--actor", "mallory")
    assert result.exit_code == 0, result.stderr
    assert "--actor" in result.stderr and "token" in result.stderr
    with server.client(org, "admin") as admin:
        assert admin.get("/v1/audit", params={"kind": "script"}).json()[-1]["actor"] == "ci"
