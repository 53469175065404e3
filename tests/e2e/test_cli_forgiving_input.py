"""Forgiving where it can be, loud where it matters: relative and future times, strict .env
files, YAML errors where the cause is, and overlay deletes that can be re-run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Cli


@pytest.fixture
def svc(cli: Cli) -> str:
    cli.ok("script", "create", "svc")
    cli.ok("env", "set", "MODEL", "gpt-4.1")
    content = cli.workdir / "v1.yaml"
    content.write_text("blocks:\n  - id: extract\n    model: '{{ env.MODEL }}'\n")
    cli.ok("draft", "save", "svc", "-f", str(content))
    cli.ok("draft", "publish", "svc")
    cli.ok("promote", "svc", "--version", "1", "--to", "development")
    return "svc"


@pytest.mark.parametrize("when", ["-1h", "now-1h", "-90m", "-1d"])
def test_a_relative_time_before_the_first_deploy_answers_with_nulls(cli: Cli, svc: str, when: str) -> None:
    answer = cli.json("at", svc, "-e", "development", "--time", when)

    assert answer["version"] is None


@pytest.mark.parametrize("when", ["now", "-0m"])
def test_a_relative_time_after_the_deploy_answers_what_ran(cli: Cli, svc: str, when: str) -> None:
    assert cli.json("at", svc, "-e", "development", "--time", when)["version"] == 1


def test_a_time_in_the_future_is_answered_with_a_warning(cli: Cli, svc: str) -> None:
    for when in ("now+1h", (datetime.now(UTC) + timedelta(days=1)).isoformat()):
        result = cli("at", svc, "-e", "development", "--time", when, "-o", "json")

        assert result.exit_code == 0
        assert json.loads(result.stdout)["version"] == 1
        assert result.stderr == f"warning: {when!r} is in the future: the answer can still change\n"


def test_an_unreadable_time_names_the_forms_accepted(cli: Cli, svc: str) -> None:
    message = cli.fails("at", svc, "-e", "development", "--time", "yesterday")

    assert "-30m, -2h, -1d or now-1h" in message


def test_audit_refuses_since_later_than_until(cli: Cli, svc: str) -> None:
    message = cli.fails("audit", "--since", "-1h", "--until", "-2h")

    assert message == "--until must not be before --since"


def test_env_import_refuses_a_line_without_equals_and_a_key_given_twice(cli: Cli) -> None:
    env_file = cli.workdir / "settings.env"
    env_file.write_text("MODEL=gpt-4.1\nNOEQUALS\nTIMEOUT=30\nMODEL=gpt-5\n")

    message = cli.fails("env", "import", str(env_file))

    assert "line 2: 'NOEQUALS' has no '='" in message
    assert "line 4: 'MODEL' is given twice (first at line 1)" in message
    assert message.endswith("nothing imported")
    assert cli.json("env", "list") == []


def test_a_yaml_error_is_reported_where_the_quote_opens(cli: Cli, svc: str) -> None:
    draft = cli.workdir / "broken.yaml"
    draft.write_text("name: x\nmodel: gpt\ntemperature: 0\nprompt: \"unterminated\nretries: 3\nend: true\n")

    message = cli.fails("draft", "save", svc, "-f", str(draft))

    assert message.startswith(f"{draft}: invalid YAML at line 4, column 9:")


def test_an_unquoted_template_value_gets_a_hint(cli: Cli, svc: str) -> None:
    draft = cli.workdir / "unquoted.yaml"
    draft.write_text("name: x\nmodel: {{ env.MODEL }}\n")

    assert 'hint: quote a template value' in cli.fails("draft", "save", svc, "-f", str(draft))


@pytest.mark.parametrize(
    ("filename", "text", "message"),
    [
        ("empty.yaml", "", "the file is empty: nothing to save"),
        ("blank.json", "\n\n", "the file is empty: nothing to save"),
        ("dup.yaml", "blocks:\n  - id: a\n  - id: b\n  - id: a\n", "duplicate block id 'a'"),
    ],
)
def test_empty_drafts_and_duplicate_block_ids_are_refused(
    cli: Cli, svc: str, filename: str, text: str, message: str
) -> None:
    draft = cli.workdir / filename
    draft.write_text(text)

    assert message in cli.fails("draft", "save", svc, "-f", str(draft))


def test_an_overlay_update_can_be_rerun_when_a_deleted_key_is_gone(cli: Cli, svc: str) -> None:
    cli.ok("overlay", "update", svc, "--set", "MODEL=gpt-4.1", "--set", "LEGACY=1")
    update = ("overlay", "update", svc, "--set", "MODEL=gpt-5", "--delete", "LEGACY", "--delete", "NEVER")

    first = cli.json(*update)
    again = cli.json(*update)
    text = cli.ok(*update).stdout

    assert (first["deleted"], first["not_present"]) == (["LEGACY"], ["NEVER"])
    assert (again["deleted"], again["not_present"]) == ([], ["LEGACY", "NEVER"])
    assert again["variables"]["MODEL"]["value"] == "gpt-5"
    assert "Not present, so not deleted: LEGACY, NEVER." in text
