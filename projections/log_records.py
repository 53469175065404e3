"""Log records as imported: JSON Lines decoded, each record checked field by field.

A record has ``timestamp`` (ISO 8601 with an offset), ``script``, ``environment`` and a
``status`` or a ``level``; optionally ``duration_ms``, ``run_id`` and ``message``. It is an
error when its status or its level says so. A malformed record rejects its whole batch
(:class:`MalformedLogError` names its line).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.errors import InvalidInputError
from ledger.names import check_environment, check_script_name
from ledger.times import utc_text

#: A record is an error when its status or its level is one of these (case-insensitive).
ERROR_STATUSES = frozenset({"failed", "failure", "error", "errored", "timeout", "timed_out", "crashed"})
ERROR_LEVELS = frozenset({"error", "err", "critical", "crit", "fatal", "alert", "emerg", "emergency"})


class MalformedLogError(InvalidInputError):
    """A log record that cannot be imported: the whole batch is rejected."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line

    def extra(self) -> dict[str, object]:
        return {"line": self.line}


@dataclass(frozen=True)
class LogRecord:
    script: str
    environment: str
    ts: str
    status: str | None
    level: str | None
    error: bool
    duration_ms: float | None
    run_id: str | None
    message: str | None

    def digest(self, org: str) -> str:
        canonical = json.dumps([org, self.script, self.environment, self.ts, self.status, self.level,
                                self.duration_ms, self.run_id, self.message], separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_error(status: str | None, level: str | None) -> bool:
    return (status or "").lower() in ERROR_STATUSES or (level or "").lower() in ERROR_LEVELS


def _text(record: dict[str, Any], key: str) -> str | None:
    """The field as stripped text, None when absent or blank."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{key!r} must be a string, not {type(value).__name__}")
    return str(value).strip() or None


def _required(record: dict[str, Any], key: str) -> str:
    text = _text(record, key)
    if text is None:
        raise ValueError(f"missing {key!r}" if record.get(key) is None else f"{key!r} is empty")
    return text


def _checked(check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except InvalidInputError as error:
        raise ValueError(error.message) from None


def validate_record(record: Any) -> LogRecord:
    """One record, checked field by field; raises ValueError saying what is wrong."""
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object, not {type(record).__name__}")
    stamp = _required(record, "timestamp")
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"timestamp {stamp!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {stamp!r} has no offset (add one, e.g. Z or +01:00)")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp {stamp!r} is out of range") from None
    script = _checked(check_script_name, _required(record, "script"))
    environment = _checked(check_environment, _required(record, "environment"))
    status, level = _text(record, "status"), _text(record, "level")
    if status is None and level is None:
        raise ValueError("a record needs a 'status' or a 'level'")
    duration = record.get("duration_ms")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, (int, float))
        or not math.isfinite(duration) or duration < 0
    ):
        raise ValueError(f"'duration_ms' must be a number of milliseconds >= 0, not {duration!r}")
    message = record.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError(f"'message' must be a string, not {type(message).__name__}")
    for key, value in record.items():
        if isinstance(value, str) and not _is_unicode(value):
            raise ValueError(f"{key!r} holds a lone surrogate, which is not Unicode text")
    return LogRecord(
        script=script, environment=environment, ts=utc_text(moment), status=status, level=level,
        error=is_error(status, level), duration_ms=None if duration is None else float(duration),
        run_id=_text(record, "run_id"), message=message,
    )


@dataclass(frozen=True)
class NotJson:
    """A line that did not decode, standing in for its value (so the line number travels)."""

    problem: str


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, decoded value) of each non-blank line; a line that is not JSON is an error."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, NotJson(f"not valid JSON ({error.msg} at column {error.colno})")
