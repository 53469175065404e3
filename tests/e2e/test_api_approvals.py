"""Two-person approvals over HTTP, against the live server: covered routes answer 202 with the
change request; the approver is always the token's principal; self-approval, a second approval
by one principal and a too-low role are refused with problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.services import open_ledger
from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401


def set_policy(server: LiveServer, org: str, name: str, value: str) -> None:
    ledger = open_ledger(server.settings)
    try:
        ledger.set_policy(org=org, name=name, value=value, actor="test-setup")
    finally:
        ledger.close()


@pytest.fixture
def team(server: LiveServer, org: str) -> Iterator[dict[str, httpx.Client]]:
    """An admin, three deployers (alice, bob, carol) and an editor (eve) of ``org``."""
    clients = {name: server.client(org, token=server.issue(org, role, name=name))
               for name, role in (("root", "admin"), ("alice", "deployer"), ("bob", "deployer"),
                                  ("carol", "deployer"), ("eve", "editor"))}
    root = clients["root"]
    assert root.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    for number in (1, 2):
        assert root.put("/v1/scripts/svc/draft", json={"content": {"v": number}}).status_code == 200
        assert root.post("/v1/scripts/svc/publish").status_code == 201
    for env, version in (("staging", 1), ("production", 1), ("staging", 2)):
        path = f"/v1/scripts/svc/environments/{env}/promote"
        assert root.post(path, json={"version": version}).status_code == 200
    set_policy(server, org, "approvals.production", "2")
    yield clients
    for client in clients.values():
        client.close()


def production(client: httpx.Client) -> int | None:
    return client.get("/v1/scripts/svc/environments").json()["environments"]["production"]  # type: ignore[no-any-return]


def request_promotion(team: dict[str, httpx.Client]) -> dict[str, Any]:
    response = team["alice"].post("/v1/scripts/svc/environments/production/promote", json={"version": 2})
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_covered_route_answers_202_with_the_request_and_moves_nothing(
    server: LiveServer, team: dict[str, httpx.Client]
) -> None:
    request = request_promotion(team)

    assert (request["state"], request["requester"], request["required"]) == ("open", "alice", 2)
    assert request["plan"]["target"] == 2 and request["command"]["operation"] == "promote"
    assert production(team["root"]) == 1
    listed = team["eve"].get("/v1/requests", params={"state": "open"}).json()
    assert [r["id"] for r in listed] == [request["id"]]
    shown = team["eve"].get(f"/v1/requests/{request['id']}").json()
    assert shown["plan_now"]["target"] == 2 and shown["plan_now"]["would_pass"] is True


def test_two_distinct_approvers_other_than_the_requester_apply_it(
    server: LiveServer, team: dict[str, httpx.Client]
) -> None:
    request = request_promotion(team)
    approve = f"/v1/requests/{request['id']}/approve"

    body = assert_problem(team["alice"].post(approve, json={}), 409, "refused")
    assert "cannot approve" in body["detail"]
    body = assert_problem(team["eve"].post(approve, json={}), 403, "forbidden")
    assert "deployer" in body["detail"]
    first = team["bob"].post(approve, json={"reason": "diff reviewed"})
    assert first.status_code == 200 and first.json()["approvers"] == ["bob"]
    assert "counts once" in assert_problem(team["bob"].post(approve, json={}), 409)["detail"]
    # The approver is the token's principal: a name in the body is not accepted.
    assert_problem(team["bob"].post(approve, json={"actor": "carol"}), 422)
    assert production(team["root"]) == 1

    last = team["carol"].post(approve, json={})

    assert last.status_code == 200, last.text
    assert last.json()["state"] == "applied" and last.json()["approvers"] == ["bob", "carol"]
    assert production(team["root"]) == 2
    move = team["root"].get("/v1/scripts/svc/history", params={"environment": "production"}).json()[0]
    assert move["kind"] == "promote" and move["actor"] == "alice"


def test_a_rejected_request_is_closed(server: LiveServer, team: dict[str, httpx.Client]) -> None:
    request = request_promotion(team)
    path = f"/v1/requests/{request['id']}"

    assert_problem(team["bob"].post(path + "/reject", json={}), 422)
    rejected = team["bob"].post(path + "/reject", json={"reason": "not today"})

    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert "no longer open" in assert_problem(team["carol"].post(path + "/approve", json={}), 409)["detail"]
    assert_problem(team["bob"].get("/v1/requests/not-an-id"), 422)
    assert_problem(team["bob"].get("/v1/requests/0b7c3f3e-5d1a-4f7e-9a43-2a1d8c9e6b10"), 404)
    assert_problem(team["bob"].get("/v1/requests", params={"state": "pending"}), 422)


def test_another_organizations_request_is_not_found(
    server: LiveServer, team: dict[str, httpx.Client], random_name: Any
) -> None:
    request = request_promotion(team)
    other = random_name("org")
    with server.client(other, token=server.issue(other, "admin", name="alice")) as outsider:
        assert_problem(outsider.post(f"/v1/requests/{request['id']}/approve", json={}), 404)


def test_the_remote_client_records_requests_and_approves_as_its_token(
    server: LiveServer, team: dict[str, httpx.Client], org: str
) -> None:
    from api.client import LedgerClient
    from ledger.approvals import RequestView

    def client(name: str) -> LedgerClient:
        token = team[name].headers["Authorization"].removeprefix("Bearer ")
        return LedgerClient(server.url, token)

    request = client("alice").promote(org=org, name="svc", version=2, environment="production", actor="ignored")
    assert isinstance(request, RequestView) and request.requester == "alice"
    client("bob").approve_request(org=org, request_id=request.id, actor="carol")  # actor is not sent
    shown = client("carol").get_request(org=org, request_id=request.id)
    assert shown.approvers == ["bob"] and shown.plan_now is not None
    assert [r["id"] for r in client("carol").requests(org=org, state="open")] == [request.id]
    done = client("carol").approve_request(org=org, request_id=request.id, actor="x", reason="ok")
    assert done.state == "applied" and done.approvers == ["bob", "carol"]
    assert production(team["root"]) == 2


def test_a_unique_prefix_of_the_request_id_names_it_over_http(
    server: LiveServer, team: dict[str, httpx.Client]
) -> None:
    request = request_promotion(team)
    prefix = request["id"][:8]

    assert team["eve"].get(f"/v1/requests/{prefix.upper()}").json()["id"] == request["id"]
    assert "at least 6" in assert_problem(team["eve"].get(f"/v1/requests/{prefix[:5]}"), 422)["detail"]
    unknown = "0" * 8 if not request["id"].startswith("0" * 8) else "f" * 8
    assert "unknown change request" in assert_problem(team["eve"].get(f"/v1/requests/{unknown}"), 404)["detail"]
    assert team["bob"].post(f"/v1/requests/{prefix}/approve", json={}).json()["approvers"] == ["bob"]
    rejected = team["carol"].post(f"/v1/requests/{prefix}/reject", json={"reason": "not today"})
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
