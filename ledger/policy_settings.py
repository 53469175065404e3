"""Policy settings: names, types, defaults and parsing (no event-sourcing imports, so the CLI
can show them in --help without loading the store)."""

from __future__ import annotations

from typing import Any

from ledger.errors import InvalidInputError

#: name -> (type, default, description)
SETTINGS: dict[str, tuple[type, Any, str]] = {
    "staging_first": (bool, True, "production only receives versions that staging ran before"),
    "config_complete": (bool, True, "every {{ env.NAME }} in the content resolves in the target environment"),
    "smoke_passed": (bool, False, "production needs a passed smoke run of the version against staging"),
    "runner": (str, None, "command that runs a version for `revledger run` (REVLEDGER_RUNNER overrides)"),
}
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
    return text if text.strip() else None
