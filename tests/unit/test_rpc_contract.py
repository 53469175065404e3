"""The gRPC contract: committed generated code matches the proto, and every domain error has a
status code, a one-line message and (for gates) structured details."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2

from tests.unit.test_error_table import error_classes
from api.rpc import scriptum_pb2 as pb
from api.rpc.generate import OUTPUTS, ROOT, generate
from api.rpc.status import CODES, status_code, status_of
from ledger.access import ForbiddenError, UnauthenticatedError
from ledger.errors import ConflictError, InvalidInputError, LedgerError, NotFoundError
from ledger.gates import Gate, GateError


def test_regenerating_the_grpc_code_changes_nothing(tmp_path: Path) -> None:
    for fresh, committed in zip(generate(tmp_path), OUTPUTS, strict=True):
        assert fresh.read_bytes() == (ROOT / committed).read_bytes(), f"{committed} is stale: python -m api.rpc.generate"


def test_the_service_declares_every_rpc_of_the_scriptum_interface() -> None:
    methods = set(pb.DESCRIPTOR.services_by_name["ScriptumService"].methods_by_name)
    assert methods == {
        "GetScriptEnv", "UpdateScriptEnv", "CreateScript", "GetScript", "ListScripts", "SaveDraft",
        "PublishDraft", "ListScriptVersions", "GetScriptVersion", "RollbackScript", "Promote",
        "SetEnvVar", "GetEnvVar", "ListEnvVars", "DeleteEnvVar", "ImportEnvVars", "CreateThread",
        "GetThread", "HealthCheck",
    }
    assert pb.DESCRIPTOR.package == "dodil.scriptum.v1"


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_every_domain_error_has_a_grpc_status_and_none_is_unknown_or_ok(cls: type[LedgerError]) -> None:
    error = cls.__new__(cls)
    assert status_code(error) not in (grpc.StatusCode.OK, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)
    assert any(base in CODES for base in cls.__mro__)


@pytest.mark.parametrize(("error", "code"), [
    (NotFoundError("unknown script 'x'"), grpc.StatusCode.NOT_FOUND),
    (InvalidInputError("bad\nkey"), grpc.StatusCode.INVALID_ARGUMENT),
    (UnauthenticatedError("unknown or revoked token"), grpc.StatusCode.UNAUTHENTICATED),
    (ForbiddenError("this token is not valid for organization 'a'"), grpc.StatusCode.PERMISSION_DENIED),
    (ConflictError("the pointer moved"), grpc.StatusCode.ABORTED),
])
def test_errors_map_to_the_issues_codes_with_one_line_messages(error: LedgerError, code: grpc.StatusCode) -> None:
    status = status_of(error)
    assert status.code == code.value[0]
    assert "\n" not in status.message and status.message


def test_a_gate_refusal_is_failed_precondition_with_every_gate_as_a_violation() -> None:
    gates = [Gate("staging_first", False, "never ran in staging"), Gate("quarantine", True, "fine")]
    status = status_of(GateError("refused by gates", gates))
    assert status.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    failure = error_details_pb2.PreconditionFailure()
    assert status.details[0].Unpack(failure)
    assert [(v.type, v.subject, v.description) for v in failure.violations] == [
        ("failed", "staging_first", "never ran in staging"), ("passed", "quarantine", "fine")]
