"""One meaning per word: promote and rollback take the same options, "nothing changed" exits 0,
and a rollback plan prints the command that does exactly what it planned."""

from __future__ import annotations

import json
import shlex

import pytest

from tests.conftest import Cli


@pytest.fixture
def svc(cli: Cli) -> str:
    cli.ok("script", "create", "svc")
    for number in (1, 2, 3):
        content = cli.workdir / f"v{number}.json"
        content.write_text(json.dumps({"blocks": [{"id": "step", "n": number}]}))
        cli.ok("draft", "save", "svc", "-f", str(content))
        cli.ok("draft", "publish", "svc")
    for number in ("1", "2"):
        cli.ok("promote", "svc", "--version", number, "--to", "staging")
        cli.ok("promote", "svc", "--version", number, "--to", "production")
    return "svc"


@pytest.mark.parametrize("flag", ["--version", "--to"])
def test_rollback_takes_version_and_keeps_to_as_an_alias(cli: Cli, svc: str, flag: str) -> None:
    moved = cli.json("version", "rollback", svc, flag, "1", "-e", "production", "--incident", "INC-1")

    assert (moved["version"], moved["previous_version"], moved["changed"]) == (1, 2, True)


def test_rolling_back_to_the_version_already_running_exits_0_and_says_so(cli: Cli, svc: str) -> None:
    before = cli.json("audit")

    text = cli.ok("version", "rollback", svc, "--version", "2").stdout
    answer = cli.json("version", "rollback", svc, "--version", "2")

    assert text.startswith("production already runs svc version 2: nothing changed.")
    assert (answer["changed"], answer["position"]) == (False, None)
    assert cli.json("audit") == before


def test_promoting_the_version_already_running_exits_0_and_says_so(cli: Cli, svc: str) -> None:
    text = cli.ok("promote", svc, "--version", "2", "--to", "production").stdout

    assert text.startswith("production already runs svc version 2: nothing changed.")


def test_the_rollback_plan_agrees_with_the_command_it_prints(cli: Cli, svc: str) -> None:
    head = cli.json("audit")[0]["position"]
    plan = cli.json(
        "version", "rollback", svc, "--version", "0", "--dry-run",
        "--incident", "INC-7", "--reason", "error spike after 2",
    )

    assert (plan["current"], plan["target"], plan["changed"], plan["would_pass"]) == (2, 1, True, True)
    assert cli.json("audit")[0]["position"] == head  # a plan changes nothing
    argv = shlex.split(plan["command"])
    assert argv[:3] == ["revledger", "version", "rollback"]
    assert "--incident" in argv and argv[argv.index("--incident") + 1] == "INC-7"
    assert argv[argv.index("--reason") + 1] == "error spike after 2"
    assert argv[argv.index("--expect-current") + 1] == "2"

    moved = cli.json(*argv[1:])

    assert (moved["version"], moved["previous_version"], moved["incident"]) == (1, 2, "INC-7")
    assert moved["reason"] == "error spike after 2"
    # Run again, the printed command is refused: the pointer is no longer where the plan saw it.
    assert "expected" in cli.fails(*argv[1:], code=3)


def test_the_plan_of_a_rollback_to_the_current_version_says_nothing_changes(cli: Cli, svc: str) -> None:
    plan = cli.json("version", "rollback", svc, "--version", "2", "--dry-run")

    assert (plan["current"], plan["target"], plan["changed"]) == (2, 2, False)
