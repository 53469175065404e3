"""The peer: MLflow's model registry (`mlflow server`, 1 worker, SQLite backend, 127.0.0.1),
set-alias and get-by-alias timed with the same serial client and the same wrk load as
revledger's promote and pointer GET, with the ratios revledger / MLflow.

MLflow lives in its own virtualenv outside the repository (``--mlflow``, default
/work/mlflow-venv): ``python3 -m venv /work/mlflow-venv && /work/mlflow-venv/bin/pip install mlflow``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common import alternating_post_lua, free_port, record, serial, server, wrk

API = "/api/2.0/mlflow"
ALIAS = f"{API}/registered-models/alias"


def mlflow_rows(work: Path, seconds: int, count: int, venv: Path, ours: dict[str, Any]) -> None:
    import os

    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(venv / "bin" / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
               "--workers", "1", "--backend-store-uri", f"sqlite:///{work / 'mlflow.db'}",
               "--default-artifact-root", str(work / "mlruns")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "REVLEDGER_"))}
    with server(command, env, f"{base}/health"):
        with httpx.Client(base_url=base, timeout=30) as client:
            client.post(f"{API}/registered-models/create", json={"name": "svc"}).raise_for_status()
            for _ in (1, 2):
                client.post(f"{API}/model-versions/create",
                            json={"name": "svc", "source": "s3://bench/model"}).raise_for_status()
            client.post(ALIAS, json={"name": "svc", "alias": "development", "version": "1"}).raise_for_status()
            get = f"{ALIAS}?name=svc&alias=development"
            set_serial = serial(lambda i: client.post(
                ALIAS, json={"name": "svc", "alias": "development", "version": str(1 + i % 2)}
            ).raise_for_status(), count)
            get_serial = serial(lambda i: client.get(get).raise_for_status(), count)
        set_load = wrk(base + ALIAS, seconds, {}, alternating_post_lua(
            ALIAS, '{"name": "svc", "alias": "development", "version": "%d"}'), work)
        get_load = wrk(base + get, seconds, {}, None, work)
    record("MLflow set-alias (vs revledger promote)",
           f"{set_load['rps']:,.0f} req/s, p99 {set_load['p99_ms']:.0f} ms, {set_load['non_2xx']} non-2xx "
           f"(serial {set_serial:,.0f}/s); revledger/MLflow: load {ours['promote']['rps'] / set_load['rps']:.2f}x, "
           f"serial {ours['serial_promote'] / set_serial:.2f}x",
           f"wrk -t1 -c16 -d{seconds}s POST {ALIAS} (mlflow server --workers 1, SQLite)", "comparison",
           **set_load, serial=set_serial)
    record("MLflow get-by-alias (vs revledger GET environments)",
           f"{get_load['rps']:,.0f} req/s, p99 {get_load['p99_ms']:.0f} ms (serial {get_serial:,.0f}/s); "
           f"revledger/MLflow: load {ours['environments']['rps'] / get_load['rps']:.2f}x, "
           f"serial {ours['serial_environments'] / get_serial:.2f}x",
           f"wrk -t1 -c16 -d{seconds}s GET {get}", "comparison", **get_load, serial=get_serial)
