"""The command line as a new user types it: options anywhere, help everywhere, names in any
case, and a suggestion when a name is close to one that exists."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Cli


@pytest.fixture
def svc(cli: Cli) -> str:
    cli.ok("script", "create", "svc", "--org", "acme")
    for number in (1, 2):
        content = cli.workdir / f"v{number}.json"
        content.write_text(json.dumps({"blocks": [{"id": "step", "n": number}]}))
        cli.ok("draft", "save", "svc", "-f", str(content), "--org", "acme")
        cli.ok("draft", "publish", "svc", "--org", "acme")
    return "svc"


@pytest.mark.parametrize(
    "args",
    [
        ("--org", "acme", "-o", "json", "script", "list"),
        ("-o", "json", "--org=acme", "script", "list"),
        ("--org", "acme", "-ojson", "script", "list"),
        ("script", "list", "--org", "acme", "-o", "json"),
    ],
)
def test_options_are_accepted_before_the_sub_command_as_after_it(cli: Cli, svc: str, args: tuple[str, ...]) -> None:
    assert [s["name"] for s in json.loads(cli.ok(*args).stdout)] == ["svc"]


def test_an_option_given_after_the_sub_command_wins_over_one_before_it(cli: Cli, svc: str) -> None:
    assert cli.ok("--org", "other", "script", "list", "--org", "acme", "-o", "json").stdout.count('"svc"') == 1


def test_an_option_the_command_does_not_take_is_refused_in_one_line(cli: Cli, svc: str) -> None:
    assert cli.fails("--actor", "bob", "status", code=2).startswith("No such option: --actor")


@pytest.mark.parametrize("group", ["env", "script", "version", "overlay", "config"])
def test_a_bare_command_group_prints_its_help_and_exits_0(cli: Cli, group: str) -> None:
    result = cli.ok(group)

    assert f"revledger {group}" in result.stdout and "Commands" in result.stdout


@pytest.mark.parametrize("words", [(), ("env",), ("env", "import"), ("version", "rollback")])
def test_help_explains_revledger_or_any_command(cli: Cli, words: tuple[str, ...]) -> None:
    helped = cli.ok("help", *words).stdout

    assert helped == cli.ok(*words, "--help").stdout


def test_help_of_an_unknown_command_suggests_the_close_one(cli: Cli) -> None:
    assert cli.fails("help", "evn", code=2).startswith("no command 'evn': did you mean 'env'?")


def test_an_unknown_command_or_option_gets_a_suggestion_in_one_line(cli: Cli) -> None:
    assert "Did you mean 'script'?" in cli.fails("scrpt", "list", code=2)
    assert "Possible options: --output" in cli.fails("script", "list", "--outptu", "json", code=2)


def test_an_unknown_script_or_environment_gets_a_suggestion(cli: Cli, svc: str) -> None:
    assert cli.fails("script", "get", "scv", "--org", "acme") == "unknown script 'scv': did you mean 'svc'?"
    assert "did you mean 'production'?" in cli.fails(
        "promote", svc, "--version", "1", "-e", "prod", "--org", "acme"
    )


@pytest.mark.parametrize("spelling", ["Staging", "STAGING", "staging"])
def test_environment_names_are_case_insensitive(cli: Cli, svc: str, spelling: str) -> None:
    moved = cli.json("promote", svc, "--version", "1", "-e", spelling, "--org", "acme")

    assert moved["environment"] == "staging"
    assert cli.json("at", svc, "--environment", spelling, "--time", "now", "--org", "acme")["version"] == 1


@pytest.mark.parametrize("flag", ["-e", "--environment", "--to"])
def test_promote_takes_the_environment_as_rollback_does(cli: Cli, svc: str, flag: str) -> None:
    assert cli.json("promote", svc, "--version", "1", flag, "staging", "--org", "acme")["changed"] is True


def test_promoting_production_back_to_a_version_it_ran_hints_at_rollback(cli: Cli, svc: str) -> None:
    for version in ("1", "2"):
        cli.ok("promote", svc, "--version", version, "-e", "staging", "--org", "acme")
        cli.ok("promote", svc, "--version", version, "-e", "production", "--org", "acme")

    result = cli("promote", svc, "--version", "1", "-e", "production", "--org", "acme")

    assert result.exit_code == 0
    assert result.stdout.startswith("Promoted svc version 1 to production (was 2).")
    assert result.stderr.startswith("hint: production went back to version 1, which ran there before:")
    assert "revledger version rollback svc --version 1 --incident ID" in result.stderr
    # A first promotion to an older version (never live there) gets no hint.
    cli.ok("promote", svc, "--version", "2", "-e", "development", "--org", "acme")
    assert cli("promote", svc, "--version", "1", "-e", "development", "--org", "acme").stderr == ""
