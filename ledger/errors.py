"""Domain errors. Every refusal the ledger makes is one of these.

They carry a message and structured detail (``extra()``) only: what each class is at the
edge (HTTP status, problem type and title, CLI exit code, gRPC code) is one row of the error
table in ``api/errors.py``, which every interface reads.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extra(self) -> dict[str, object]:
        """Members added to the error's JSON (and problem+json) body."""
        return {}


class InvalidInputError(LedgerError):
    """A name, key, file or value that is not acceptable."""


class NotFoundError(LedgerError):
    """Something named in the request does not exist (in this organization)."""


class UnknownLabelError(NotFoundError):
    """A version given by a label no version has (a bad option value, as a mistyped number was)."""


class AlreadyExistsError(LedgerError):
    """Creating something that already exists."""


class RefusedError(LedgerError):
    """A request that cannot be carried out in the current state."""


class ConflictError(LedgerError):
    """A concurrent writer got there first, or a compare-and-set expectation failed."""


class DamagedStoreError(LedgerError):
    """The event store lost or garbled part of an aggregate's history: restore it from a backup."""
