"""Executing the configured runner command on a resolved version (the smoke-run adapter).

The runner gets ``{script, version, environment, content, config, input}`` as JSON on stdin
and ``REVLEDGER_STEPS_DIR`` (an empty directory for step files) in its environment; it
writes its JSON result on stdout. Exit status 0 means passed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.errors import InvalidInputError


@dataclass
class RunnerResult:
    passed: bool
    duration_ms: int
    exit_code: int | None
    output: bytes
    steps: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None


def execute(command: str, payload: dict[str, Any], timeout: float = 300.0) -> RunnerResult:
    try:
        argv = shlex.split(command)
    except ValueError as e:
        raise InvalidInputError(f"cannot parse runner command {command!r}: {e}") from None
    if not argv:
        raise InvalidInputError("the runner command is empty")
    with tempfile.TemporaryDirectory(prefix="revledger-steps-") as steps_dir:
        started = time.monotonic()
        try:
            done = subprocess.run(
                argv,
                input=json.dumps(payload).encode("utf-8"),
                capture_output=True,
                timeout=timeout,
                env={**os.environ, "REVLEDGER_STEPS_DIR": steps_dir},
                check=False,
            )
        except (FileNotFoundError, PermissionError) as e:
            # Recorded as a failed run (never left "started"), with the reason.
            reason = "not found" if isinstance(e, FileNotFoundError) else "not executable"
            return RunnerResult(False, 0, None, b"", error=f"runner command {reason}: {argv[0]}")
        except subprocess.TimeoutExpired as e:
            elapsed = int((time.monotonic() - started) * 1000)
            return RunnerResult(False, elapsed, None, e.stdout or b"", error=f"timed out after {timeout:g}s")
        elapsed = int((time.monotonic() - started) * 1000)
        steps = {
            str(p.relative_to(steps_dir)): p.read_bytes()
            for p in sorted(Path(steps_dir).rglob("*"))
            if p.is_file()
        }
    error = None
    reported = None
    try:
        parsed = json.loads(done.stdout or b"null")
        reported = parsed.get("error") if isinstance(parsed, dict) else None
    except ValueError:
        error = "runner output is not JSON"
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = reported or (stderr[-1] if stderr else None)
        error = f"runner exited with {done.returncode}" + (f": {said}" if said else "")
    return RunnerResult(
        passed=done.returncode == 0 and error is None,
        duration_ms=elapsed,
        exit_code=done.returncode,
        output=done.stdout,
        steps=steps,
        error=error,
    )
