"""Pinned smoke runs: the Run aggregate (one per run), each script's smoke history, and
:class:`Runs`, which resolves an exact version (and config), runs it, records and archives it."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.aggregates import Aggregates
from ledger.archive import Archive
from ledger.configuration import Configuration
from ledger.envelope import SHREDDED
from ledger.errors import InvalidInputError, LedgerError, NotFoundError, RefusedError
from ledger.masking import Masker
from ledger.names import aggregate_id, check_environment, check_org
from ledger.policy import Policy, effective
from ledger.runner import execute


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


class RunInterruptedError(LedgerError):
    """The run was interrupted (Ctrl-C, SIGTERM); it is recorded as ``interrupted``."""


def skipped_steps(steps: list[dict[str, Any]]) -> list[str]:
    """A run's warnings: the step files it did not keep, and why."""
    return [f"step file {step['name']} skipped: {step['skipped']}" for step in steps if step.get("skipped")]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Runs:
    """Running an exact version and reading runs back. Needs ``ARCHIVE_DIR`` in the app's env."""

    def __init__(self, store: Aggregates, configuration: Configuration) -> None:
        self.store = store
        self.configuration = configuration

    @property
    def archive(self) -> Archive:
        root = self.store.env.get("ARCHIVE_DIR")
        if not root:
            raise InvalidInputError("no archive directory is configured (ARCHIVE_DIR)")
        return Archive(root)

    def runner_command(self, org: str) -> str:
        command = self.store.env.get("RUNNER") or self._policy(org)["runner"]
        if not command:
            raise InvalidInputError(
                "no runner configured: set REVLEDGER_RUNNER or `revledger policy set runner \"CMD\"`"
            )
        return str(command)

    def _policy(self, org: str) -> dict[str, Any]:
        check_org(org)
        return effective(self.store.get(Policy, Policy.create_id(org)))

    def run(
        self,
        *,
        org: str,
        name: str,
        actor: str,
        environment: str = "production",
        version: int | None = None,
        input: Any = None,  # noqa: A002 - the issue's name for it
        with_env: bool = False,
        timeout: float = 300.0,
    ) -> dict[str, Any]:
        """Run the version ENV points to (or the pinned ``version``; 0 = active) and record it."""
        check_environment(environment)
        script = self.store.script(org, name)
        if version is None:
            deployment = self.store.deployment(org, name, environment)
            if deployment is None or deployment.current is None:
                raise NotFoundError(f"{environment} runs no version of {name!r}: pin one with --version")
            number = deployment.current
        else:
            number = self.store.resolve_version(org, script, version)
        command = self.runner_command(org)
        resolved = self.configuration.effective_values(org=org, name=name, environment=environment) if with_env else {}
        shredded = sorted(k for k, v in resolved.items() if v.secret and v.value == SHREDDED)
        if shredded:
            raise RefusedError(f"cannot run with the environment: the secret values of {', '.join(shredded)} "
                               "were shredded (set them again first)")
        config = {k: {"value": v.value, "secret": v.secret} for k, v in resolved.items()}
        mask = Masker(v.value for v in resolved.values() if v.secret)
        stored = script.get_version(number)
        assert stored is not None
        payload = {"script": name, "version": number, "environment": environment,
                   "content": self.store.contents.get(org, script.id, stored).data, "config": config, "input": input}
        input_bytes = json.dumps(input, sort_keys=True).encode("utf-8")
        run = Run(
            org=org, script=name, version=number, environment=environment, actor=actor,
            input_sha256=_sha256(input_bytes), with_env=with_env, config_keys=sorted(config),
            runner=command.split()[0],
        )
        self.store.save(run)
        archive = self.archive
        archive.put(input_bytes)  # content-addressed, so a postmortem can replay the input
        started = time.monotonic()
        try:
            result = mask.result(execute(command, payload, timeout=timeout))  # before anything is kept
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM turned into it by the interface
            run.finish(
                org=org, script=name, version=number, environment=environment, actor=actor,
                status="interrupted", duration_ms=int((time.monotonic() - started) * 1000),
                exit_code=None, output_sha256=None, steps=[],
                error="interrupted before the runner finished",
            )
            self.store.save(run)
            raise RunInterruptedError(f"interrupted: run {run.id} recorded as interrupted") from None
        output_sha256 = archive.put(result.output)
        steps = [{"name": step, "sha256": archive.put(data), "size": len(data)}
                 for step, data in result.steps.items()]
        steps += [{"name": step, "sha256": None, "size": 0, "skipped": why}
                  for step, why in result.skipped.items()]
        status = "passed" if result.passed else "failed"
        run.finish(
            org=org, script=name, version=number, environment=environment, actor=actor,
            status=status, duration_ms=result.duration_ms, exit_code=result.exit_code,
            output_sha256=output_sha256, steps=steps, error=result.error,
        )
        smoke = None
        if result.passed:
            smoke = self.store.get(SmokeHistory, SmokeHistory.create_id(org, name)) or SmokeHistory(org=org, script=name)
            smoke.record_pass(run_id=str(run.id), version=number, environment=environment)
        position = self.store.save(run, smoke)
        return {**self._run_view(run), "position": position, "output_bytes": result.output}

    def get_run(self, *, org: str, run_id: str) -> dict[str, Any]:
        try:
            run = self.store.get(Run, UUID(run_id))
        except ValueError:
            raise InvalidInputError(f"{run_id!r} is not a run id") from None
        if run is None or run.org != org:
            raise NotFoundError(f"unknown run {run_id}")
        return self._run_view(run)

    @staticmethod
    def _run_view(run: Run) -> dict[str, Any]:
        return {
            "run_id": str(run.id), "script": run.script, "version": run.script_version,
            "environment": run.environment, "status": run.status, "duration_ms": run.duration_ms,
            "input_sha256": run.input_sha256, "output_sha256": run.output_sha256,
            "steps": run.steps, "error": run.error, "actor": run.actor,
            "warnings": skipped_steps(run.steps),
            "started_at": run.created_on, "finished_at": run.modified_on if run.status != "started" else None,
        }

