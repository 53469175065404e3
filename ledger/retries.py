"""Retrying a command that lost a race it did not ask about.

A command loads aggregates, decides, and saves; if another writer saved one of those
aggregates in between, the save fails. Unless the caller asked for a check (a
compare-and-set, which every attempt re-checks against a fresh load), that is not the
caller's conflict: the command runs again from fresh loads, a bounded number of times.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ledger.errors import ConflictError

F = TypeVar("F", bound=Callable[..., Any])

#: How many times a command runs before its conflict is reported.
ATTEMPTS = 12


class RacedError(ConflictError):
    """A save lost a race with another writer (raised by ``Ledger._save``)."""


def retried(method: F) -> F:
    """Run ``method`` again, from scratch, while it loses races (bounded, with jittered backoff)."""

    @functools.wraps(method)
    def again(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(ATTEMPTS):
            try:
                return method(*args, **kwargs)
            except RacedError:
                if attempt == ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise AssertionError("unreachable")

    return again  # type: ignore[return-value]
