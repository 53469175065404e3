"""Durations, time buckets and rates: the arithmetic log summaries and timelines share.

Durations are written ``90s``, ``5m``, ``1h30m``; buckets are aligned to multiples of their
size since the epoch, and about :data:`TARGET_BUCKETS` fit a window unless a size is given.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from ledger.errors import InvalidInputError
from ledger.times import utc_text

#: About this many buckets per window unless a bucket size is given.
TARGET_BUCKETS = 60
NICE_STEPS = (
    1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 300, 600, 900, 1200, 1800,
    3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400, 172800, 604800,
)
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: The longest duration accepted anywhere (a bucket, a window margin): about ten years.
MAX_DURATION = timedelta(days=3660)


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """``90s``, ``5m``, ``2h``, ``1d``, ``1h30m``, ``500ms`` as a positive timedelta."""
    value = text.strip().lower()
    parts = _DURATION.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise InvalidInputError(f"invalid {option} {text!r}: use e.g. 30s, 5m, 2h, 1d or 1h30m")
    if any(len(n) > 12 for n, _u in parts):
        raise InvalidInputError(f"{option} {text!r} is longer than {format_duration(MAX_DURATION.total_seconds())}")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise InvalidInputError(f"{option} {text!r} must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInputError(
            f"{option} {text!r} is longer than {format_duration(MAX_DURATION.total_seconds())}, the most accepted"
        )
    return timedelta(seconds=seconds)


def format_duration(seconds: float) -> str:
    """The shortest text ``parse_duration`` reads back: 300 → ``5m``, 5400 → ``1h30m``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    rest, text = int(round(seconds)), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            text += f"{rest // size}{unit}"
            rest %= size
    return text


def bucket_seconds(window: timedelta, bucket: timedelta | None = None) -> float:
    """The bucket size: as given, else the round size giving closest to ~60 per window."""
    if bucket is not None:
        return bucket.total_seconds()
    ideal = max(window.total_seconds(), 1) / TARGET_BUCKETS
    return float(min(NICE_STEPS, key=lambda step: abs(math.log(step / ideal))))


def bucket_start(instant: str, step: float) -> str:
    """The start of the bucket (aligned to multiples of ``step`` since the epoch) holding it."""
    epoch = datetime.fromisoformat(instant).timestamp()
    return utc_text(datetime.fromtimestamp(math.floor(epoch / step) * step, UTC))


def elapsed(since: str, until: str) -> timedelta:
    """The time between two stored (UTC ISO text) instants."""
    return datetime.fromisoformat(until) - datetime.fromisoformat(since)


def rate(errors: int, count: int) -> float | None:
    return round(errors / count, 4) if count else None


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None if empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]
