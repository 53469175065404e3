"""Every refusal the CLI makes: one ``error:`` line on stderr, no traceback, the right exit code,
and the store left exactly as it was."""

from __future__ import annotations

import pytest


@pytest.fixture
def seeded(cli):
    """svc: versions 1-3; production went 1 → 3 (via staging); variable X=1; overlay M=1."""
    cli.given_script("svc", versions=3, shipped=(1, 3))
    cli.given_script("empty", versions=0)
    cli.ok("env", "set", "X", "1")
    cli.ok("overlay", "update", "svc", "--set", "M=1")
    return cli


REFUSALS = {
    # unknown script
    "script get unknown": (("script", "get", "nope"), "unknown script 'nope'"),
    "draft publish unknown": (("draft", "publish", "nope"), "unknown script 'nope'"),
    "version list unknown": (("version", "list", "nope"), "unknown script 'nope'"),
    "version get unknown": (("version", "get", "nope", "1"), "unknown script 'nope'"),
    "promote unknown": (
        ("promote", "nope", "--version", "1", "--to", "staging"),
        "unknown script 'nope'",
    ),
    "rollback unknown": (("version", "rollback", "nope", "--to", "0"), "unknown script 'nope'"),
    "overlay get unknown": (("overlay", "get", "nope"), "unknown script 'nope'"),
    "overlay update unknown": (
        ("overlay", "update", "nope", "--set", "A=1"),
        "unknown script 'nope'",
    ),
    "config resolve unknown": (
        ("config", "resolve", "nope", "-e", "staging"),
        "unknown script 'nope'",
    ),
    # unknown version
    "version get unknown version": (("version", "get", "svc", "9"), "unknown version 9 of 'svc'"),
    "promote unknown version": (
        ("promote", "svc", "--version", "9", "--to", "staging"),
        "unknown version 9",
    ),
    "rollback unknown version": (
        ("version", "rollback", "svc", "--to", "9", "--force"),
        "unknown version 9",
    ),
    "version zero with nothing in production": (
        ("version", "get", "empty", "0"),
        "production runs no version",
    ),
    # unknown environment
    "promote unknown environment": (
        ("promote", "svc", "--version", "1", "--to", "prod"),
        "unknown environment 'prod'",
    ),
    "rollback unknown environment": (
        ("version", "rollback", "svc", "--to", "0", "-e", "prod"),
        "unknown environment",
    ),
    "env set unknown environment": (
        ("env", "set", "A", "1", "-e", "prod"),
        "unknown environment 'prod'",
    ),
    "env get unknown environment": (
        ("env", "get", "X", "-e", "prod"),
        "unknown environment 'prod'",
    ),
    "env list unknown environment": (("env", "list", "-e", "prod"), "unknown environment 'prod'"),
    "overlay get unknown environment": (
        ("overlay", "get", "svc", "-e", "qa"),
        "unknown environment 'qa'",
    ),
    "config resolve unknown environment": (
        ("config", "resolve", "svc", "-e", "qa"),
        "unknown environment 'qa'",
    ),
    # invalid names
    "script create invalid name": (
        ("script", "create", "Bad_Name"),
        "invalid script name 'Bad_Name'",
    ),
    "script get invalid name": (("script", "get", "a b"), "invalid script name"),
    "invalid org": (("script", "list", "--org", "no such org"), "invalid organization"),
    "env set invalid key": (("env", "set", "1X", "v"), "invalid variable name '1X'"),
    "overlay invalid key": (
        ("overlay", "update", "svc", "--set", "A-B=1"),
        "invalid variable name 'A-B'",
    ),
    "overlay set without =": (
        ("overlay", "update", "svc", "--set", "NOVALUE"),
        "expected KEY=VALUE",
    ),
    # refused in the current state
    "duplicate script": (("script", "create", "svc"), "script 'svc' already exists"),
    "publish with no draft": (("draft", "publish", "empty"), "no draft to publish"),
    "publish identical draft": (("draft", "publish", "svc"), "identical to version 3"),
    "rollback to never active": (
        ("version", "rollback", "svc", "--to", "2"),
        "never active in production",
    ),
    "rollback environment never run": (
        ("version", "rollback", "svc", "--to", "1", "-e", "development"),
        "never run",
    ),
    "env get missing": (("env", "get", "NOPE"), "no variable 'NOPE'"),
    "env delete missing": (("env", "delete", "NOPE"), "no variable 'NOPE'"),
    "overlay nothing to do": (("overlay", "update", "svc"), "nothing to update"),
}


