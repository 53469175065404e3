"""A server that limits what it accepts: header size and count, and deadlines for a
request's headers and body (slow clients are disconnected, not held open forever)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer, assert_problem


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(Path(tmp_path_factory.mktemp("limits")), header_timeout=0.5, body_timeout=0.5).start()
    yield live
    live.stop()


def connect(server: LiveServer) -> socket.socket:
    url = urlsplit(server.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=20)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server ends the connection (a bounded wait: the socket's own timeout)."""
    try:
        while chunk := sock.recv(65536):
            if b"HTTP/1.1 2" in chunk:
                return False
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_too_many_headers_are_a_431_problem(strict: LiveServer) -> None:
    headers = {f"x-h{i}": "v" for i in range(150)}
    assert_problem(httpx.get(f"{strict.url}/health", headers=headers), 431)


def test_a_huge_header_is_refused_before_it_is_read(strict: LiveServer) -> None:
    # The server answers 400 or 431 and closes as soon as the limit is passed, without reading
    # the rest: the client may see that answer, or a reset while it is still sending (the
    # kernel resets a connection closed with unread bytes). Either is a refusal; a 2xx is not.
    with connect(strict) as sock:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"x" * (64 * 1024) + b"\r\n\r\n")
            answer = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return
    status = answer.split(b" ", 2)[1] if answer else b"closed without an answer"
    assert status in (b"400", b"431", b"closed without an answer"), answer[:200]


def test_a_client_that_never_finishes_its_headers_is_disconnected(strict: LiveServer) -> None:
    with connect(strict) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert closed_by_server(sock)


def test_a_silent_connection_is_disconnected(strict: LiveServer) -> None:
    with connect(strict) as sock:
        assert closed_by_server(sock)


def test_a_client_that_never_finishes_its_body_is_disconnected(strict: LiveServer) -> None:
    with connect(strict) as sock:
        sock.sendall(b"POST /v1/scripts HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                     b"Content-Type: application/json\r\n\r\n{\"name\"")
        assert closed_by_server(sock)


def test_a_normal_request_on_the_same_server_is_served(strict: LiveServer) -> None:
    assert httpx.get(f"{strict.url}/health").status_code == 200
