"""``revledger promote`` and ``revledger version rollback`` through the CLI runner."""

from __future__ import annotations

import pytest

MOVE_KEYS = {"script", "environment", "version", "previous_version"}


def test_promote_json_has_the_contract_shape(cli) -> None:
    cli.given_script("svc", versions=2)

    first = cli.json("promote", "svc", "--version", "1", "--to", "staging", "--reason", "first")
    second = cli.json("promote", "svc", "-v", "2", "--to", "staging")

    assert MOVE_KEYS <= set(first)
    assert (first["script"], first["environment"], first["version"], first["previous_version"]) == (
        "svc",
        "staging",
        1,
        None,
    )
    assert (second["version"], second["previous_version"]) == (2, 1)
    assert cli.json("script", "get", "svc")["environments"]["staging"] == 2


def test_promote_moves_a_version_through_every_environment(cli) -> None:
    cli.given_script("svc", versions=1)

    for environment in ("development", "staging", "production"):
        cli.ok("promote", "svc", "--version", "1", "--to", environment)

    assert cli.json("script", "get", "svc")["environments"] == {
        "development": 1,
        "staging": 1,
        "production": 1,
    }


def test_promoting_the_current_version_changes_nothing(cli) -> None:
    cli.given_script("svc", versions=1)
    cli.ok("promote", "svc", "--version", "1", "--to", "staging")
    before = cli.log_size()

    result = cli.ok("promote", "svc", "--version", "1", "--to", "staging")

    assert "nothing changed" in result.stdout
    assert cli.log_size() == before


@pytest.mark.parametrize(
    ("history", "expect"),
    [((), "none"), ((), "None"), ((1,), "1"), ((1, 2), "2")],
)
def test_a_matching_expect_current_lets_the_promotion_through(cli, history, expect: str) -> None:
    cli.given_script("svc", versions=3)
    for version in history:
        cli.ok("promote", "svc", "--version", str(version), "--to", "staging")

    moved = cli.json(
        "promote", "svc", "--version", "3", "--to", "staging", "--expect-current", expect
    )

    assert (moved["version"], moved["previous_version"]) == (3, history[-1] if history else None)


def test_version_zero_promotes_what_production_runs(cli) -> None:
    cli.given_script("svc", versions=3, shipped=(2,))

    moved = cli.json("promote", "svc", "--version", "0", "--to", "development")

    assert moved["version"] == 2


def test_rollback_json_has_the_contract_shape(cli) -> None:
    cli.given_script("svc", versions=3, shipped=(1, 3))

    moved = cli.json(
        "version",
        "rollback",
        "svc",
        "--to",
        "0",
        "--incident",
        "INC-1042",
        "--reason",
        "error spike",
    )

    assert MOVE_KEYS | {"incident"} <= set(moved)
    assert (
        moved["script"],
        moved["environment"],
        moved["version"],
        moved["previous_version"],
        moved["incident"],
    ) == (
        "svc",
        "production",
        1,
        3,
        "INC-1042",
    )
    assert cli.json("script", "get", "svc")["environments"]["production"] == 1


def test_rollback_to_an_explicit_known_good_version(cli) -> None:
    cli.given_script("svc", versions=3, shipped=(1, 2, 3))

    moved = cli.json("version", "rollback", "svc", "--to", "1")

    assert (moved["version"], moved["previous_version"]) == (1, 3)


def test_rollback_in_a_named_environment_leaves_production_alone(cli) -> None:
    cli.given_script("svc", versions=2, shipped=(1, 2))

    moved = cli.json("version", "rollback", "svc", "--to", "0", "--environment", "staging")

    assert (moved["environment"], moved["version"]) == ("staging", 1)
    assert cli.json("script", "get", "svc")["environments"] == {
        "development": None,
        "staging": 1,
        "production": 2,
    }


def test_rollback_with_force_goes_to_a_version_never_active_there(cli) -> None:
    cli.given_script("svc", versions=3, shipped=(1, 3))

    moved = cli.json("version", "rollback", "svc", "--to", "2", "--force", "--reason", "hotfix")

    assert (moved["version"], moved["previous_version"]) == (2, 3)


def test_rollback_is_recorded_as_a_rollback_with_incident_and_reason(cli) -> None:
    cli.given_script("svc", versions=2, shipped=(1, 2))

    cli.ok(
        "version",
        "rollback",
        "svc",
        "--to",
        "1",
        "--incident",
        "INC-7",
        "--reason",
        "spike",
        "--actor",
        "oncall",
    )

    last = cli.events()[-1]
    assert type(last).__name__ == "RolledBack"
    assert (
        last.version,
        last.previous_version,
        last.incident,
        last.reason,
        last.actor,
        last.org,
    ) == (
        1,
        2,
        "INC-7",
        "spike",
        "oncall",
        "default",
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ("promote", "svc", "--version", "2", "--to", "development"),
            ["Promoted svc version 2 to development", "previous_version"],
        ),
        (
            ("version", "rollback", "svc", "--to", "0", "--incident", "INC-1"),
            ["Rolled production of svc back", "INC-1"],
        ),
    ],
)
def test_promote_and_rollback_tables_say_what_happened(cli, command, expected: list[str]) -> None:
    cli.given_script("svc", versions=2, shipped=(1, 2))

    out = cli.ok(*command).stdout

    for text in expected:
        assert text in out


@pytest.mark.parametrize(
    "command",
    [
        ("promote", "svc", "--version", "2", "--to", "development"),
        ("version", "rollback", "svc", "--to", "0"),
    ],
)
def test_promote_and_rollback_yaml_carry_the_move(cli, command) -> None:
    import yaml

    cli.given_script("svc", versions=2, shipped=(1, 2))

    moved = yaml.safe_load(cli.ok(*command, "-o", "yaml").stdout)

    assert MOVE_KEYS <= set(moved)
    assert moved["script"] == "svc"
