"""Policy settings: names, types, defaults and parsing (no event-sourcing imports, so the CLI
can show them in --help without loading the store)."""

from __future__ import annotations

import re
from typing import Any

from ledger.errors import InvalidInputError

#: name -> (type, default, description)
SETTINGS: dict[str, tuple[type, Any, str]] = {
    "staging_first": (bool, True, "production only receives versions that staging ran before"),
    "config_complete": (bool, True, "every {{ env.NAME }} in the content resolves in the target environment"),
    "smoke_passed": (bool, False, "production needs a passed smoke run of the version against staging"),
    "runner": (str, None, "command that runs a version for `revledger run` (REVLEDGER_RUNNER overrides)"),
    "approvals.development": (int, 0, "distinct approvers a change to development needs (0 = none)"),
    "approvals.staging": (int, 0, "distinct approvers a change to staging needs (0 = none)"),
    "approvals.production": (int, 0, "distinct approvers a change to production needs (0 = none)"),
    "approvals.rollback_exempt": (bool, False, "a rollback to a known-good version needs no approvals (recorded as exempt)"),
    "approvals.expiry": (str, "24h", "how long a change request stays open: 90s, 30m, 24h, 7d"),
}
#: Most approvers a change may ask for.
MAX_APPROVALS = 10
_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}


def parse_setting(name: str, text: str) -> Any:
    if name not in SETTINGS:
        raise InvalidInputError(f"unknown policy {name!r}: use one of {', '.join(SETTINGS)}")
    kind = SETTINGS[name][0]
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InvalidInputError(f"policy {name} takes true or false, not {text!r}")
    if kind is int:
        try:
            number = int(text.strip())
        except ValueError:
            number = -1
        if not 0 <= number <= MAX_APPROVALS:
            raise InvalidInputError(f"policy {name} takes a whole number from 0 to {MAX_APPROVALS}, not {text!r}")
        return number
    if name == "approvals.expiry":
        duration_seconds(text)
        return text.strip().lower()
    return text if text.strip() else None


_DURATION = re.compile(r"(\d{1,6})\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> int:
    """``90s``, ``30m``, ``24h``, ``7d`` in seconds (at least one second)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidInputError(f"invalid duration {text!r}: use a number and s, m, h or d, e.g. 24h")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