@pytest.mark.parametrize(("command", "message"), list(REFUSALS.values()), ids=list(REFUSALS))
def test_a_refusal_is_one_line_exit_1_and_saves_nothing(
    seeded, command: tuple[str, ...], message: str
) -> None:
    before = seeded.log_size()

    error = seeded.fails(*command, code=1)

    assert message in error
    assert seeded.log_size() == before


def test_the_log_is_unchanged_by_refusals_through_json_output_too(seeded) -> None:
    before = seeded.log_size()

    error = seeded.fails("draft", "publish", "svc", "-o", "json")

    assert "identical" in error
    assert seeded.log_size() == before


@pytest.mark.parametrize(
    ("history", "expect", "wanted"),
    [
        ((), "1", "unset, expected at version 1"),
        ((1,), "none", "at version 1, expected unset"),
        ((1, 2), "1", "at version 2, expected at version 1"),
    ],
)
def test_an_expect_current_mismatch_is_a_conflict_with_exit_3(
    cli, history, expect: str, wanted: str
) -> None:
    cli.given_script("svc", versions=3)
    for version in history:
        cli.ok("promote", "svc", "--version", str(version), "--to", "staging")
    before = cli.log_size()

    error = cli.fails(
        "promote", "svc", "--version", "3", "--to", "staging", "--expect-current", expect, code=3
    )

    assert wanted in error
    assert cli.log_size() == before
    assert cli.json("script", "get", "svc")["environments"]["staging"] == (
        history[-1] if history else None
    )


@pytest.mark.parametrize(
    ("filename", "text", "where"),
    [
        ("bad.json", '{\n  "a": 1,\n  "b": \n}\n', "invalid JSON at line 4, column 1"),
        ("bad.json", '{"a": 1 "b": 2}', "invalid JSON at line 1, column 9"),
        ("bad.yaml", "steps:\n  - a\n bad: indent\n", "invalid YAML at line 3, column 2"),
        ("bad.yml", "a: 1\n\tb: 2\n", "invalid YAML at line 2, column 1"),
        ("bad.json", b'{"a": "\xff"}', "not UTF-8 text at line 1, column 8"),
    ],
)
def test_a_malformed_file_is_reported_with_line_and_column_and_nothing_is_saved(
    seeded, filename: str, text: str | bytes, where: str
) -> None:
    before = seeded.log_size()
    path = seeded.write(filename, text)

    error = seeded.fails("draft", "save", "svc", "-f", path)

    assert where in error
    assert filename in error
    assert seeded.log_size() == before
    assert seeded.json("script", "get", "svc")["draft"] == "unchanged"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GOOD=1\nBAD-KEY=2\n", "line 2: invalid variable name 'BAD-KEY'"),
        ("# header\n\nGOOD=1\n\n1BAD=2\n", "line 5: invalid variable name '1BAD'"),
        ("GOOD=1\nnot a pair\n", "line 2: cannot parse 'not a pair'"),
    ],
)
def test_an_env_file_with_an_invalid_line_names_it_and_imports_nothing(
    seeded, text: str, problem: str
) -> None:
    before = seeded.log_size()

    error = seeded.fails("env", "import", seeded.write("bad.env", text))

    assert problem in error
    assert "nothing imported" in error
    assert seeded.log_size() == before
    assert [v["key"] for v in seeded.json("env", "list")] == ["X"]


def test_an_env_file_that_is_not_utf8_is_refused(seeded) -> None:
    before = seeded.log_size()

    error = seeded.fails("env", "import", seeded.write("bad.env", b"A=1\nB=\xff\n"))

    assert "not UTF-8 text at line 2" in error
    assert seeded.log_size() == before


@pytest.mark.parametrize(
    "command",
    [
        ("promote", "svc", "--to", "staging"),  # missing --version
        ("promote", "svc", "--version", "1"),  # missing --to
        ("promote", "svc", "--version", "x", "--to", "staging"),
        ("promote", "svc", "--version", "1", "--to", "staging", "--expect-current", "two"),
        ("version", "get", "svc", "latest"),
        ("version", "rollback", "svc"),  # missing --to
        ("script", "get", "svc", "-o", "xml"),
        ("draft", "save", "svc", "-f", "no-such-file.json"),
        ("env", "import", "no-such.env"),
        ("config", "resolve", "svc"),  # missing --environment
        ("script", "frobnicate"),
        ("script", "get", "svc", "--no-such-option"),
    ],
)
def test_usage_errors_exit_with_code_2_and_change_nothing(seeded, command: tuple[str, ...]) -> None:
    before = seeded.log_size()

    result = seeded(*command)

    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert seeded.log_size() == before


def test_a_successful_command_exits_0_with_nothing_on_stderr(seeded) -> None:
    result = seeded("script", "get", "svc")

    assert (result.exit_code, result.stderr) == (0, "")
