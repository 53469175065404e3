"""A real uvicorn server on a free loopback port, and the tests of the server itself:
health, readiness, the OpenAPI document and the refusal to run open.

Other ``test_api_*`` modules import :class:`LiveServer` and the fixtures from here.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from api.main import create_app
from api.server import uvicorn_config
from api.services import open_ledger
from api.settings import Settings
from tests import postgres
from tests.postgres import STORES

PROBLEM_KEYS = {"type", "title", "status", "detail"}


class LiveServer:
    """``create_app`` under uvicorn in a thread, on a socket bound to port 0."""

    def __init__(self, home: Path, **settings: Any) -> None:
        self.settings = Settings(home=home, **settings)
        self._tokens: dict[tuple[str, str], str] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> LiveServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn_config(create_app(self.settings), self.settings, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=15)

    # Tokens and clients ------------------------------------------------------------

    def issue(self, org: str, role: str, name: str | None = None) -> str:
        """A new token, issued on the store directly (as ``revledger token create`` does)."""
        ledger = open_ledger(self.settings)
        try:
            return ledger.issue_token(org=org, name=name or f"{role}-{len(self._tokens)}-{time.monotonic_ns()}",
                                      role=role, actor="test-setup").token
        finally:
            ledger.close()

    def token(self, org: str, role: str) -> str:
        """One cached token per (org, role), named after the role."""
        if (org, role) not in self._tokens:
            self._tokens[org, role] = self.issue(org, role, name=role)
        return self._tokens[org, role]

    def client(self, org: str | None = None, role: str | None = None, token: str | None = None) -> httpx.Client:
        """A client with ``x-organization-id: org`` and a bearer token (of ``role`` in ``org``)."""
        headers = {}
        if org is not None:
            headers["x-organization-id"] = org
        if token is None and role is not None:
            assert org is not None
            token = self.token(org, role)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def log_size(self) -> int:
        ledger = open_ledger(self.settings)
        try:
            return ledger.recorder.max_notification_id() or 0
        finally:
            ledger.close()


def assert_problem(response: httpx.Response, status: int, type_suffix: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with ``status``: the media type, the members, and their types."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["type"], str) and body["type"]
    if type_suffix is not None:
        assert body["type"].endswith(type_suffix), body["type"]
    return body  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=STORES)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per module and store: on the SQLite file, and on a new PostgreSQL database."""
    url = postgres.databases().create() if request.param == "postgresql" else None
    live = LiveServer(tmp_path_factory.mktemp("server-home"), database_url=url).start()
    yield live
    live.stop()
    if url is not None:
        postgres.databases().drop(url)


@pytest.fixture
def org(random_name: Any) -> str:
    """A fresh organization per test, so tests never see each other's data."""
    return str(random_name("org"))


@pytest.fixture
def admin(server: LiveServer, org: str) -> Iterator[httpx.Client]:
    with server.client(org, "admin") as client:
        yield client


# The server itself ----------------------------------------------------------------


def test_health_needs_no_token_and_reports_version_and_uptime(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == "0.1.0"
    assert body["uptime_seconds"] >= 0


def wait_until_ready(url: str, timeout: float = 10) -> httpx.Response:
    """Poll /ready: the server's background catch-up applies events written elsewhere."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{url}/ready")
        caught_up = response.status_code == 200 and response.json()["projections_lag"] == 0
        if caught_up or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_ready_needs_no_token_and_catches_up_with_events_written_by_another_process(
    server: LiveServer,
) -> None:
    server.issue("ready-org", "viewer")  # written to the store behind the server's back
    response = wait_until_ready(server.url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["projections_lag"] == 0
    assert body["head"] == server.log_size()


def test_ready_is_503_while_the_read_models_lag_and_200_once_a_write_catches_them_up(
    tmp_path: Path,
) -> None:
    # No lag tolerated here (the defaults tolerate a short one: see the next test).
    live = LiveServer(tmp_path / "home", catch_up_interval=3600, ready_max_lag=0).start()
    try:
        token = live.issue("acme", "admin")  # written behind the server's back
        assert_problem(httpx.get(f"{live.url}/ready"), 503)
        assert "behind" in httpx.get(f"{live.url}/ready").json()["detail"]
        with live.client("acme", token=token) as client:
            assert client.post("/v1/scripts", json={"name": "svc"}).status_code == 201
        assert httpx.get(f"{live.url}/ready").status_code == 200
    finally:
        live.stop()


def test_ready_stays_200_under_a_short_lag_and_fails_once_it_lasts_past_the_bound(tmp_path: Path) -> None:
    live = LiveServer(tmp_path / "home", catch_up_interval=3600, ready_max_lag_seconds=0.3).start()
    try:
        live.issue("acme", "admin")  # written behind the server's back: the read models lag
        first = httpx.get(f"{live.url}/ready")
        assert first.status_code == 200, first.text
        assert first.json()["projections_lag"] >= 1
        deadline = time.monotonic() + 10
        while (late := httpx.get(f"{live.url}/ready")).status_code == 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "for" in assert_problem(late, 503)["detail"]
    finally:
        live.stop()


def test_every_route_has_a_summary_and_tags_and_documents_problems(server: LiveServer) -> None:
    document = httpx.get(f"{server.url}/openapi.json", timeout=120).json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 25
    for path, method, operation in operations:
        assert operation.get("summary"), (method, path)
        assert operation.get("tags"), (method, path)
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert list(response["content"]) == ["application/problem+json"], (method, path, status)
    assert "HTTPBearer" in document["components"]["securitySchemes"]


def test_the_interactive_docs_are_served(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_an_unknown_route_is_a_404_problem(server: LiveServer) -> None:
    assert_problem(httpx.get(f"{server.url}/v1/nothing-here"), 404)


def test_a_wrong_method_is_a_405_problem(server: LiveServer) -> None:
    assert_problem(httpx.delete(f"{server.url}/health"), 405)


def test_serve_refuses_to_run_open_and_says_how_to_create_the_first_admin_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app

    monkeypatch.setenv("REVLEDGER_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "revledger token create --org default --role admin --name admin" in result.stderr


def test_serve_refuses_to_run_when_every_token_was_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app

    monkeypatch.setenv("REVLEDGER_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(app, ["token", "create", "--role", "admin", "--name", "boss"]).exit_code == 0
    assert runner.invoke(app, ["token", "revoke", "boss"]).exit_code == 0
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "No API token exists yet" in result.stderr

