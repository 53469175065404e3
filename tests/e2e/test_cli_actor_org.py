"""Who is recorded as the actor, which organization a command acts in, and where data lives."""

from __future__ import annotations

import pytest

from ledger.application import Ledger


def test_the_actor_comes_from_the_actor_option_first(cli) -> None:
    cli.given_script("svc")
    cli.ok("draft", "save", "svc", "-f", cli.write("w.json", '{"v": 2}'))

    published = cli.json(
        "draft", "publish", "svc", "--actor", "bob", env={"REVLEDGER_ACTOR": "from-env"}
    )

    assert published["author"] == "bob"


def test_the_actor_comes_from_revledger_actor_without_the_option(cli) -> None:
    created = cli.json("script", "create", "svc", env={"REVLEDGER_ACTOR": "from-env"})

    assert created["created_by"] == "from-env"


def test_the_actor_falls_back_to_the_os_user(cli) -> None:
    os_user = {
        "REVLEDGER_ACTOR": None,
        "LOGNAME": "os-user",
        "USER": "os-user",
        "LNAME": None,
        "USERNAME": None,
    }

    created = cli.json("script", "create", "svc", env=os_user)
    cli.ok("env", "set", "A", "1", env=os_user)

    assert created["created_by"] == "os-user"
    assert cli.events()[-1].actor == "os-user"


@pytest.mark.parametrize(
    "command",
    [
        ("promote", "svc", "--version", "1", "--to", "staging"),
        ("env", "set", "A", "1"),
        ("overlay", "update", "svc", "--set", "A=1"),
        ("draft", "save", "svc", "-f", "w.txt"),
    ],
)
def test_every_change_records_the_actor_in_its_event(cli, command: tuple[str, ...]) -> None:
    cli.given_script("svc")
    cli.write("w.txt", "text\n")

    cli.ok(*command, "--actor", "carol")

    last = cli.events()[-1]
    assert (last.actor, last.org) == ("carol", "default")


def test_the_default_organization_is_default(cli) -> None:
    cli.ok("script", "create", "svc")

    app = cli.open()
    try:
        assert [s.name for s in app.list_scripts(org="default")] == ["svc"]
    finally:
        app.close()


def test_organizations_never_see_each_others_scripts_or_variables(cli) -> None:
    cli.ok("script", "create", "billing-only", "--org", "acme")
    cli.ok("env", "set", "API_KEY", "acme-secret", "--org", "acme")
    cli.ok("script", "create", "shared", "--org", "acme")
    cli.ok("script", "create", "shared", "--org", "globex")

    assert [s["name"] for s in cli.json("script", "list", "--org", "acme")] == [
        "billing-only",
        "shared",
    ]
    assert [s["name"] for s in cli.json("script", "list", "--org", "globex")] == ["shared"]
    assert cli.json("env", "list", "--org", "globex") == []
    assert "unknown script" in cli.fails("script", "get", "billing-only", "--org", "globex")
    assert cli.json("script", "list") == []  # the default org is another org


def test_the_organization_comes_from_revledger_org(cli) -> None:
    cli.ok("script", "create", "svc", env={"REVLEDGER_ORG": "acme"})

    assert [s["name"] for s in cli.json("script", "list", "--org", "acme")] == ["svc"]
    assert [s["name"] for s in cli.json("script", "list", env={"REVLEDGER_ORG": "acme"})] == ["svc"]
    assert cli.json("script", "list") == []


def test_the_org_option_wins_over_revledger_org(cli) -> None:
    cli.ok("script", "create", "svc", "--org", "globex", env={"REVLEDGER_ORG": "acme"})

    assert cli.json("script", "list", "--org", "acme") == []
    assert [s["name"] for s in cli.json("script", "list", "--org", "globex")] == ["svc"]


@pytest.mark.sqlite_only
def test_data_lives_in_revledger_home(cli) -> None:
    cli.ok("script", "create", "svc")

    assert (cli.home / "ledger.db").is_file()
    assert not (cli.workdir / ".revledger").exists()


@pytest.mark.sqlite_only
def test_without_revledger_home_data_lives_in_dot_revledger_of_the_current_directory(cli) -> None:
    created = cli("script", "create", "svc", env={"REVLEDGER_HOME": None})

    assert created.exit_code == 0
    assert created.stderr.startswith("note: created a new revledger store in .revledger (its master key is ")
    assert created.stderr.count("\n") == 1
    assert (cli.workdir / ".revledger" / "ledger.db").is_file()
    assert cli.json("script", "list", env={"REVLEDGER_HOME": None})[0]["name"] == "svc"
    assert cli.json("script", "list") == []  # another home, another store


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("script",),
        ("script", "create"),
        ("script", "get"),
        ("script", "list"),
        ("draft",),
        ("draft", "save"),
        ("draft", "publish"),
        ("version",),
        ("version", "list"),
        ("version", "get"),
        ("version", "rollback"),
        ("promote",),
        ("env",),
        ("env", "set"),
        ("env", "get"),
        ("env", "list"),
        ("env", "delete"),
        ("env", "import"),
        ("overlay",),
        ("overlay", "get"),
        ("overlay", "update"),
        ("config",),
        ("config", "resolve"),
    ],
)
def test_every_command_has_help(cli, command: tuple[str, ...]) -> None:
    result = cli.ok(*command, "--help")

    assert "Usage" in result.stdout
    if command and command[-1] in {
        "create",
        "get",
        "save",
        "publish",
        "rollback",
        "promote",
        "set",
        "import",
        "update",
        "resolve",
    }:
        assert "--output" in result.stdout
