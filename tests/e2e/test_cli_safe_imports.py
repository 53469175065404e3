"""``env import`` of a file named for an environment needs a scope; ``--base`` names the base
scope on purpose wherever a scope is given; an import answers with its reach."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("filename", "environment"),
    [(".env.prod", "production"), ("deploy.ENV.Production", "production"), (".env.stage", "staging"),
     (".env.staging.local", "staging"), (".env.dev", "development"), (".env.development", "development")],
)
def test_a_file_named_for_an_environment_is_refused_without_a_scope(cli, filename, environment) -> None:
    dotenv = cli.write(filename, "DB_PASSWORD=hunter2\n")
    before = cli.log_size()

    error = cli.fails("env", "import", dotenv)

    assert f"--environment {environment}" in error
    assert "--base" in error
    assert "hunter2" not in error
    assert cli.log_size() == before
    assert cli.json("env", "list") == []


def test_the_same_file_is_accepted_with_base_on_purpose_or_with_its_environment(cli) -> None:
    dotenv = cli.write(".env.prod", "DB_HOST=db.prod\n")

    based = cli.json("env", "import", dotenv, "--base")
    scoped = cli.json("env", "import", dotenv, "--environment", "production")

    assert based["environment"] is None and based["added"] == 1
    assert scoped["environment"] == "production" and scoped["added"] == 1
    assert cli.json("env", "get", "DB_HOST", "--base")["value"] == "db.prod"


def test_a_file_not_named_for_an_environment_still_imports_into_the_base_scope(cli) -> None:
    dotenv = cli.write(".env", "DB_HOST=db.local\n")

    assert cli.json("env", "import", dotenv)["environment"] is None


def test_base_and_environment_together_are_a_usage_error(cli) -> None:
    dotenv = cli.write(".env.prod", "A=1\n")

    result = cli("env", "import", dotenv, "--base", "--environment", "production")

    assert result.exit_code == 2
    assert "--base" in result.stderr and "Traceback" not in result.output
    assert cli.log_size() == 0 or cli.json("env", "list") == []


def test_base_is_accepted_everywhere_a_scope_is(cli) -> None:
    cli.given_script("svc")
    cli.ok("env", "set", "A", "1", "--base")
    cli.ok("overlay", "update", "svc", "--set", "B=2", "--base")

    assert cli.json("env", "get", "A", "--base")["environment"] is None
    assert [v["key"] for v in cli.json("env", "list", "--base")] == ["A"]
    assert cli.json("overlay", "get", "svc", "--base")["variables"]["B"]["value"] == "2"
    cli.ok("env", "delete", "A", "--base")
    assert cli.json("env", "list") == []


def test_an_import_answers_with_the_keys_whose_effective_value_changes_per_environment(cli) -> None:
    cli.ok("env", "set", "DB_HOST", "db.prod", "--environment", "production")
    dotenv = cli.write(".env.shared", "DB_HOST=db.local\nREGION=eu\n")

    base = cli.json("env", "import", dotenv)

    # production reads its own DB_HOST: only REGION reaches it.
    assert base["effective_changes"] == {
        "development": ["DB_HOST", "REGION"], "staging": ["DB_HOST", "REGION"], "production": ["REGION"],
    }
    again = cli.json("env", "import", dotenv)
    assert again["effective_changes"] == {"development": [], "staging": [], "production": []}
    scoped = cli.json("env", "import", cli.write("prod.txt", "REGION=us\n"), "-e", "production")
    assert scoped["effective_changes"] == {"development": [], "staging": [], "production": ["REGION"]}


def test_the_import_table_names_the_reach(cli) -> None:
    dotenv = cli.write(".env.shared", "REGION=eu\n")

    out = cli.ok("env", "import", dotenv).stdout

    assert "Effective changes in development: REGION; staging: REGION; production: REGION." in out
