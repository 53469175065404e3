"""``Idempotency-Key``: a retry returns the first response and records nothing new."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer, admin, assert_problem, org, server  # noqa: F401


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def prepare(admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    for v in (1, 2):
        admin.put("/v1/scripts/svc/draft", json={"content": {"v": v}})
        admin.post("/v1/scripts/svc/publish")
    for v in (1, 2):
        admin.post("/v1/scripts/svc/environments/staging/promote", json={"version": v})


RETRIED = [
    ("POST", "/v1/scripts", {"name": "new-one"}, 201),
    ("PUT", "/v1/scripts/svc/draft", {"content": {"v": 3}}, 200),
    ("POST", "/v1/scripts/svc/environments/development/promote", {"version": 2}, 200),
    ("POST", "/v1/scripts/svc/environments/staging/rollback", {"to": 0, "incident": "INC-1"}, 200),
    ("PUT", "/v1/env/A", {"value": "1"}, 200),
    ("PATCH", "/v1/scripts/svc/env", {"set": {"A": "2"}}, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), RETRIED)
def test_a_retry_with_the_same_key_returns_the_first_response_and_records_nothing(
    server: LiveServer, admin: httpx.Client, method: str, path: str, body: object, status: int
) -> None:
    prepare(admin)
    first = admin.request(method, path, json=body, headers=keyed("retry-1"))
    assert first.status_code == status, first.text
    after_first = server.log_size()
    for _ in range(3):
        again = admin.request(method, path, json=body, headers=keyed("retry-1"))
        assert again.status_code == status
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
    assert server.log_size() == after_first


def test_without_the_key_a_repeated_publish_is_refused_but_with_it_the_retry_succeeds(
    server: LiveServer, admin: httpx.Client
) -> None:
    admin.post("/v1/scripts", json={"name": "svc"})
    admin.put("/v1/scripts/svc/draft", json={"content": {"v": 1}})
    first = admin.post("/v1/scripts/svc/publish", json={"label": "x"}, headers=keyed("pub-1"))
    retry = admin.post("/v1/scripts/svc/publish", json={"label": "x"}, headers=keyed("pub-1"))
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["version"] == 1
    unkeyed = admin.post("/v1/scripts/svc/publish", json={"label": "x"})
    assert_problem(unkeyed, 409, "refused")


def test_the_same_key_with_another_body_is_a_422_problem_and_nothing_is_recorded(
    server: LiveServer, admin: httpx.Client
) -> None:
    assert admin.post("/v1/scripts", json={"name": "one"}, headers=keyed("k")).status_code == 201
    before = server.log_size()
    body = assert_problem(admin.post("/v1/scripts", json={"name": "two"}, headers=keyed("k")), 422, "idempotency-key")
    assert "different request" in body["detail"]
    assert server.log_size() == before
    assert_problem(admin.get("/v1/scripts/two"), 404)


def test_the_same_key_on_another_route_is_refused(admin: httpx.Client) -> None:
    admin.post("/v1/scripts", json={"name": "svc"}, headers=keyed("k2"))
    assert_problem(admin.put("/v1/env/A", json={"value": "1"}, headers=keyed("k2")), 422, "idempotency-key")


def test_keys_are_scoped_to_the_organization(server: LiveServer) -> None:
    with server.client("idem-a", "admin") as a, server.client("idem-b", "admin") as b:
        first = a.post("/v1/scripts", json={"name": "svc"}, headers=keyed("shared"))
        other = b.post("/v1/scripts", json={"name": "svc"}, headers=keyed("shared"))
        assert (first.status_code, other.status_code) == (201, 201)
        assert "idempotent-replayed" not in other.headers


def test_a_refused_first_attempt_is_not_remembered(server: LiveServer, admin: httpx.Client) -> None:
    refused = admin.post("/v1/scripts/svc/publish", headers=keyed("late"))
    assert_problem(refused, 404)
    admin.post("/v1/scripts", json={"name": "svc"})
    admin.put("/v1/scripts/svc/draft", json={"content": {"v": 1}})
    assert admin.post("/v1/scripts/svc/publish", headers=keyed("late")).status_code == 201


def test_concurrent_retries_of_one_keyed_request_record_it_once(server: LiveServer, admin: httpx.Client) -> None:
    prepare(admin)
    before = server.log_size()
    results: list[httpx.Response] = []

    def promote() -> None:
        with server.client(admin.headers["x-organization-id"], "admin") as client:
            results.append(client.post("/v1/scripts/svc/environments/development/promote",
                                       json={"version": 2}, headers=keyed("race")))

    threads = [threading.Thread(target=promote) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status_code for r in results} == {200}
    assert len({r.text for r in results}) == 1
    assert server.log_size() == before + 2  # the deployment opened, then promoted: once


def test_a_retried_run_returns_the_first_run_and_runs_nothing(
    server: LiveServer, admin: httpx.Client, tmp_path: Path
) -> None:
    prepare(admin)
    counter = tmp_path / "runs.txt"
    runner = tmp_path / "runner.py"
    runner.write_text("import sys, json\n"
                      f"open({str(counter)!r}, 'a').write(sys.stdin.read()[:1])\n"
                      "print(json.dumps({'ok': True}))\n", encoding="utf-8")
    assert admin.put("/v1/policy", json={"name": "runner", "value": f"{sys.executable} {runner}"}).status_code == 200
    path, body = "/v1/scripts/svc/environments/staging/runs", {"input": {"n": 1}}
    results: list[httpx.Response] = []
    first = admin.post(path, json=body, headers=keyed("run-1"))
    assert first.status_code == 201, first.text
    after_first = server.log_size()

    def retry() -> None:
        with server.client(admin.headers["x-organization-id"], "admin") as client:
            results.append(client.post(path, json=body, headers=keyed("run-1")))

    threads = [threading.Thread(target=retry) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(r.status_code, r.headers.get("idempotent-replayed")) for r in results] == [(201, "true")] * 3
    assert {r.json()["run_id"] for r in results} == {first.json()["run_id"]}
    assert results[0].json() == first.json() and first.json()["output"] == {"ok": True}
    assert counter.read_text() == "{"  # the runner ran once
    assert server.log_size() == after_first
    assert [r["run_id"] for r in admin.get("/v1/scripts/svc/runs").json()] == [first.json()["run_id"]]
    assert_problem(admin.post(path, json={"input": {"n": 2}}, headers=keyed("run-1")), 422, "idempotency-key")
    assert counter.read_text() == "{"
    unkeyed = admin.post(path, json=body)  # a new request: a new run
    assert unkeyed.status_code == 201 and unkeyed.json()["run_id"] != first.json()["run_id"]
    assert counter.read_text() == "{{"


def test_a_new_token_is_never_stored_so_a_retry_gets_409(server: LiveServer, admin: httpx.Client) -> None:
    first = admin.post("/v1/tokens", json={"name": "ci", "role": "viewer"}, headers=keyed("tok"))
    assert first.status_code == 201
    retry = admin.post("/v1/tokens", json={"name": "ci", "role": "viewer"}, headers=keyed("tok"))
    assert_problem(retry, 409, "already-exists")
    for stored in server.settings.home.rglob("*"):  # the event store, its responses table, the read models
        if stored.is_file():
            assert first.json()["token"].encode() not in stored.read_bytes(), stored


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_an_unusable_key_is_a_422_problem(server: LiveServer, admin: httpx.Client, key: str) -> None:
    before = server.log_size()
    assert_problem(admin.post("/v1/scripts", json={"name": "svc"}, headers=keyed(key)), 422)
    assert server.log_size() == before
