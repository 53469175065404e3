"""Bearer tokens, organizations and roles, against the live server: every role against every
write, with the exact status codes; a refused request records nothing."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ledger.tokens import ROLES
from tests.e2e.test_api_server import LiveServer, assert_problem, server  # noqa: F401

ORG = "matrix-org"


@dataclass(frozen=True)
class Write:
    """A write, the least role allowed to make it, and what it needs to exist first."""

    method: str
    path: str
    body: Any
    role: str
    status: int
    setup: Callable[[httpx.Client, str], None] = lambda admin, name: None


def script(admin: httpx.Client, name: str) -> None:
    assert admin.post("/v1/scripts", json={"name": name}).status_code == 201


def draft(admin: httpx.Client, name: str) -> None:
    script(admin, name)
    assert admin.put(f"/v1/scripts/{name}/draft", json={"content": {"v": 1}}).status_code == 200


def versions(admin: httpx.Client, name: str) -> None:
    draft(admin, name)
    assert admin.post(f"/v1/scripts/{name}/publish").status_code == 201
    assert admin.put(f"/v1/scripts/{name}/draft", json={"content": {"v": 2}}).status_code == 200
    assert admin.post(f"/v1/scripts/{name}/publish").status_code == 201


def staged(admin: httpx.Client, name: str) -> None:
    """Two versions, the first in staging (production takes only what ran in staging)."""
    versions(admin, name)
    assert admin.post(f"/v1/scripts/{name}/environments/staging/promote", json={"version": 1}).status_code == 200


def moved_twice(environment: str) -> Callable[[httpx.Client, str], None]:
    def setup(admin: httpx.Client, name: str) -> None:
        versions(admin, name)
        for version in (1, 2):
            for env in dict.fromkeys(("staging", environment)):
                path = f"/v1/scripts/{name}/environments/{env}/promote"
                assert admin.post(path, json={"version": version}).status_code == 200

    return setup


def variable(admin: httpx.Client, name: str) -> None:
    assert admin.put(f"/v1/env/K_{name.replace('-', '_')}", json={"value": "v"}).status_code == 200


def token(admin: httpx.Client, name: str) -> None:
    assert admin.post("/v1/tokens", json={"name": name, "role": "viewer"}).status_code == 201


WRITES = {
    "create script": Write("POST", "/v1/scripts", {"name": "{name}"}, "editor", 201),
    "save draft": Write("PUT", "/v1/scripts/{name}/draft", {"content": {"a": 1}}, "editor", 200, script),
    "publish": Write("POST", "/v1/scripts/{name}/publish", {"label": "x"}, "editor", 201, draft),
    **{
        f"promote to {env}": Write(
            "POST", f"/v1/scripts/{{name}}/environments/{env}/promote", {"version": 1},
            "deployer" if env == "production" else "editor", 200,
            staged if env == "production" else versions,
        )
        for env in ("development", "staging", "production")
    },
    **{
        f"roll back {env}": Write(
            "POST", f"/v1/scripts/{{name}}/environments/{env}/rollback", {"to": 0},
            "deployer" if env == "production" else "editor", 200, moved_twice(env),
        )
        for env in ("development", "staging", "production")
    },
    "set a variable": Write("PUT", "/v1/env/K_{var}", {"value": "1"}, "editor", 200),
    "delete a variable": Write("DELETE", "/v1/env/K_{var}", None, "editor", 200, variable),
    "import a .env": Write("POST", "/v1/env/import", "K_{var}=1\n", "editor", 200),
    "update an overlay": Write("PATCH", "/v1/scripts/{name}/env", {"set": {"A": "1"}}, "editor", 200, script),
    "issue a token": Write("POST", "/v1/tokens", {"name": "{name}", "role": "viewer"}, "admin", 201),
    "revoke a token": Write("DELETE", "/v1/tokens/{name}", None, "admin", 200, token),
}


def send(client: httpx.Client, write: Write, name: str) -> httpx.Response:
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(name=name, var=name.replace("-", "_"))
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    body = fill(write.body)
    if isinstance(body, str):
        return client.request(write.method, fill(write.path), content=body.encode())
    return client.request(write.method, fill(write.path), json=body)


@pytest.fixture(scope="module")
def clients(server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    made = {role: server.client(ORG, role) for role in ROLES}
    yield made
    for client in made.values():
        client.close()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(WRITES))
def test_each_role_against_each_write(
    server: LiveServer, clients: dict[str, httpx.Client], action: str, role: str
) -> None:
    write = WRITES[action]
    name = f"m-{secrets.token_hex(4)}"
    write.setup(clients["admin"], name)
    before = server.log_size()
    response = send(clients[role], write, name)
    if ROLES.index(role) >= ROLES.index(write.role):
        assert response.status_code == write.status, response.text
        assert server.log_size() > before
    else:
        body = assert_problem(response, 403, "forbidden")
        assert write.role in body["detail"]
        assert server.log_size() == before


READS = [
    "/v1/scripts", "/v1/scripts/svc", "/v1/scripts/svc/versions", "/v1/scripts/svc/environments",
    "/v1/env", "/v1/scripts/svc/env", "/v1/scripts/svc/config?environment=staging",
    "/v1/status", "/v1/audit", "/v1/scripts/svc/history",
    "/v1/scripts/svc/environments/staging/at?time=now", "/v1/environments/staging/at?time=now",
]


@pytest.mark.parametrize("path", READS)
def test_a_viewer_reads_everything(server: LiveServer, clients: dict[str, httpx.Client], path: str) -> None:
    clients["admin"].post("/v1/scripts", json={"name": "svc"})
    assert clients["viewer"].get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/v1/env?reveal=true", "/v1/env/K?reveal=true", "/v1/scripts/svc/env?reveal=true",
             "/v1/scripts/svc/config?environment=staging&reveal=true", "/v1/tokens"],
)
@pytest.mark.parametrize("role", ["viewer", "editor", "deployer"])
def test_only_an_admin_reveals_secrets_and_lists_tokens(
    clients: dict[str, httpx.Client], path: str, role: str
) -> None:
    clients["admin"].post("/v1/scripts", json={"name": "svc"})
    clients["admin"].put("/v1/env/K", json={"value": "v", "secret": True})
    assert_problem(clients[role].get(path), 403, "forbidden")
    assert clients["admin"].get(path).status_code == 200


WRITE_ROUTES = [
    ("POST", "/v1/scripts"), ("PUT", "/v1/scripts/svc/draft"), ("POST", "/v1/scripts/svc/publish"),
    ("POST", "/v1/scripts/svc/environments/production/promote"),
    ("POST", "/v1/scripts/svc/environments/production/rollback"),
    ("PUT", "/v1/env/K"), ("DELETE", "/v1/env/K"), ("POST", "/v1/env/import"),
    ("PATCH", "/v1/scripts/svc/env"), ("POST", "/v1/tokens"), ("DELETE", "/v1/tokens/x"),
]
ROUTES = [("GET", path) for path in READS] + WRITE_ROUTES


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer rl_not-a-token", "Bearer", "Basic dXNlcjpwYXNz", "rl_no-scheme"]
)
def test_no_token_or_an_unknown_one_is_401(
    server: LiveServer, method: str, path: str, authorization: str | None
) -> None:
    headers = {"x-organization-id": ORG}
    if authorization is not None:
        headers["Authorization"] = authorization
    before = server.log_size()
    response = httpx.request(method, server.url + path, headers=headers, json={"name": "x"})
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert server.log_size() == before


def test_a_revoked_token_is_401_at_once(server: LiveServer, clients: dict[str, httpx.Client]) -> None:
    issued = clients["admin"].post("/v1/tokens", json={"name": "short-lived", "role": "editor"}).json()
    with server.client(ORG, token=issued["token"]) as short_lived:
        assert short_lived.get("/v1/scripts").status_code == 200
        assert clients["admin"].delete("/v1/tokens/short-lived").status_code == 200
        assert_problem(short_lived.get("/v1/scripts"), 401, "unauthenticated")


def test_a_token_revoked_from_the_cli_on_the_same_store_is_401(server: LiveServer) -> None:
    from api.services import open_ledger

    secret = server.issue(ORG, "viewer", name="cli-revoked")
    with server.client(ORG, token=secret) as client:
        assert client.get("/v1/scripts").status_code == 200
        ledger = open_ledger(server.settings)
        ledger.revoke_token(org=ORG, name="cli-revoked", actor="ops")
        ledger.close()
        assert_problem(client.get("/v1/scripts"), 401)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_token_of_another_organization_is_403(server: LiveServer, method: str, path: str) -> None:
    with server.client("someone-else", token=server.token(ORG, "admin")) as client:
        before = server.log_size()
        response = client.request(method, path, json={"name": "x"})
        body = assert_problem(response, 403, "forbidden")
        assert "someone-else" in body["detail"]
        assert server.log_size() == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_request_without_an_organization_is_a_400_problem(
    server: LiveServer, method: str, path: str
) -> None:
    response = httpx.request(method, server.url + path, json={"name": "x"},
                             headers={"Authorization": f"Bearer {server.token(ORG, 'admin')}"})
    assert_problem(response, 400, "bad-request")


def test_another_organizations_script_is_indistinguishable_from_a_missing_one(server: LiveServer) -> None:
    with server.client("owner-org", "admin") as owner:
        assert owner.post("/v1/scripts", json={"name": "secret-project"}).status_code == 201
    stranger_token = server.token("stranger-org", "admin")
    # Asking the owner's org: refused before any lookup, the same for both names.
    with server.client("owner-org", token=stranger_token) as asking_owner:
        existing = asking_owner.get("/v1/scripts/secret-project")
        missing = asking_owner.get("/v1/scripts/no-such-project")
    assert_problem(existing, 403)
    assert existing.json() == missing.json()
    # Asking its own org: the other org's script is simply not there.
    with server.client("stranger-org", token=stranger_token) as own:
        assert_problem(own.get("/v1/scripts/secret-project"), 404, "not-found")
        assert own.get("/v1/scripts").json() == []
        # Its audit holds only its own org's rows (its token's issue, once the server has
        # caught up with it), nothing of the owner's script.
        audit = own.get("/v1/audit").json()
        assert [row for row in audit if row["org"] != "stranger-org" or row["script"] is not None] == []


def test_the_actor_of_a_change_is_the_tokens_name(server: LiveServer) -> None:
    with server.client("actor-org", "editor") as editor:
        created = editor.post("/v1/scripts", json={"name": "svc"}).json()
        assert created["created_by"] == "editor"
        assert [row["actor"] for row in editor.get("/v1/audit", params={"kind": "script"}).json()] == ["editor"]
