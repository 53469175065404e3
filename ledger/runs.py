"""Pinned smoke runs: the Run aggregate (one per run) and each script's smoke history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.names import aggregate_id


class Run(Aggregate):
    """One execution of an exact version, with the input, config fingerprint and outcome."""

    TOPIC = "revledger:Run"

    class Created(Aggregate.Created):
        TOPIC = "revledger:Run.Created"

    @event("RunStarted", topic="revledger:Run.RunStarted")
    def __init__(
        self,
        org: str,
        script: str,
        version: int,
        environment: str,
        actor: str,
        input_sha256: str,
        with_env: bool,
        config_keys: list[str],
        runner: str,
    ):
        self.org = org
        self.script = script
        self.script_version = version  # (Aggregate.version is the event sequence number)
        self.environment = environment
        self.actor = actor
        self.input_sha256 = input_sha256
        self.status = "started"
        self.duration_ms: int | None = None
        self.output_sha256: str | None = None
        self.steps: list[dict[str, Any]] = []
        self.error: str | None = None

    @event("RunFinished", topic="revledger:Run.RunFinished")
    def finish(
        self,
        org: str,
        script: str,
        version: int,
        environment: str,
        actor: str,
        status: str,
        duration_ms: int,
        exit_code: int | None,
        output_sha256: str | None,
        steps: list[dict[str, Any]],
        error: str | None,
    ) -> None:
        self.status = status
        self.duration_ms = duration_ms
        self.output_sha256 = output_sha256
        self.steps = steps
        self.error = error


class SmokeHistory(Aggregate):
    """Which versions of a script passed a smoke run against which environment (for gates)."""

    TOPIC = "revledger:SmokeHistory"

    class Created(Aggregate.Created):
        TOPIC = "revledger:SmokeHistory.Created"

    @staticmethod
    def create_id(org: str, script: str) -> UUID:
        return aggregate_id(org, "smoke-history", script)

    @event("Started", topic="revledger:SmokeHistory.Started")
    def __init__(self, org: str, script: str):
        self.org = org
        self.script = script
        self.passed: dict[str, list[int]] = {}

    @event("SmokePassed", topic="revledger:SmokeHistory.SmokePassed")
    def record_pass(self, run_id: str, version: int, environment: str) -> None:
        versions = self.passed.setdefault(environment, [])
        if version not in versions:
            versions.append(version)

    def passed_in(self, environment: str) -> set[int]:
        return set(self.passed.get(environment, []))
