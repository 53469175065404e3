"""`revledger --help` starts fast: it imports nothing that no command it lists needs to start
(issue 11: the CLI imports only what the command uses)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
import typer.main

import api.cli

#: Modules `revledger --help` must not import: the write model (and eventsourcing under it),
#: the error table (it imports the write model), a second click beside typer's own, PyYAML,
#: and the parts of rich typer's help formatter imports but revledger never uses (api/rich_help.py).
NOT_AT_START = ["eventsourcing", "ledger.application", "ledger.aggregates", "api.errors", "click", "yaml",
                "rich.markdown", "markdown_it", "pygments", "rich.traceback"]

PROBE = """
import json, sys
from typer.testing import CliRunner
import api.cli
result = CliRunner().invoke(api.cli.app, ["--help"])
assert result.exit_code == 0, result.output
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def modules_after_help() -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("module", NOT_AT_START)
def test_help_does_not_import(module: str, modules_after_help: set[str]) -> None:
    assert module not in modules_after_help


def test_the_probe_sees_what_help_imports(modules_after_help: set[str]) -> None:
    assert {"api.cli", "api.commands.scripts", "typer"} <= modules_after_help


def test_command_annotations_are_evaluated_once_at_import() -> None:
    """typer reads every command's signature at each start; a string annotation is compiled each time."""
    stringly = []
    group = typer.main.get_group(api.cli.app)

    def walk(command: object, path: str) -> None:
        callback = getattr(command, "callback", None)
        original = getattr(callback, "__wrapped__", callback)
        if original is not None:
            for name, annotation in inspect.get_annotations(original).items():
                if isinstance(annotation, str):
                    stringly.append(f"{path} {name}: {annotation}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(group, "revledger")
    assert not stringly


def test_the_deferred_rich_classes_are_the_real_ones_when_used() -> None:
    """Markdown help and rich tracebacks still work: the stand-ins import the real classes."""
    import rich.markdown
    import rich.traceback
    import typer.rich_utils

    markdown = typer.rich_utils._make_rich_text(text="**bold**", markup_mode="markdown")
    assert type(markdown) is rich.markdown.Markdown
    assert isinstance(markdown, typer.rich_utils.Markdown)
    try:
        raise ValueError("boom")
    except ValueError as error:
        traceback = typer.rich_utils.Traceback.from_exception(type(error), error, error.__traceback__)
    assert type(traceback) is rich.traceback.Traceback
