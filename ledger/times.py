"""Instants: parsing user input and the canonical UTC form read models store and compare."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger.errors import InvalidInputError


def parse_instant(text: str) -> datetime:
    """``now`` or ISO 8601 with an explicit offset (any offset), as an aware UTC datetime."""
    value = text.strip()
    if value.lower() == "now":
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"invalid time {text!r}: use ISO 8601 with an offset, e.g. 2026-11-25T14:03:00+01:00, or 'now'"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInputError(
            f"time {text!r} has no offset: add one (e.g. +00:00 or Z) so it means one instant"
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # valid ISO 8601 whose UTC form falls outside years 1-9999
        raise InvalidInputError(f"time {text!r} is out of range") from None


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601 text, so that text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
