"""Pinned smoke runs: resolve an exact version (and config), run it, record and archive it."""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.archive import Archive
from ledger.config import resolve
from ledger.errors import InvalidInputError, LedgerError, NotFoundError
from ledger.names import check_environment
from ledger.masking import Masker
from ledger.runner import execute
from ledger.runs import Run, SmokeHistory

if TYPE_CHECKING:
    from ledger.application import Ledger as _Base
else:
    _Base = object


class RunInterruptedError(LedgerError):
    """The run was interrupted (Ctrl-C, SIGTERM); it is recorded as ``interrupted``."""

    exit_code = 130


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RunCommands(_Base):
    """Mixed into :class:`ledger.application.Ledger`. Needs ``ARCHIVE_DIR`` in the app's env."""

    @property
    def archive(self) -> Archive:
        root = self.env.get("ARCHIVE_DIR")
        if not root:
            raise InvalidInputError("no archive directory is configured (ARCHIVE_DIR)")
        return Archive(root)

    def runner_command(self, org: str) -> str:
        command = self.env.get("RUNNER") or self.get_policy(org=org)["runner"]
        if not command:
            raise InvalidInputError(
                "no runner configured: set REVLEDGER_RUNNER or `revledger policy set runner \"CMD\"`"
            )
        return str(command)

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
        script = self._script(org, name)
        if version is None:
            deployment = self._deployment(org, name, environment)
            if deployment is None or deployment.current is None:
                raise NotFoundError(f"{environment} runs no version of {name!r}: pin one with --version")
            number = deployment.current
        else:
            number = self._resolve_version(org, script, version)
        command = self.runner_command(org)
        resolved = resolve(self._tenant(org), self._overlay(org, name), environment) if with_env else {}
        config = {k: {"value": v.value, "secret": v.secret} for k, v in resolved.items()}
        mask = Masker(v.value for v in resolved.values() if v.secret)
        stored = script.get_version(number)
        assert stored is not None
        payload = {"script": name, "version": number, "environment": environment,
                   "content": self.contents.get(org, script.id, stored).data, "config": config, "input": input}
        input_bytes = json.dumps(input, sort_keys=True).encode("utf-8")
        run = Run(
            org=org, script=name, version=number, environment=environment, actor=actor,
            input_sha256=_sha256(input_bytes), with_env=with_env, config_keys=sorted(config),
            runner=command.split()[0],
        )
        self._save(run)
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
            self._save(run)
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
            smoke = self._get(SmokeHistory, SmokeHistory.create_id(org, name)) or SmokeHistory(org=org, script=name)
            smoke.record_pass(run_id=str(run.id), version=number, environment=environment)
        position = self._save(run, smoke)
        return {**self._run_view(run), "position": position, "output_bytes": result.output}

    def get_run(self, *, org: str, run_id: str) -> dict[str, Any]:
        try:
            run = self._get(Run, UUID(run_id))
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
            "warnings": [f"step file {step['name']} skipped: {step['skipped']}"
                         for step in run.steps if step.get("skipped")],
            "started_at": run.created_on, "finished_at": run.modified_on if run.status != "started" else None,
        }

