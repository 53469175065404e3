"""The README's table of the seed workflows runs as written, in order, on a fresh store."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]


def table_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- seed-workflows:start -->", 1)[1].split("<!-- seed-workflows:end -->", 1)[0]
    commands = []
    for row in block.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            found = re.fullmatch(r"`(revledger .+)`", cells[2])
            assert found, f"row {cells[0]}: the last column must be one revledger command: {cells[2]}"
            commands.append(found.group(1))
    return commands


def test_the_table_lists_both_workflows_steps() -> None:
    commands = table_commands()
    assert len(commands) >= 15
    for needed in ("env import", "env get", "draft publish", "thread run", "version rollback invoice-parser --to",
                   "promote", "diff", "run invoice-parser -e staging", "history", "at "):
        assert any(needed in c for c in commands), needed


def test_every_command_of_the_seed_workflow_table_runs_in_order_on_a_fresh_store(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the table's paths are relative to the repository root
    for command in table_commands():
        argv = shlex.split(command)[1:]
        result = cli(*argv)
        assert result.exit_code == 0, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.output

    assert cli.json("at", "invoice-parser", "-e", "production", "--time", "now")["version"] == 1
    runs = cli.json("runs", "list", "invoice-parser")
    assert [r["status"] for r in runs] == ["passed", "passed", "passed"]
    assert [r["version"] for r in runs] == [1, 2, 2]
