"""Instants: parsing user input and the canonical UTC form read models store and compare."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

from ledger.errors import InvalidInputError

#: ``-30m``, ``now-1h``, ``now+2d``, ``-1w``: an offset from the current moment.
_RELATIVE = re.compile(r"(?:now)?\s*([+-])\s*(\d{1,9})\s*([smhdw])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class FutureInstantWarning(UserWarning):
    """A time after now was asked about: the answer can still change."""


def parse_instant(text: str) -> datetime:
    """``now``, a time relative to now (``-30m``, ``-2h``, ``-1d``, ``now-1h``) or ISO 8601 with
    an explicit offset (any offset), as an aware UTC datetime.

    A time in the future is answered, with a :class:`FutureInstantWarning` (interfaces show it).
    """
    value = text.strip()
    now = datetime.now(UTC)
    if value.lower() == "now":
        return now
    relative = _RELATIVE.fullmatch(value)
    if relative:
        sign, amount, unit = relative.groups()
        seconds = int(amount) * _UNIT_SECONDS[unit.lower()]
        try:
            moment = now + (timedelta(seconds=seconds) if sign == "+" else -timedelta(seconds=seconds))
        except OverflowError:
            raise InvalidInputError(f"time {text!r} is out of range") from None
        return _warn_if_future(moment, text, now)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"invalid time {text!r}: use ISO 8601 with an offset (e.g. 2026-11-25T14:03:00+01:00), "
            "'now', or a time relative to now such as -30m, -2h, -1d or now-1h"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInputError(
            f"time {text!r} has no offset: add one (e.g. +00:00 or Z) so it means one instant"
        )
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:  # valid ISO 8601 whose UTC form falls outside years 1-9999
        raise InvalidInputError(f"time {text!r} is out of range") from None
    return _warn_if_future(moment, text, now)


def _warn_if_future(moment: datetime, text: str, now: datetime) -> datetime:
    if moment > now:
        warnings.warn(
            f"{text.strip()!r} is in the future: the answer can still change",
            FutureInstantWarning,
            stacklevel=3,
        )
    return moment


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601 text, so that text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def check_window(since: datetime | None, until: datetime | None) -> None:
    """Refuse a time range that ends before it starts."""
    if since is not None and until is not None and until < since:
        raise InvalidInputError("--until must not be before --since")
