"""Three ``revledger serve`` processes on one PostgreSQL database, each with its own read
models (its own REVLEDGER_HOME): the layout docs/postgresql.md puts behind a load balancer.

Writers race compare-and-set promotions through different nodes; reads on one node follow
writes made on another (X-Revledger-Min-Position); a revoked token is refused everywhere; a
node killed with SIGKILL under load leaves the others serving and loses no acknowledged write.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.services import open_ledger
from api.settings import Settings

pytestmark = pytest.mark.postgres

ORG = "acme"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Node:
    """One ``revledger serve`` process."""

    def __init__(self, home: Path, database_url: str) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "REVLEDGER_HOME": str(home), "REVLEDGER_DATABASE_URL": database_url,
               "REVLEDGER_MIN_POSITION_WAIT": "1.0", "REVLEDGER_CATCH_UP_INTERVAL": "5"}
        self.log = open(home.parent / f"{home.name}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_started(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited: {(self.home.parent / f'{self.home.name}.log').read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("node did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests import postgres

    factory = postgres.databases()
    url = factory.create()
    root = tmp_path_factory.mktemp("nodes")
    settings = Settings(home=root / "admin", database_url=url)
    ledger = open_ledger(settings)
    try:
        tokens = {role: ledger.issue_token(org=ORG, name=role, role=role, actor="setup").token
                  for role in ("admin", "editor")}
    finally:
        ledger.close()
    nodes = [Node(root / f"node{i}", url) for i in range(3)]
    try:
        for node in nodes:
            node.wait_started()
        yield {"nodes": nodes, "tokens": tokens, "url": url}
    finally:
        for node in nodes:
            node.stop()
        factory.drop(url)


def client(node: Node, token: str) -> httpx.Client:
    return httpx.Client(base_url=node.url, timeout=30,
                        headers={"Authorization": f"Bearer {token}", "x-organization-id": ORG})


def make_script(c: httpx.Client, name: str, versions: int) -> None:
    assert c.post("/v1/scripts", json={"name": name}).status_code == 201
    for number in range(1, versions + 1):
        assert c.put(f"/v1/scripts/{name}/draft", json={"content": {"v": number}}).status_code == 200
        assert c.post(f"/v1/scripts/{name}/publish").status_code == 201


def audit(c: httpx.Client, position: int, **params: Any) -> list[dict[str, Any]]:
    """Every audit row matching ``params``, page by page, from a node at ``position`` or later."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page_params = {**params, "limit": 1000} if after is None else {**params, "limit": 1000, "after": after}
        response = c.get("/v1/audit", params=page_params,
                         headers={"X-Revledger-Min-Position": str(position)})
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page
        if len(page) < 1000:
            return rows
        after = page[-1]["position"]


def test_racing_compare_and_set_promotions_through_different_nodes_lose_no_update(cluster: dict[str, Any]) -> None:
    nodes, token = cluster["nodes"], cluster["tokens"]["editor"]
    with client(nodes[0], token) as first:
        make_script(first, "raced", versions=3)
    accepted: list[dict[str, Any]] = []
    refused: list[int] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        with client(nodes[index % 3], token) as c:
            for attempt in range(12):
                current = c.get("/v1/scripts/raced/environments").json()["environments"]["staging"]
                target = (current or 0) % 3 + 1
                response = c.post("/v1/scripts/raced/environments/staging/promote",
                                  json={"version": target, "expect_current": current})
                with lock:
                    if response.status_code == 200:
                        accepted.append(response.json())
                    else:
                        assert response.status_code == 409, response.text
                        refused.append(attempt)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert accepted and refused  # they did race, and some lost
    head = max(int(move["position"]) for move in accepted)
    with client(nodes[2], token) as reader:
        rows = audit(reader, head, script="raced", kind="promote")
    recorded = [row for row in rows if row["environment"] == "staging"]
    assert sorted(r["position"] for r in recorded) == sorted(int(m["position"]) for m in accepted)
    # Each accepted move starts where the one before it (in log order) ended: none was lost.
    chain = sorted(accepted, key=lambda m: int(m["position"]))
    for before, after in zip(chain, chain[1:], strict=False):
        assert after["previous_version"] == before["version"]


def test_a_read_on_one_node_right_after_a_write_on_another_sees_it_with_the_position_header(
    cluster: dict[str, Any],
) -> None:
    nodes, token = cluster["nodes"], cluster["tokens"]["editor"]
    with client(nodes[0], token) as writer, client(nodes[1], token) as reader:
        make_script(writer, "followed", versions=2)
        for round_ in range(10):
            version = round_ % 2 + 1
            moved = writer.post("/v1/scripts/followed/environments/development/promote",
                                json={"version": version})
            assert moved.status_code == 200
            position = moved.headers["X-Revledger-Position"]
            assert int(position) >= int(moved.json()["position"])
            history = reader.get("/v1/scripts/followed/history",
                                 headers={"X-Revledger-Min-Position": position})
            assert history.status_code == 200
            assert history.json()[0]["position"] == moved.json()["position"]


