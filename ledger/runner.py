"""Executing the configured runner command on a resolved version (the smoke-run adapter).

The runner gets ``{script, version, environment, content, config, input}`` as JSON on stdin
(each ``config`` entry is ``{"value": ..., "secret": true|false}``) and
``REVLEDGER_STEPS_DIR`` (an empty directory for step files) in its environment, which is
revledger's own without its ``REVLEDGER_*`` settings; it writes its JSON result on stdout.
Exit status 0 means passed. Step files are collected without following symbolic links and
never from outside that directory: anything else there is skipped, with the reason.
"""

from __future__ import annotations

import json
import os
import shlex
import stat
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
    #: Step files not collected, with the reason (a symbolic link, not a regular file…).
    skipped: dict[str, str] = field(default_factory=dict)


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
                env={**_runner_environ(), "REVLEDGER_STEPS_DIR": steps_dir},
                check=False,
            )
        except FileNotFoundError:
            raise InvalidInputError(f"runner command not found: {argv[0]}") from None
        except subprocess.TimeoutExpired as e:
            elapsed = int((time.monotonic() - started) * 1000)
            return RunnerResult(False, elapsed, None, e.stdout or b"", error=f"timed out after {timeout:g}s")
        elapsed = int((time.monotonic() - started) * 1000)
        steps, skipped = collect_steps(steps_dir)
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
        skipped=skipped,
    )


def _runner_environ() -> dict[str, str]:
    """revledger's environment without its own settings (a token, the data directory…)."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("REVLEDGER_")}


LINK = "a symbolic link: not followed"


def collect_steps(steps_dir: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """The regular files under ``steps_dir`` by relative path, and what was skipped and why.
    Symbolic links (to files or directories) are never followed, so nothing outside the
    directory is read; each file is opened with ``O_NOFOLLOW``."""
    files: dict[str, bytes] = {}
    skipped: dict[str, str] = {}
    root = Path(steps_dir)
    if root.is_symlink() or not root.is_dir():
        return files, {".": "the steps directory was replaced: nothing collected"}
    for directory, subdirectories, names in os.walk(root, followlinks=False):
        here = Path(directory)
        for name in list(subdirectories):
            if (here / name).is_symlink():
                skipped[str((here / name).relative_to(root))] = LINK
                subdirectories.remove(name)
        for name in sorted(names):
            path = here / name
            relative = str(path.relative_to(root))
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                skipped[relative] = LINK
                continue
            if not stat.S_ISREG(mode):
                skipped[relative] = "not a regular file"
                continue
            try:
                descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError as error:
                skipped[relative] = f"unreadable: {error.strerror}"
                continue
            with os.fdopen(descriptor, "rb") as handle:
                files[relative] = handle.read()
    return dict(sorted(files.items())), dict(sorted(skipped.items()))
