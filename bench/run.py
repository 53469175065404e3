"""Every row of issue 11's table in one run, side by side with MLflow's model registry.

    .venv/bin/python bench/run.py            # the full sizes (50,000 moves, 1,000 versions, 1M events)
    .venv/bin/python bench/run.py --quick    # smaller sizes, shorter loads (a few minutes)

Prints a table of medians with the command behind each figure and the machine's load
(``uptime``), and writes bench/run-results.json. HTTP load (wrk, 1 thread, 16 connections,
bounded by --duration) goes to 127.0.0.1 only. MLflow runs from its own virtualenv
(--mlflow, default /tmp/mlflow-venv: ``python3 -m venv /tmp/mlflow-venv &&
/tmp/mlflow-venv/bin/pip install mlflow``) with a SQLite backend; skipped if absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

BIN = Path(sys.executable).parent
RESULTS: list[dict[str, Any]] = []


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


def record(what: str, figure: str, command: str, target: str, **raw: Any) -> None:
    row = {"what": what, "figure": figure, "target": target, "command": command, "load": load(), **raw}
    RESULTS.append(row)
    print(f"  {what}: {figure}   (target {target}; load {row['load']})", flush=True)


def median_rate(work: Any, count: int, repeats: int = 3) -> float:
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work(count)
        rates.append(count / (time.perf_counter() - t0))
    return statistics.median(rates)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


# In-process writes ------------------------------------------------------------------------


def promote_rows(work: Path, moves: int, count: int) -> None:
    from eventsourcing.domain import CanCreateTimestamp  # noqa: F401

    from ledger.application import Ledger
    from ledger.content import from_value
    from ledger.deployment import Deployment
    from projections.service import Projections

    rates = {}
    for earlier in (10, moves):
        home = work / f"promote-{earlier}"
        home.mkdir()
        ledger = Ledger(env=sqlite_env(home / "ledger.db"))
        ledger.create_script(org="acme", name="svc", actor="bench")
        for n in (1, 2):
            ledger.save_draft(org="acme", name="svc", content=from_value({"v": n}, "json"), actor="bench")
            ledger.publish(org="acme", name="svc", actor="bench")
        pointer = Deployment(org="acme", script="svc", environment="development")
        for i in range(earlier):  # the history, written straight through the aggregate
            pointer.promote(1 + i % 2, actor="ci")
            if i % 5000 == 4999:
                ledger.save(pointer)
        ledger.save(pointer)
        ledger.take_snapshot(pointer.id)  # as if saved move by move (snapshots every few moves)
        projections = Projections(ledger, home / "projections.db")
        projections.catch_up()
        state = {"v": 1 + earlier % 2}

        def promote(k: int, ledger: Any = ledger, projections: Any = projections, state: Any = state) -> None:
            for _ in range(k):
                state["v"] = 3 - state["v"]
                ledger.promote(org="acme", name="svc", version=state["v"], environment="development", actor="b")
                projections.catch_up()

        rates[earlier] = median_rate(promote, count)
        ledger.close()
    ratio = rates[moves] / rates[10]
    record("in-process promote (load, gates, save, project)",
           f"{rates[10]:,.0f}/s at 10 moves, {rates[moves]:,.0f}/s at {moves:,} (ratio {ratio:.2f})",
           f"bench/run.py: Ledger.promote + Projections.catch_up, {count} x 3, median", ">= 1,200/s, ratio >= 0.8",
           rate_10=rates[10], rate_many=rates[moves], moves=moves, ratio=ratio)


def publish_rows(work: Path, versions: int, count: int) -> None:
    from ledger.application import Ledger
    from ledger.content import from_value

    blob = "x" * (100 * 1024)
    rates = {}
    for existing in (1, versions):
        ledger = Ledger(env=sqlite_env(work / f"publish-{existing}.db"))
        ledger.create_script(org="acme", name="svc", actor="bench")
        serial = [0]

        def publish(k: int, ledger: Any = ledger, serial: Any = serial) -> None:
            for _ in range(k):
                serial[0] += 1
                content = from_value({"n": serial[0], "body": blob}, "json")
                ledger.save_draft(org="acme", name="svc", content=content, actor="bench")
                ledger.publish(org="acme", name="svc", actor="bench")

        publish(existing)
        rates[existing] = median_rate(publish, count)
        ledger.close()
    ratio = rates[versions] / rates[1]
    record("publish (draft save + publish) of 100 KiB",
           f"{rates[1]:,.1f}/s at 1 version, {rates[versions]:,.1f}/s at {versions:,} (ratio {ratio:.2f})",
           f"bench/run.py: Ledger.save_draft + Ledger.publish, {count} x 3, median", "ratio >= 0.8",
           rate_1=rates[1], rate_many=rates[versions], versions=versions, ratio=ratio)


def env_set_race(work: Path) -> None:
    home = work / "race"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLEDGER_")} | {"REVLEDGER_HOME": str(home)}
    subprocess.run([BIN / "revledger", "env", "set", "FIRST", "1"], env=env, check=True, capture_output=True)
    processes = [subprocess.Popen([BIN / "revledger", "env", "set", f"OPTION_{i}", "v"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(8)]
    codes = [p.wait(timeout=600) for p in processes]
    record("eight parallel `env set` on different keys", f"{codes.count(0)} of 8 succeed",
           "8 x `revledger env set OPTION_i v` started at once", "8 of 8", codes=codes)


# CLI ----------------------------------------------------------------------------------------


def wall(command: list[str], env: dict[str, str], repeats: int = 5) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys) of ``command``."""
    import resource

    times, cpu = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def cli_rows(work: Path, events: int) -> None:
    from history import Generator

    from ledger.application import Ledger
    from projections.service import Projections

    home = work / "cli"
    home.mkdir()
    ledger = Ledger(env=sqlite_env(home / "ledger.db"))
    Generator(ledger, 200, 7).run_until(events)
    Projections(ledger, home / "projections.db").catch_up()
    ledger.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLEDGER_")}
    env |= {"REVLEDGER_HOME": str(home), "REVLEDGER_ORG": "bench"}
    status, status_cpu = wall([str(BIN / "revledger"), "status"], env)
    help_, help_cpu = wall([str(BIN / "revledger"), "--help"], env)
    bare, bare_cpu = wall([sys.executable, "-c", "pass"], env)
    record(f"CLI `status` on a {events:,}-event store",
           f"{status * 1000:.0f} ms wall, {status_cpu * 1000:.0f} ms CPU",
           "`revledger status`, 5 runs, median", "<= 250 ms", seconds=status, cpu_seconds=status_cpu)
    record("CLI `--help`", f"{help_ * 1000:.0f} ms wall, {help_cpu * 1000:.0f} ms CPU "
           f"(bare python {bare * 1000:.0f} ms wall, {bare_cpu * 1000:.0f} ms CPU)",
           "`revledger --help`, 5 runs, median", "<= 200 ms", seconds=help_, cpu_seconds=help_cpu,
           bare_python=bare, bare_python_cpu=bare_cpu)


