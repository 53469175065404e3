"""The Policy aggregate: an organization's promotion gates and runner, changed only by events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInputError
from ledger.names import aggregate_id

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


class Policy(Aggregate):
    TOPIC = "revledger:Policy"

    class Created(Aggregate.Created):
        TOPIC = "revledger:Policy.Created"

    @staticmethod
    def create_id(org: str) -> UUID:
        return aggregate_id(org, "policy")

    @event("Started", topic="revledger:Policy.Started")
    def __init__(self, org: str):
        self.org = org
        self.values: dict[str, Any] = {}

    @event("PolicyChanged", topic="revledger:Policy.PolicyChanged")
    def change(self, org: str, name: str, value: Any, previous: Any, actor: str) -> None:
        self.values[name] = value

    def get(self, name: str) -> Any:
        return self.values.get(name, SETTINGS[name][1])


def effective(policy: Policy | None) -> dict[str, Any]:
    return {name: (policy.get(name) if policy else spec[1]) for name, spec in SETTINGS.items()}
