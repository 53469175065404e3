"""What every benchmark of bench/run.py shares: the result rows, timing, servers and wrk."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: Every row recorded in this run, in order.
RESULTS: list[dict[str, Any]] = []


def load() -> str:
    """The machine's load average (1, 5, 15 minutes), as ``uptime`` prints it."""
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    return out.strip().split("load average:")[-1].strip()


def record(what: str, figure: str, command: str, target: str, **raw: Any) -> None:
    row = {"what": what, "figure": figure, "target": target, "command": command, "load": load(), **raw}
    RESULTS.append(row)
    print(f"  {what}: {figure}   (target {target}; load {row['load']})", flush=True)


def median_rate(work: Callable[[int], Any], count: int, repeats: int = 3) -> float:
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work(count)
        rates.append(count / (time.perf_counter() - t0))
    return statistics.median(rates)


def serial(call: Callable[[int], Any], count: int) -> float:
    """Calls per second of ``call(i)`` made one after another."""
    t0 = time.perf_counter()
    for i in range(count):
        call(i)
    return count / (time.perf_counter() - t0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without REVLEDGER_* settings, plus ``extra``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("REVLEDGER_")} | extra


@contextmanager
def server(command: list[str], env: dict[str, str], health: str) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own process group, wait for ``health`` to answer 200, stop it after."""
    import httpx

    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # its own process group: stopped with its workers
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{command[0]} did not start")
            time.sleep(0.5)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wrk(url: str, seconds: int, headers: dict[str, str], script: str | None, work: Path) -> dict[str, float]:
    """wrk, 1 thread, 16 connections, for ``seconds``: requests/s, p99 latency (ms), non-2xx."""
    command = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        path = work / f"wrk-{abs(hash(script))}.lua"
        path.write_text(script)
        command += ["-s", str(path)]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    p99 = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("99%"))
    non2xx = sum(int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line)
    if "Socket errors" in out:
        non2xx += sum(int(x) for x in out.split("Socket errors:")[1].splitlines()[0].replace(",", " ").split()
                      if x.isdigit())
    return {"rps": rps, "p99_ms": _ms(p99), "non_2xx": non2xx}


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def alternating_post_lua(path: str, body_template: str) -> str:
    """A wrk script POSTing ``body_template % (1 + n % 2)``: the version alternates 2, 1, 2, ..."""
    return (
        "local n = 0\n"
        "request = function()\n  n = n + 1\n"
        f"  local body = string.format('{body_template}', 1 + n % 2)\n"
        # wrk.format replaces wrk.headers (the -H flags: the token) when given a table: merge.
        "  local headers = {}\n  for name, value in pairs(wrk.headers) do headers[name] = value end\n"
        "  headers['Content-Type'] = 'application/json'\n"
        f"  return wrk.format('POST', '{path}', headers, body)\n"
        "end\n"
    )
