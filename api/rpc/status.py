"""Domain errors as gRPC statuses, read from the error table (``api/errors.py``).

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

from api.errors import ERRORS, row_of
from ledger.errors import LedgerError
from ledger.gates import GateError

#: The status code of each error class, from the error table (``api/errors.py``).
CODES: dict[type[LedgerError], grpc.StatusCode] = {cls: grpc.StatusCode[row.grpc] for cls, row in ERRORS.items()}


def status_code(error: LedgerError) -> grpc.StatusCode:
    """The error's row's code (a class without a row takes its nearest ancestor's)."""
    return grpc.StatusCode[row_of(error).grpc]


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
