"""Parsing .env files: values, blanks and comments, and invalid keys named by line."""

from __future__ import annotations

import pytest

from ledger.envfile import parse_dotenv
from ledger.errors import InvalidInputError


def test_dotenv_values_are_parsed_and_blanks_and_comments_skipped() -> None:
    text = (
        "# a comment\n\nA=1\nexport B=two\nC=\"hello world\"\nD='x y'\nE=3 # trailing comment\nF=\n"
    )

    assert parse_dotenv(text) == {
        "A": "1",
        "B": "two",
        "C": "hello world",
        "D": "x y",
        "E": "3",
        "F": "",
    }


def test_a_key_given_twice_is_refused_naming_both_lines() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_dotenv("A=1\nB=2\n\nA=3\n", source=".env")

    assert raised.value.message == (
        ".env: line 4: 'A' is given twice (first at line 1); nothing imported"
    )


def test_a_line_without_an_equals_sign_is_refused_not_imported_as_empty() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_dotenv("OK=1\nNOEQUALS\nEMPTY=\n")

    assert "line 2: 'NOEQUALS' has no '='" in raised.value.message
    assert parse_dotenv("EMPTY=\n") == {"EMPTY": ""}


def test_an_empty_file_has_no_values() -> None:
    assert parse_dotenv("") == {}
    assert parse_dotenv("\n# only a comment\n\n") == {}


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("1BAD=x\n", 1, "invalid variable name '1BAD'"),
        ("OK=1\nBAD-KEY=2\n", 2, "invalid variable name 'BAD-KEY'"),
        ("OK=1\n\n\nBAD.KEY=2\n", 4, "invalid variable name 'BAD.KEY'"),
        ("# c\nOK=1\n\nfoo bar\n", 4, "cannot parse 'foo bar'"),
        ("OK=1\n=x\n", 2, "cannot parse '=x'"),
        ('A="multi\nline"\n\nB C=1\n', 4, "cannot parse 'B C=1'"),
    ],
)
def test_an_invalid_line_is_refused_naming_its_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_dotenv(text, source="prod.env")

    assert raised.value.message.startswith(f"prod.env: line {line}: {problem}")
    assert raised.value.message.endswith("nothing imported")


def test_every_invalid_line_is_named_at_once() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_dotenv("GOOD=1\n1A=2\nGOOD2=3\n2B=4\n")

    assert "line 2: invalid variable name '1A'" in raised.value.message
    assert "line 4: invalid variable name '2B'" in raised.value.message
