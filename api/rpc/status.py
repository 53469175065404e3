"""Domain errors as gRPC statuses: the one map, beside the HTTP problem table.

Every refusal ends the call with a status code and a one-line message; a promotion refused
by its gates also carries every gate it checked as ``google.rpc.PreconditionFailure``
violations in the status details (``grpc-status-details-bin``), which grpcurl prints.
"""

from __future__ import annotations

from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from api.problems import BadRequestError
from ledger.access import ForbiddenError, UnauthenticatedError
from ledger.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
    RefusedError,
)
from ledger.gates import GateError

#: The status code of each error class; a subclass takes its nearest listed ancestor's.
CODES: dict[type[LedgerError], grpc.StatusCode] = {
    LedgerError: grpc.StatusCode.FAILED_PRECONDITION,
    InvalidInputError: grpc.StatusCode.INVALID_ARGUMENT,
    BadRequestError: grpc.StatusCode.INVALID_ARGUMENT,
    NotFoundError: grpc.StatusCode.NOT_FOUND,
    AlreadyExistsError: grpc.StatusCode.ALREADY_EXISTS,
    RefusedError: grpc.StatusCode.FAILED_PRECONDITION,
    GateError: grpc.StatusCode.FAILED_PRECONDITION,
    ConflictError: grpc.StatusCode.ABORTED,
    UnauthenticatedError: grpc.StatusCode.UNAUTHENTICATED,
    ForbiddenError: grpc.StatusCode.PERMISSION_DENIED,
}


def status_code(error: LedgerError) -> grpc.StatusCode:
    for cls in type(error).__mro__:
        if cls in CODES:
            return CODES[cls]  # type: ignore[index]
    return grpc.StatusCode.FAILED_PRECONDITION


def one_line(message: str) -> str:
    return " ".join(message.split())


def status_of(error: LedgerError) -> status_pb2.Status:
    """The ``google.rpc.Status`` a domain error ends a call with."""
    code = status_code(error)
    status = status_pb2.Status(code=code.value[0], message=one_line(error.message))
    if isinstance(error, GateError):
        failure = error_details_pb2.PreconditionFailure(violations=[
            error_details_pb2.PreconditionFailure.Violation(
                type="passed" if gate.passed else "failed", subject=gate.name,
                description=one_line(gate.detail),
            )
            for gate in error.gates
        ])
        detail = any_pb2.Any()
        detail.Pack(failure)
        status.details.append(detail)
    return status


async def abort(context: grpc.aio.ServicerContext, error: LedgerError) -> NoReturn:
    """End the call with the error's status (and details)."""
    await context.abort_with_status(rpc_status.to_status(status_of(error)))
    raise AssertionError("abort_with_status returned")  # pragma: no cover