# Rebuild ------------------------------------------------------------------------------------


def rebuild_rows(work: Path, events: int) -> None:
    import importlib.util

    from history import Generator

    from ledger.application import Ledger

    spec = importlib.util.spec_from_file_location("bench_projections", ROOT / "bench" / "projections.py")
    assert spec is not None and spec.loader is not None
    bench_projections = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_projections)
    rebuild_in_child = bench_projections.rebuild_in_child

    path = work / "rebuild.db"
    ledger = Ledger(env=sqlite_env(path))
    generator = Generator(ledger, 2000, 1)
    figures = {}
    for size in (events // 10, events):
        generator.run_until(size)
        figures[size] = rebuild_in_child(path, work / f"rebuild-{size}-projections.db", trace=False)
    ledger.close()
    small, large = figures[events // 10], figures[events]
    rate = large["events"] / large["total_seconds"]
    memory = large["maxrss_after_mib"] / small["maxrss_after_mib"]
    record(f"full rebuild of every read model at {events:,} events",
           f"{rate:,.0f} events/s; peak RSS {large['maxrss_after_mib']} MiB vs {small['maxrss_after_mib']} MiB "
           f"at {events // 10:,} ({memory:.2f}x)",
           "bench/run.py: Projections.rebuild() in a child process (bench/projections.py)",
           ">= 60,000 events/s, RSS <= 1.3x", rate=rate, memory_ratio=memory, figures=figures)


# HTTP ---------------------------------------------------------------------------------------


@contextmanager
def server(command: list[str], env: dict[str, str], health: str) -> Any:
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
        import signal

        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wrk(url: str, seconds: int, headers: dict[str, str], script: str | None, work: Path) -> dict[str, float]:
    """wrk, 1 thread, 16 connections, for ``seconds``: requests/s and p99 latency (ms)."""
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


def serial(call: Any, count: int) -> float:
    t0 = time.perf_counter()
    for i in range(count):
        call(i)
    return count / (time.perf_counter() - t0)


def promote_lua(path_template: str, body_template: str) -> str:
    return (
        "local n = 0\n"
        "request = function()\n  n = n + 1\n"
        f"  local body = string.format('{body_template}', 1 + n % 2)\n"
        f"  return wrk.format('POST', '{path_template}', {{['Content-Type']='application/json'}}, body)\n"
        "end\n"
    )


def http_rows(work: Path, seconds: int, count: int, mlflow: Path | None) -> None:
    import httpx

    from ledger.application import Ledger
    from ledger.content import from_value

    home = work / "http"
    home.mkdir()
    ledger = Ledger(env=sqlite_env(home / "ledger.db"))
    ledger.create_script(org="acme", name="svc", actor="bench")
    for n in (1, 2):
        ledger.save_draft(org="acme", name="svc", content=from_value({"v": n}, "json"), actor="bench")
        ledger.publish(org="acme", name="svc", actor="bench")
    token = ledger.issue_token(org="acme", name="bench", role="admin", actor="bench").token
    ledger.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLEDGER_")} | {"REVLEDGER_HOME": str(home)}
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}", "x-organization-id": "acme"}
    figures: dict[str, Any] = {}
    with server([str(BIN / "revledger"), "serve", "--host", "127.0.0.1", "--port", str(port)], env, f"{base}/health"):
        promote_path = "/v1/scripts/svc/environments/development/promote"
        with httpx.Client(base_url=base, headers=headers) as client:
            figures["serial_promote"] = serial(
                lambda i: client.post(promote_path, json={"version": 1 + i % 2}).raise_for_status(), count)
        figures["promote"] = wrk(base + promote_path, seconds, headers,
                                 promote_lua(promote_path, '{"version": %d}'), work)
        for name, path in (("environments", "/v1/scripts/svc/environments"), ("status", "/v1/status"),
                           ("at", "/v1/scripts/svc/environments/development/at?time=now")):
            figures[name] = wrk(base + path, seconds, headers, None, work)
    record("HTTP promote, 1 worker, 16 connections",
           f"{figures['promote']['rps']:,.0f} req/s, p99 {figures['promote']['p99_ms']:.0f} ms, "
           f"{figures['promote']['non_2xx']} non-2xx "
           f"(serial client {figures['serial_promote']:,.0f}/s)",
           f"wrk -t1 -c16 -d{seconds}s POST {promote_path}", ">= 600 req/s, p99 < 50 ms", **figures["promote"],
           serial=figures["serial_promote"])
    for name in ("environments", "status", "at"):
        record(f"HTTP GET {name}, 1 worker, 16 connections", f"{figures[name]['rps']:,.0f} req/s",
               f"wrk -t1 -c16 -d{seconds}s GET", ">= 3,000 req/s", **figures[name])
    if mlflow is not None:
        mlflow_rows(work, seconds, count, mlflow, figures)


def mlflow_rows(work: Path, seconds: int, count: int, venv: Path, ours: dict[str, Any]) -> None:
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = work / "mlflow.db"
    command = [str(venv / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--backend-store-uri", f"sqlite:///{db}",
               "--default-artifact-root", str(work / "mlruns")]
    api = "/api/2.0/mlflow"
    with server(command, dict(os.environ), f"{base}/health"):
        with httpx.Client(base_url=base, timeout=30) as client:
            client.post(f"{api}/registered-models/create", json={"name": "svc"}).raise_for_status()
            for _ in (1, 2):
                client.post(f"{api}/model-versions/create",
                            json={"name": "svc", "source": "s3://bench/model"}).raise_for_status()
            alias = f"{api}/registered-models/alias"
            client.post(alias, json={"name": "svc", "alias": "development", "version": "1"}).raise_for_status()
            set_serial = serial(lambda i: client.post(
                alias, json={"name": "svc", "alias": "development", "version": str(1 + i % 2)}).raise_for_status(), count)
        set_load = wrk(base + alias, seconds, {}, promote_lua(
            alias, '{"name": "svc", "alias": "development", "version": "%d"}'), work)
        get_load = wrk(f"{base}{alias}?name=svc&alias=development", seconds, {}, None, work)
    record("MLflow set-alias (vs revledger promote)",
           f"{set_load['rps']:,.0f} req/s, p99 {set_load['p99_ms']:.0f} ms (serial {set_serial:,.0f}/s); "
           f"revledger/MLflow: load {ours['promote']['rps'] / set_load['rps']:.2f}x, "
           f"serial {ours['serial_promote'] / set_serial:.2f}x",
           f"wrk -t1 -c16 -d{seconds}s POST {alias} (mlflow server --workers 1, SQLite)", "comparison",
           **set_load, serial=set_serial)
    record("MLflow get-by-alias (vs revledger GET environments)",
           f"{get_load['rps']:,.0f} req/s; revledger/MLflow {ours['environments']['rps'] / get_load['rps']:.2f}x",
           f"wrk -t1 -c16 -d{seconds}s GET {alias}?name=svc&alias=development", "comparison", **get_load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter loads")
    parser.add_argument("--mlflow", type=Path, default=Path("/tmp/mlflow-venv"), help="MLflow's virtualenv")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "run-results.json")
    parser.add_argument("--rebuild-events", type=int, default=None, help="log size of the rebuild row")
    parser.add_argument("--only", default="", help="comma-separated: promote,publish,race,cli,rebuild,http")
    args = parser.parse_args()
    quick = args.quick
    sizes = {"moves": 5_000 if quick else 50_000, "versions": 100 if quick else 1_000,
             "rebuild": 100_000 if quick else 1_000_000, "count": 100 if quick else 300,
             "seconds": 5 if quick else 15, "cli_events": 10_000}
    if args.rebuild_events:
        sizes["rebuild"] = args.rebuild_events
    mlflow = args.mlflow if (args.mlflow / "bin" / "mlflow").exists() else None
    if shutil.which("wrk") is None:
        raise SystemExit("bench/run.py needs wrk: apt-get install wrk")
    only = {s for s in args.only.split(",") if s}
    work = Path(tempfile.mkdtemp(prefix="revledger-run-"))
    print(f"revledger bench ({'quick' if quick else 'full'}), load {load()}, work in {work}", flush=True)
    try:
        steps = {
            "promote": lambda: promote_rows(work, sizes["moves"], sizes["count"]),
            "publish": lambda: publish_rows(work, sizes["versions"], max(10, sizes["count"] // 5)),
            "race": lambda: env_set_race(work),
            "cli": lambda: cli_rows(work, sizes["cli_events"]),
            "http": lambda: http_rows(work, sizes["seconds"], sizes["count"], mlflow),
            "rebuild": lambda: rebuild_rows(work, sizes["rebuild"]),
        }
        for name, step in steps.items():
            if not only or name in only:
                step()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("| what | median | target | command | load (1/5/15 min) |")
    print("|---|---|---|---|---|")
    for row in RESULTS:
        print(f"| {row['what']} | {row['figure']} | {row['target']} | `{row['command']}` | {row['load']} |")
    args.results.write_text(json.dumps({"quick": quick, "sizes": sizes, "rows": RESULTS}, indent=2, default=str) + "\n")
    print(f"\nwrote {args.results}")


if __name__ == "__main__":
    main()
