"""Benchmark: promote and GET throughput with 1, 2 and 4 API nodes on one PostgreSQL, beside
one node on the SQLite file, in one run (wrk on 127.0.0.1, each phase bounded by --seconds).

    eval "$(scripts/postgres.sh start)"          # or any server: REVLEDGER_TEST_DATABASE_URL
    python bench/nodes.py --seconds 5            # prints a table, writes bench/nodes.json
    scripts/postgres.sh stop

Each node is a `revledger serve` process with its own read models. Load: one wrk per node
(what a round-robin load balancer would spread), --connections connections each. *promote*:
every connection moves its own script's development pointer back and forth between two
versions (a real write each time; no compare-and-set conflicts between connections). *get*:
`GET /v1/scripts/{name}/history` (a read-model query). Ratios are against the SQLite node:
compare them, not the absolute figures, across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.services import open_ledger  # noqa: E402
from api.settings import Settings  # noqa: E402
from ledger.stores import init_store  # noqa: E402
from tests.e2e.test_multi_node import Node, free_port  # noqa: E402

ORG = "bench"

PROMOTE_LUA = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  prefix = args[1]
  name = prefix .. "-" .. id
  token = args[2]
end
function request()
  counter = counter + 1
  local body = '{"version": ' .. (counter % 2 + 1) .. '}'
  return wrk.format("POST", "/v1/scripts/" .. name .. "/environments/development/promote",
    {["Authorization"] = "Bearer " .. token, ["x-organization-id"] = "bench",
     ["Content-Type"] = "application/json"}, body)
end
"""

GET_LUA = """
function init(args)
  token = args[2]
  path = "/v1/scripts/" .. args[1] .. "-1/history"
end
function request()
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token,
    ["x-organization-id"] = "bench"})
end
"""


class SqliteNode(Node):
    def __init__(self, home: Path) -> None:  # the same process, on the SQLite file
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "REVLEDGER_DATABASE_URL"}
        env["REVLEDGER_HOME"] = str(home)
        self.log = open(home.parent / f"{home.name}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )


def seed(settings: Settings, prefixes: list[str], scripts: int) -> str:
    ledger = open_ledger(settings)
    try:
        token = ledger.issue_token(org=ORG, name="bench", role="admin", actor="bench").token
        from ledger.content import from_value

        for prefix in prefixes:
            for i in range(1, scripts + 1):
                name = f"{prefix}-{i}"
                ledger.create_script(org=ORG, name=name, actor="bench")
                for v in (1, 2):
                    ledger.save_draft(org=ORG, name=name, content=from_value({"v": v}, "json"), actor="bench")
                    ledger.publish(org=ORG, name=name, actor="bench")
                ledger.promote(org=ORG, name=name, version=1, environment="development", actor="bench")
        return token
    finally:
        ledger.close()


def wrk(url: str, script: Path, prefix: str, token: str, seconds: float, connections: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{max(1, int(seconds))}s", "--latency",
         "-s", str(script), url, "--", prefix, token],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def parse(output: str) -> dict[str, float]:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0,
    }


def phase(nodes: list[Node], lua: Path, prefixes: list[str], token: str, seconds: float,
          connections: int) -> dict[str, float]:
    runs = [wrk(node.url, lua, prefixes[i], token, seconds, connections) for i, node in enumerate(nodes)]
    outputs = [run.communicate(timeout=seconds + 60)[0] for run in runs]
    results = [parse(output) for output in outputs]
    for output, result in zip(outputs, results, strict=True):
        if not result["requests"]:
            print(output, file=sys.stderr)
    return {
        "rps": round(sum(r["rps"] for r in results), 1),
        "requests": sum(r["requests"] for r in results),
        "non_2xx": sum(r["non_2xx"] for r in results),
        "p99_ms_worst": max(r["p99_ms"] for r in results),
    }


def measure(nodes: list[Node], prefixes: list[str], token: str, args: argparse.Namespace,
            scripts_dir: Path) -> dict[str, dict[str, float]]:
    for node in nodes:
        node.wait_started()
    promote = phase(nodes, scripts_dir / "promote.lua", prefixes, token, args.seconds, args.connections)
    get = phase(nodes, scripts_dir / "get.lua", prefixes, token, args.seconds, args.connections)
    return {"promote": promote, "get": get}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="each wrk phase (default 5)")
    parser.add_argument("--connections", type=int, default=4, help="per node (default 4)")
    parser.add_argument("--nodes", default="1,2,4", help="PostgreSQL node counts (default 1,2,4)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("nodes.json")))
    args = parser.parse_args()
    server = os.environ.get("REVLEDGER_TEST_DATABASE_URL")
    if not server or not shutil.which("wrk"):
        sys.exit("needs REVLEDGER_TEST_DATABASE_URL (scripts/postgres.sh start) and wrk (apt-get install wrk)")
    counts = [int(n) for n in args.nodes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="revledger-bench-"))
    (tmp / "promote.lua").write_text(PROMOTE_LUA)
    (tmp / "get.lua").write_text(GET_LUA)
    results: dict[str, object] = {"seconds": args.seconds, "connections_per_node": args.connections,
                                  "cpus": os.cpu_count()}
    admin = psycopg.connect(server, autocommit=True)
    try:
        # One SQLite node.
        home = tmp / "sqlite"
        prefixes = [f"n{i}" for i in range(max(counts))]
        token = seed(Settings(home=home), prefixes[:1], args.connections)
        node = SqliteNode(home)
        try:
            results["sqlite_1"] = measure([node], prefixes[:1], token, args, tmp)
        finally:
            node.stop()
        # 1, 2, 4 nodes on one PostgreSQL database each run.
        for count in counts:
            name = f"revledger_bench_{secrets.token_hex(4)}"
            admin.execute(f'CREATE DATABASE "{name}"')
            url = server.rsplit("/", 1)[0] + f"/{name}"
            try:
                settings = Settings(home=tmp / f"pg{count}-admin", database_url=url)
                init_store(settings.eventsourcing_env(create_table=True))
                token = seed(settings, prefixes[:count], args.connections)
                nodes = [Node(tmp / f"pg{count}-node{i}", url) for i in range(count)]
                try:
                    results[f"postgresql_{count}"] = measure(nodes, prefixes[:count], token, args, tmp)
                finally:
                    for n in nodes:
                        n.stop()
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
        shutil.rmtree(tmp, ignore_errors=True)
    base = results["sqlite_1"]
    print(f"{'setup':<14} {'promote/s':>10} {'ratio':>6} {'non2xx':>7} {'GET/s':>9} {'ratio':>6}")
    for key, value in results.items():
        if not isinstance(value, dict):
            continue
        p, g = value["promote"], value["get"]
        value["promote_ratio"] = round(p["rps"] / base["promote"]["rps"], 2) if base["promote"]["rps"] else None  # type: ignore[index]
        value["get_ratio"] = round(g["rps"] / base["get"]["rps"], 2) if base["get"]["rps"] else None  # type: ignore[index]
        print(f"{key:<14} {p['rps']:>10} {value['promote_ratio']!s:>6} {p['non_2xx']:>7} {g['rps']:>9} {value['get_ratio']!s:>6}")
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
