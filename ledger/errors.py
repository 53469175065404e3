"""Domain errors. Every refusal the ledger makes is one of these.

Interfaces map them in one place: the CLI to an exit code and one line on stderr,
the API to an RFC 9457 problem with the status given here.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to a user."""

    exit_code = 1
    http_status = 400
    title = "Request refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extra(self) -> dict[str, object]:
        """Members added to the error's JSON (and problem+json) body."""
        return {}


class InvalidInputError(LedgerError):
    """A name, key, file or value that is not acceptable."""

    http_status = 422
    title = "Invalid input"


class NotFoundError(LedgerError):
    """Something named in the request does not exist (in this organization)."""

    http_status = 404
    title = "Not found"


class UnknownLabelError(NotFoundError):
    """A version given by a label no version has: in the CLI a bad option value (exit 2)."""

    exit_code = 2


class AlreadyExistsError(LedgerError):
    """Creating something that already exists."""

    http_status = 409
    title = "Already exists"


class RefusedError(LedgerError):
    """A request that cannot be carried out in the current state."""

    http_status = 409
    title = "Refused"


class ConflictError(LedgerError):
    """A concurrent writer got there first, or a compare-and-set expectation failed."""

    exit_code = 3
    http_status = 409
    title = "Conflict"


class DamagedStoreError(LedgerError):
    """The event store lost or garbled part of an aggregate's history: restore it from a backup."""

    http_status = 500
    title = "Damaged event store"
