"""The error table: what each domain error is at the edge.

Domain errors (``ledger/errors.py`` and their subclasses) carry a message and structured
detail only. Here, once, each class gets its HTTP status, RFC 9457 problem ``type`` and
``title``, CLI exit code and gRPC status code. The CLI (``api/cli.py``), the HTTP app
(``api/problems.py``), the remote client (which turns a problem's ``type`` back into the
class), the gRPC service (``api/rpc/status.py``) and the web UI (``api/web/render.py``) all
read :data:`ERRORS`; a class without a row takes its nearest ancestor's, and
``tests/unit/test_error_table.py`` fails while any ``LedgerError`` subclass has none.

The four errors only the interfaces raise are defined here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.access import ForbiddenError, UnauthenticatedError
from ledger.checkpoints import LogIntegrityError
from ledger.content import ContentTooLargeError
from ledger.errors import (
    AlreadyExistsError,
    ConflictError,
    DamagedStoreError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
    RefusedError,
    UnknownLabelError,
)
from ledger.gates import GateError
from ledger.master_key import MasterKeyError
from ledger.retries import RacedError
from ledger.runs import RunInterruptedError
from ledger.secrets import UndecryptableError
from ledger.stores import StoreUnavailableError
from projections.log_records import MalformedLogError

TYPE_PREFIX = "urn:revledger:problem:"


class BadRequestError(LedgerError):
    """A request the API cannot take as sent (a missing header, say)."""


class IdempotencyKeyError(LedgerError):
    """The key is unusable: too long, or already used for a different request."""


class ServerUnreachableError(LedgerError):
    """The server did not answer (or answered something that is not the API)."""


class PositionNotReachedError(LedgerError):
    """This node's read models did not reach the asked position in time (503 + Retry-After)."""

    def __init__(self, message: str, wanted: int, position: int) -> None:
        super().__init__(message)
        self.wanted = wanted
        self.position = position

    def extra(self) -> dict[str, object]:
        return {"wanted_position": self.wanted, "position": self.position}


@dataclass(frozen=True)
class ErrorRow:
    """One error class at the edge."""

    status: int
    #: the problem ``type`` (``urn:revledger:problem:…``), unique per row
    type: str
    title: str
    exit_code: int
    #: a ``grpc.StatusCode`` member name (this module does not import grpc)
    grpc: str


def _row(status: int, kind: str, title: str, exit_code: int, grpc: str) -> ErrorRow:
    return ErrorRow(status, TYPE_PREFIX + kind, title, exit_code, grpc)


#: Exit codes: 1 error, 2 usage (click's, and a version label no version has), 3 conflict, 4 refused by promotion gates, 130 interrupted.
ERRORS: dict[type[LedgerError], ErrorRow] = {
    LedgerError: _row(400, "ledger", "Request refused", 1, "FAILED_PRECONDITION"),
    InvalidInputError: _row(422, "invalid-input", "Invalid input", 1, "INVALID_ARGUMENT"),
    ContentTooLargeError: _row(413, "content-too-large", "Content too large", 1, "INVALID_ARGUMENT"),
    MalformedLogError: _row(422, "malformed-log", "Invalid input", 1, "INVALID_ARGUMENT"),
    NotFoundError: _row(404, "not-found", "Not found", 1, "NOT_FOUND"),
    UnknownLabelError: _row(404, "unknown-label", "Not found", 2, "NOT_FOUND"),
    AlreadyExistsError: _row(409, "already-exists", "Already exists", 1, "ALREADY_EXISTS"),
    RefusedError: _row(409, "refused", "Refused", 1, "FAILED_PRECONDITION"),
    GateError: _row(409, "gate", "Refused by promotion gates", 4, "FAILED_PRECONDITION"),
    ConflictError: _row(409, "conflict", "Conflict", 3, "ABORTED"),
    RacedError: _row(409, "raced", "Conflict", 3, "ABORTED"),
    DamagedStoreError: _row(500, "damaged-store", "Damaged event store", 1, "FAILED_PRECONDITION"),
    LogIntegrityError: _row(409, "log-integrity", "Log integrity check failed", 1, "FAILED_PRECONDITION"),
    StoreUnavailableError: _row(503, "store-unavailable", "Store unavailable", 1, "FAILED_PRECONDITION"),
    MasterKeyError: _row(503, "master-key", "Master key unavailable", 1, "FAILED_PRECONDITION"),
    UndecryptableError: _row(500, "undecryptable-secret", "Secret cannot be decrypted", 1, "DATA_LOSS"),
    RunInterruptedError: _row(400, "run-interrupted", "Request refused", 130, "FAILED_PRECONDITION"),
    UnauthenticatedError: _row(401, "unauthenticated", "Unauthorized", 1, "UNAUTHENTICATED"),
    ForbiddenError: _row(403, "forbidden", "Forbidden", 1, "PERMISSION_DENIED"),
    BadRequestError: _row(400, "bad-request", "Bad request", 1, "INVALID_ARGUMENT"),
    IdempotencyKeyError: _row(422, "idempotency-key", "Idempotency key refused", 1, "FAILED_PRECONDITION"),
    ServerUnreachableError: _row(502, "server-unreachable", "Server unreachable", 1, "FAILED_PRECONDITION"),
    PositionNotReachedError: _row(503, "position-not-reached", "Read models not there yet", 1, "UNAVAILABLE"),
}

#: A problem whose ``type`` is not in the table (``about:blank``, an older server) maps by status.
_BY_STATUS: dict[int, type[LedgerError]] = {
    400: BadRequestError, 401: UnauthenticatedError, 403: ForbiddenError,
}


def row_of(error: LedgerError | type[LedgerError]) -> ErrorRow:
    """The row of an error (or class): its own, else its nearest listed ancestor's."""
    cls = error if isinstance(error, type) else type(error)
    for ancestor in cls.__mro__:
        if ancestor in ERRORS:
            return ERRORS[ancestor]  # type: ignore[index]
    return ERRORS[LedgerError]


def error_class(type_uri: str, status: int) -> type[LedgerError]:
    """The class a problem stands for: by ``type``, else by status, else ``LedgerError``."""
    for cls, row in ERRORS.items():
        if row.type == type_uri:
            return cls
    return _BY_STATUS.get(status, LedgerError)
