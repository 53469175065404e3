"""The Policy aggregate: an organization's promotion gates and runner, changed only by events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import InvalidInputError
from ledger.names import aggregate_id
from ledger.policy_settings import SETTINGS, parse_setting  # noqa: F401 (re-exported)


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