def test_a_position_no_node_reaches_is_answered_503_with_retry_after(cluster: dict[str, Any]) -> None:
    nodes, token = cluster["nodes"], cluster["tokens"]["editor"]
    with client(nodes[1], token) as c:
        response = c.get("/v1/audit", headers={"X-Revledger-Min-Position": str(10**12)})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert response.json()["wanted_position"] == 10**12
        assert response.json()["type"] == "urn:revledger:problem:position-not-reached"
        bad = c.get("/v1/audit", headers={"X-Revledger-Min-Position": "soon"})
        assert bad.status_code == 422  # the header has a declared pattern
    ready = httpx.get(f"{nodes[2].url}/ready").json()
    assert ready["backend"] == "postgresql" and ready["position"] <= ready["head"]


def test_a_token_revoked_on_one_node_is_refused_by_the_others_within_a_second(cluster: dict[str, Any]) -> None:
    nodes, admin = cluster["nodes"], cluster["tokens"]["admin"]
    with client(nodes[0], admin) as c:
        issued = c.post("/v1/tokens", json={"name": "short-lived", "role": "viewer"})
        assert issued.status_code == 201
    short = issued.json()["token"]
    with client(nodes[1], short) as c:
        assert c.get("/v1/scripts").status_code == 200
    with client(nodes[2], admin) as c:
        assert c.delete("/v1/tokens/short-lived").status_code == 200
    revoked_at = time.monotonic()
    statuses = []
    for node in (nodes[0], nodes[1]):
        with client(node, short) as c:
            while True:
                status = c.get("/v1/scripts").status_code
                if status == 401 or time.monotonic() - revoked_at > 1.0:
                    break
                time.sleep(0.02)
            statuses.append(status)
    assert statuses == [401, 401]


def test_a_keyed_write_retried_on_another_node_gets_the_first_response(cluster: dict[str, Any]) -> None:
    nodes, token = cluster["nodes"], cluster["tokens"]["editor"]
    key = {"Idempotency-Key": "publish-once-across-nodes"}
    with client(nodes[0], token) as first, client(nodes[1], token) as second:
        make_script(first, "retried", versions=1)
        assert first.put("/v1/scripts/retried/draft", json={"content": {"v": 2}}).status_code == 200
        answer = first.post("/v1/scripts/retried/publish", headers=key)
        assert answer.status_code == 201, answer.text
        retry = second.post("/v1/scripts/retried/publish", headers=key)
        assert retry.status_code == 201, retry.text
        assert retry.headers.get("Idempotent-Replayed") == "true"
        assert retry.json() == answer.json()
        other = second.put("/v1/scripts/retried/draft", json={"content": {"v": 3}}, headers=key)
        assert other.status_code == 422  # the same key for another request: refused, not replayed
        versions = second.get("/v1/scripts/retried/versions",
                              headers={"X-Revledger-Min-Position": retry.headers["X-Revledger-Position"]})
        assert [v["version"] for v in versions.json()] == [1, 2]  # published once


def test_the_same_key_sent_to_three_nodes_at_once_is_applied_once(cluster: dict[str, Any]) -> None:
    nodes, token = cluster["nodes"], cluster["tokens"]["editor"]
    with client(nodes[0], token) as c:
        make_script(c, "stampede", versions=1)
    for round_ in range(3):
        with client(nodes[0], token) as c:
            assert c.put("/v1/scripts/stampede/draft", json={"content": {"r": round_}}).status_code == 200
        barrier = threading.Barrier(3)
        answers: list[httpx.Response] = []
        lock = threading.Lock()

        def send(node: Node, round_: int = round_) -> None:
            with client(node, token) as c:
                barrier.wait()
                response = c.post("/v1/scripts/stampede/publish",
                                  headers={"Idempotency-Key": f"stampede-{round_}"})
                with lock:
                    answers.append(response)

        threads = [threading.Thread(target=send, args=(node,)) for node in nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
        assert len({a.text for a in answers}) == 1  # one response, three times
        assert sorted(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == [False, True, True]
    with client(nodes[2], token) as c:
        position = max(int(a.headers["X-Revledger-Position"]) for a in answers)
        versions = c.get("/v1/scripts/stampede/versions", headers={"X-Revledger-Min-Position": str(position)})
        assert [v["version"] for v in versions.json()] == [1, 2, 3, 4]  # each round published once


def test_killing_one_node_under_load_leaves_the_others_serving_and_loses_no_acknowledged_write(
    cluster: dict[str, Any],
) -> None:
    nodes, token = cluster["nodes"], cluster["tokens"]["editor"]
    acknowledged: list[tuple[str, int]] = []
    after_kill: list[int] = []
    killed = threading.Event()
    stop = threading.Event()
    lock = threading.Lock()

    def load(index: int) -> None:
        with client(nodes[index % 3], token) as c:
            n = 0
            while not stop.is_set():
                n += 1
                name = f"load-{index}-{n}"
                try:
                    response = c.post("/v1/scripts", json={"name": name})
                except httpx.HTTPError:
                    time.sleep(0.05)  # the killed node: its clients fail, nothing is acknowledged
                    continue
                if response.status_code == 201:
                    with lock:
                        acknowledged.append((name, int(response.headers["X-Revledger-Position"])))
                        if killed.is_set():
                            after_kill.append(index % 3)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    nodes[2].process.send_signal(signal.SIGKILL)
    nodes[2].process.wait()
    killed.set()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()

    assert {0, 1} <= set(after_kill)  # both survivors kept acknowledging writes
    assert 2 not in after_kill
    head = max(position for _, position in acknowledged)
    with client(nodes[1], token) as reader:
        rows = audit(reader, head, kind="script")
    recorded = {row["script"] for row in rows}
    assert {name for name, _ in acknowledged} <= recorded
