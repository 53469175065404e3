"""HTTP, one uvicorn worker, 16 connections (wrk, bounded in time, 127.0.0.1 only): promote,
and the pointer GETs (`/environments`, `/status`, `/at`); plus a serial client's promote rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common import BIN, alternating_post_lua, clean_env, free_port, record, serial, server, sqlite_env, wrk

PROMOTE = "/v1/scripts/svc/environments/development/promote"
GETS = (("environments", "/v1/scripts/svc/environments"), ("status", "/v1/status"),
        ("at", "/v1/scripts/svc/environments/development/at?time=now"))


def seeded_home(home: Path) -> str:
    """A store with one script of two versions; returns an admin token."""
    from ledger.application import Ledger
    from ledger.content import from_value

    home.mkdir()
    ledger = Ledger(env=sqlite_env(home / "ledger.db"))
    ledger.create_script(org="acme", name="svc", actor="bench")
    for n in (1, 2):
        ledger.save_draft(org="acme", name="svc", content=from_value({"v": n}, "json"), actor="bench")
        ledger.publish(org="acme", name="svc", actor="bench")
    token: str = ledger.issue_token(org="acme", name="bench", role="admin", actor="bench").token
    ledger.close()
    return token


def http_rows(work: Path, seconds: int, count: int) -> dict[str, Any]:
    """Records the rows and returns the raw figures (the MLflow rows compare against them)."""
    import httpx

    home = work / "http"
    token = seeded_home(home)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}", "x-organization-id": "acme"}
    figures: dict[str, Any] = {}
    command = [str(BIN / "revledger"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with server(command, clean_env(REVLEDGER_HOME=str(home)), f"{base}/health"):
        with httpx.Client(base_url=base, headers=headers) as client:
            figures["serial_promote"] = serial(
                lambda i: client.post(PROMOTE, json={"version": 1 + i % 2}).raise_for_status(), count)
            figures["serial_environments"] = serial(
                lambda i: client.get(GETS[0][1]).raise_for_status(), count)
        figures["promote"] = wrk(base + PROMOTE, seconds, headers,
                                 alternating_post_lua(PROMOTE, '{"version": %d}'), work)
        for name, path in GETS:
            figures[name] = wrk(base + path, seconds, headers, None, work)
    promote = figures["promote"]
    record("HTTP promote, 1 worker, 16 connections",
           f"{promote['rps']:,.0f} req/s, p99 {promote['p99_ms']:.0f} ms, {promote['non_2xx']} non-2xx "
           f"(serial client {figures['serial_promote']:,.0f}/s)",
           f"wrk -t1 -c16 -d{seconds}s POST {PROMOTE}", ">= 600 req/s, p99 < 50 ms", **promote,
           serial=figures["serial_promote"])
    for name, path in GETS:
        extra = f" (serial client {figures['serial_environments']:,.0f}/s)" if name == "environments" else ""
        record(f"HTTP GET {name}, 1 worker, 16 connections",
               f"{figures[name]['rps']:,.0f} req/s, p99 {figures[name]['p99_ms']:.0f} ms{extra}",
               f"wrk -t1 -c16 -d{seconds}s GET {path}", ">= 3,000 req/s", **figures[name])
    return figures
