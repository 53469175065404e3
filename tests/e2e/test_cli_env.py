"""``revledger env`` (tenant variables) through the CLI runner."""

from __future__ import annotations


import pytest
import yaml

VARIABLE_KEYS = {"key", "value", "secret", "fingerprint", "environment"}
SECRET = "sk-live-0123456789"



def test_env_get_json_has_the_contract_shape(cli) -> None:
    cli.ok("env", "set", "DB_HOST", "db.local")

    variable = cli.json("env", "get", "DB_HOST")

    assert VARIABLE_KEYS <= set(variable)
    assert variable == variable | {
        "key": "DB_HOST",
        "value": "db.local",
        "secret": False,
        "fingerprint": cli.fingerprint("db.local"),
        "environment": None,
    }


def test_env_variables_are_scoped_to_the_base_or_one_environment(cli) -> None:
    cli.ok("env", "set", "DB_HOST", "db.local")
    cli.ok("env", "set", "DB_HOST", "db.prod", "--environment", "production")
    cli.ok("env", "set", "MODEL", "small", "-e", "staging")

    assert cli.json("env", "get", "DB_HOST")["value"] == "db.local"
    prod = cli.json("env", "get", "DB_HOST", "--environment", "production")
    assert (prod["value"], prod["environment"]) == ("db.prod", "production")
    assert [v["key"] for v in cli.json("env", "list")] == ["DB_HOST"]
    assert [v["key"] for v in cli.json("env", "list", "-e", "staging")] == ["MODEL"]
    assert all(VARIABLE_KEYS <= set(v) for v in cli.json("env", "list"))


def test_env_delete_removes_a_key_from_one_scope(cli) -> None:
    cli.ok("env", "set", "A", "1")
    cli.ok("env", "set", "A", "2", "-e", "staging")

    cli.ok("env", "delete", "A")

    assert cli.json("env", "list") == []
    assert cli.json("env", "get", "A", "-e", "staging")["value"] == "2"


@pytest.mark.parametrize(
    ("key", "flag"),
    [
        ("OPENAI_API_KEY", ()),
        ("github_token", ()),
        ("ClientSecret", ()),
        ("DB_PASSWORD", ()),
        ("DSN", ("--secret",)),
    ],
)
@pytest.mark.parametrize("output", ["table", "json", "yaml"])
def test_secret_values_are_never_printed_without_reveal(
    cli, key: str, flag: tuple[str, ...], output: str
) -> None:
    set_result = cli.ok("env", "set", key, SECRET, *flag, "-o", output)

    outputs = [
        set_result.stdout,
        cli.ok("env", "get", key, "-o", output).stdout,
        cli.ok("env", "list", "-o", output).stdout,
    ]

    for out in outputs:
        assert SECRET not in out
        assert cli.fingerprint(SECRET) in out
    revealed = cli.ok("env", "get", key, "--reveal", "-o", output).stdout
    assert SECRET in revealed
    assert SECRET in cli.ok("env", "list", "--reveal", "-o", output).stdout


def test_a_masked_secret_reports_secret_true_and_its_fingerprint(cli) -> None:
    cli.ok("env", "set", "DSN", SECRET, "--secret")

    variable = cli.json("env", "get", "DSN")

    assert variable["secret"] is True
    assert variable["value"] != SECRET
    assert variable["fingerprint"] == cli.fingerprint(SECRET)


def test_env_import_json_reports_added_changed_and_unchanged(cli) -> None:
    cli.ok("env", "set", "SAME", "1", "-e", "production")
    cli.ok("env", "set", "OLD", "1", "-e", "production")
    env_file = cli.write("prod.env", '# production\n\nSAME=1\nOLD=2\nexport NEW="three"\nNEW2=4\n')

    counts = cli.json("env", "import", env_file, "--environment", "production")

    assert {"added", "changed", "unchanged"} <= set(counts)
    assert (counts["added"], counts["changed"], counts["unchanged"]) == (2, 1, 1)
    values = {v["key"]: v["value"] for v in cli.json("env", "list", "-e", "production")}
    assert values == {"SAME": "1", "OLD": "2", "NEW": "three", "NEW2": "4"}


def test_env_import_is_one_event(cli) -> None:
    env_file = cli.write(".env", "A=1\nB=2\nC=3\n")
    cli.ok("env", "set", "X", "0")
    before = cli.log_size()

    cli.ok("env", "import", env_file)

    assert cli.log_size() == before + 1


def test_env_import_table_states_the_counts(cli) -> None:
    cli.ok("env", "set", "A", "1")

    out = cli.ok("env", "import", cli.write(".env", "A=1\nB=2\n")).stdout

    assert "1 added, 0 changed, 1 unchanged" in out


def test_env_import_yaml_reports_the_counts(cli) -> None:
    counts = yaml.safe_load(
        cli.ok("env", "import", cli.write(".env", "A=1\nB=2\n"), "-o", "yaml").stdout
    )

    assert (counts["added"], counts["changed"], counts["unchanged"]) == (2, 0, 0)
