"""``revledger status``, ``at``, ``history``, ``audit``, ``projections`` and ``config resolve --at``
through the CLI runner, against the JSON shapes the issue makes stable.

Most tests run on one known history whose commands happen one minute apart (a controlled
clock stamps the events), so instants can be named exactly.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ledger.application import Ledger
from ledger.content import from_value
from ledger.deployment import Deployment
from ledger.script import Script
from tests.integration.test_point_in_time import EPOCH, Clock, installed, sqlite_env

SECRET = "sk-live-0123456789"
AT_KEYS = {"script", "environment", "time", "version", "since", "until", "set_by"}
SET_BY_KEYS = {"kind", "actor", "time", "reason", "incident", "position"}
STATUS_KEYS = {"script", "environment", "version", "since", "actor", "kind"}
HISTORY_KEYS = {"kind", "time", "actor", "version", "environment", "previous_version", "reason", "incident", "position"}
AUDIT_COLUMNS = ["position", "time", "org", "actor", "kind", "script", "environment",
                 "from_version", "to_version", "keys", "reason", "incident"]


def minute(n: float) -> datetime:
    return EPOCH + timedelta(minutes=n)


def iso(n: float) -> str:
    """The instant ``n`` minutes into the history, as a user types it."""
    return minute(n).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stored(n: float) -> str:
    """The same instant as the read models show it."""
    return minute(n).isoformat(timespec="microseconds")


@pytest.fixture
def clock() -> Iterator[Clock]:
    with installed(Clock()) as c:
        yield c


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """svc: v1 to staging (min 3) and production (min 4), v2 to both (min 6), production
    rolled back to v1 (min 7); api: v1 to staging (min 8); config changes at min 9-11.

    Recorded once through the CLI; each test gets a copy of the data directory."""
    from api.cli import app

    base = tmp_path_factory.mktemp("recorded")
    home = base / "home"
    runner = CliRunner()
    env = {"REVLEDGER_HOME": str(home), "REVLEDGER_ACTOR": "tester", "REVLEDGER_ORG": None}
    first, second = base / "svc.json", base / "svc2.json"
    first.write_text('{"v": 1}')
    second.write_text('{"v": 2}')
    commands: list[tuple[int, list[str]]] = [
        (1, ["script", "create", "svc"]),
        (1, ["draft", "save", "svc", "-f", str(first)]),
        (1, ["draft", "publish", "svc"]),
        (2, ["script", "create", "api"]),
        (2, ["draft", "save", "api", "-f", str(first)]),
        (2, ["draft", "publish", "api"]),
        (3, ["promote", "svc", "-v", "1", "--to", "staging"]),
        (4, ["promote", "svc", "-v", "1", "--to", "production", "--reason", "launch", "--actor", "bob"]),
        (5, ["draft", "save", "svc", "-f", str(second)]),
        (5, ["draft", "publish", "svc"]),
        (6, ["promote", "svc", "-v", "2", "--to", "staging"]),
        (6, ["promote", "svc", "-v", "2", "--to", "production", "--actor", "bob"]),
        (7, ["version", "rollback", "svc", "--to", "0", "--incident", "INC-1042", "--reason", "error spike",
             "--actor", "carol"]),
        (8, ["promote", "api", "-v", "1", "--to", "staging"]),
        (9, ["env", "set", "API_KEY", SECRET, "--secret", "-e", "production", "--actor", "carol"]),
        (9, ["env", "set", "MODEL", "gpt-4", "--actor", "carol"]),
        (10, ["overlay", "update", "svc", "--set", "TEMPERATURE=0.2", "-e", "production"]),
        (11, ["env", "set", "MODEL", "gpt-5", "--actor", "carol"]),
        (11, ["overlay", "update", "svc", "--delete", "TEMPERATURE", "-e", "production"]),
    ]
    with installed(Clock()) as clock:
        for n, args in commands:
            clock.now = minute(n)
            result = runner.invoke(app, args, env=env)
            assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return home


@pytest.fixture
def history(cli: Any, recorded: Path, clock: Clock) -> Any:
    """The CLI on a copy of the recorded history; the clock stands at minute 20."""
    shutil.copytree(recorded, cli.home)
    if cli.database_url is not None:  # the same history, moved into the PostgreSQL database
        from ledger.store_copy import copy_events

        source, target = Ledger(env=sqlite_env(recorded / "ledger.db")), cli.open()
        try:
            copy_events(source, target)
        finally:
            source.close()
            target.close()
    clock.now = minute(20)
    return cli


# at -----------------------------------------------------------------------------


def test_at_one_script_answers_the_version_who_set_it_and_until_when_in_the_stable_json_shape(history: Any) -> None:
    answer = history.json("at", "svc", "--environment", "production", "--time", iso(4.5))

    assert AT_KEYS <= set(answer)
    assert SET_BY_KEYS <= set(answer["set_by"])
    assert {k: answer[k] for k in ("script", "environment", "time", "version", "since", "until")} == {
        "script": "svc", "environment": "production", "time": stored(4.5),
        "version": 1, "since": stored(4), "until": stored(6),
    }
    set_by = answer["set_by"]
    assert {k: set_by[k] for k in ("kind", "actor", "time", "reason", "incident")} == {
        "kind": "promote", "actor": "bob", "time": stored(4), "reason": "launch", "incident": None,
    }
    assert isinstance(set_by["position"], int)


def test_at_after_a_rollback_names_the_rollback_and_its_incident_and_is_still_active(history: Any) -> None:
    answer = history.json("at", "svc", "-e", "production", "-t", iso(7))
    text = history.ok("at", "svc", "-e", "production", "-t", iso(7)).stdout

    assert (answer["version"], answer["until"]) == (1, None)
    assert (answer["set_by"]["kind"], answer["set_by"]["actor"], answer["set_by"]["incident"]) == (
        "rollback", "carol", "INC-1042")
    assert "version 1" in text and "rollback by carol" in text and "INC-1042" in text
    assert "still active" in text


def test_at_before_the_first_promotion_says_nothing_was_deployed(history: Any) -> None:
    text = history.ok("at", "svc", "-e", "production", "-t", iso(3.5)).stdout
    answer = history.json("at", "svc", "-e", "production", "-t", iso(3.5))

    assert text.strip() == f"nothing was deployed to production at {stored(3.5)}"
    assert AT_KEYS <= set(answer)
    assert (answer["version"], answer["since"], answer["until"], answer["set_by"]) == (None, None, None, None)


def test_at_an_instant_with_an_offset_answers_for_the_same_moment(history: Any) -> None:
    in_utc = history.json("at", "svc", "-e", "production", "-t", "2026-03-01T09:04:30Z")
    in_paris = history.json("at", "svc", "-e", "production", "-t", "2026-03-01T10:04:30+01:00")

    assert in_paris == in_utc
    assert in_paris["version"] == 1


def test_at_now_is_what_runs_now(history: Any) -> None:
    answer = history.json("at", "svc", "-e", "production", "-t", "now")

    assert (answer["version"], answer["set_by"]["kind"], answer["until"]) == (1, "rollback", None)


def test_at_without_a_script_answers_for_every_script_of_the_environment(history: Any) -> None:
    answers = history.json("at", "-e", "staging", "-t", iso(8))
    table = history.ok("at", "-e", "staging", "-t", iso(8)).stdout

    assert isinstance(answers, list)
    assert all(AT_KEYS <= set(a) and SET_BY_KEYS <= set(a["set_by"]) for a in answers)
    assert [(a["script"], a["environment"], a["version"], a["set_by"]["kind"]) for a in answers] == [
        ("api", "staging", 1, "promote"), ("svc", "staging", 2, "promote"),
    ]
    assert "api" in table and "svc" in table


def test_at_without_a_script_answers_version_null_for_scripts_not_yet_deployed_then(history: Any) -> None:
    before = history.json("at", "-e", "staging", "-t", iso(2.5))
    between = history.json("at", "-e", "staging", "-t", iso(3.5))

    assert [(a["script"], a["version"], a["since"], a["until"], a["set_by"]) for a in before] == [
        ("api", None, None, None, None), ("svc", None, None, None, None),
    ]
    assert [(a["script"], a["version"]) for a in between] == [("api", None), ("svc", 1)]


def test_at_without_a_script_before_any_promotion_says_nothing_was_deployed(history: Any) -> None:
    text = history.ok("at", "-e", "production", "-t", iso(3.5)).stdout

    assert f"nothing was deployed to production at {stored(3.5)}" in text


def test_at_an_unknown_script_is_refused(history: Any) -> None:
    assert "nope" in history.fails("at", "nope", "-e", "production", "-t", "now")


# status ---------------------------------------------------------------------------


def test_status_lists_every_script_and_environment_with_version_since_actor_and_kind(history: Any) -> None:
    rows = history.json("status")

    assert all(STATUS_KEYS <= set(r) for r in rows)
    assert [(r["script"], r["environment"], r["version"], r["since"], r["actor"], r["kind"]) for r in rows] == [
        ("api", "staging", 1, stored(8), "tester", "promote"),
        ("svc", "staging", 2, stored(6), "tester", "promote"),
        ("svc", "production", 1, stored(7), "carol", "rollback"),
    ]


def test_status_of_one_environment_lists_only_that_environment(history: Any) -> None:
    rows = history.json("status", "--environment", "staging")
    table = history.ok("status", "-e", "production").stdout

    assert [(r["script"], r["version"]) for r in rows] == [("api", 1), ("svc", 2)]
    assert "production" in table and "staging" not in table


# history --------------------------------------------------------------------------


def test_history_lists_publishes_and_moves_newest_first_in_the_stable_json_shape(history: Any) -> None:
    entries = history.json("history", "svc")

    assert all(HISTORY_KEYS <= set(e) for e in entries)
    assert [(e["kind"], e["environment"], e["previous_version"], e["version"], e["actor"], e["time"])
            for e in entries] == [
        ("rollback", "production", 2, 1, "carol", stored(7)),
        ("promote", "production", 1, 2, "bob", stored(6)),
        ("promote", "staging", 1, 2, "tester", stored(6)),
        ("publish", None, 1, 2, "tester", stored(5)),
        ("promote", "production", None, 1, "bob", stored(4)),
        ("promote", "staging", None, 1, "tester", stored(3)),
        ("publish", None, None, 1, "tester", stored(1)),
    ]
    assert (entries[0]["reason"], entries[0]["incident"]) == ("error spike", "INC-1042")
    assert [e["position"] for e in entries] == sorted((e["position"] for e in entries), reverse=True)


def test_history_of_one_environment_keeps_the_publishes(history: Any) -> None:
    entries = history.json("history", "svc", "--environment", "staging")

    assert [(e["kind"], e["version"]) for e in entries] == [
        ("promote", 2), ("publish", 2), ("promote", 1), ("publish", 1),
    ]


# audit ----------------------------------------------------------------------------


def kinds(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["kind"], r["script"], r["environment"]) for r in rows]


def test_audit_lists_every_change_in_log_order_in_the_stable_json_shape(history: Any) -> None:
    rows = history.json("audit")

    assert all(set(AUDIT_COLUMNS) <= set(r) for r in rows)
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    assert [r["kind"] for r in rows] == [
        "script", "draft", "publish", "script", "draft", "publish", "promote", "promote", "draft", "publish",
        "promote", "promote", "rollback", "promote", "env", "env", "overlay", "env", "overlay",
    ]
    rollback = rows[12]
    assert {k: rollback[k] for k in AUDIT_COLUMNS if k not in ("position", "time")} == {
        "org": "default", "actor": "carol", "kind": "rollback", "script": "svc", "environment": "production",
        "from_version": 2, "to_version": 1, "keys": None, "reason": "error spike", "incident": "INC-1042",
    }
    assert rollback["time"] == stored(7)
    assert rows[14]["keys"] == ["API_KEY"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--script", "api"], [("script", "api", None), ("draft", "api", None), ("publish", "api", None),
                               ("promote", "api", "staging")]),
        (["--environment", "staging"], [("promote", "svc", "staging"), ("promote", "svc", "staging"),
                                        ("promote", "api", "staging"), ("env", None, None), ("env", None, None)]),
        (["--actor", "bob"], [("promote", "svc", "production")] * 2),
        (["--kind", "rollback"], [("rollback", "svc", "production")]),
        (["--kind", "publish", "--kind", "overlay"], [("publish", "svc", None), ("publish", "api", None),
                                                      ("publish", "svc", None), ("overlay", "svc", "production"),
                                                      ("overlay", "svc", "production")]),
        (["--kind", "env,rollback"], [("rollback", "svc", "production"), ("env", None, "production"),
                                      ("env", None, None), ("env", None, None)]),
        (["--since", iso(7), "--until", iso(8)], [("rollback", "svc", "production"), ("promote", "api", "staging")]),
        (["--since", iso(10)], [("overlay", "svc", "production"), ("env", None, None),
                                ("overlay", "svc", "production")]),
        (["--until", iso(1)], [("script", "svc", None), ("draft", "svc", None), ("publish", "svc", None)]),
        (["--incident", "INC-1042"], [("rollback", "svc", "production")]),
        (["--script", "svc", "--environment", "production", "--kind", "promote"],
         [("promote", "svc", "production")] * 2),
    ],
    ids=["script", "environment", "actor", "kind", "kinds-repeated", "kinds-comma", "since-until", "since",
         "until", "incident", "combined"],
)
def test_audit_filters_keep_only_the_matching_changes(history: Any, options: list[str], expected: list[Any]) -> None:
    assert kinds(history.json("audit", *options)) == expected


def test_audit_as_ndjson_is_the_json_rows_one_per_line(history: Any) -> None:
    rows = history.json("audit")
    lines = history.ok("audit", "-o", "ndjson").stdout.splitlines()

    assert [json.loads(line) for line in lines] == rows


def test_audit_as_yaml_is_the_json_rows(history: Any) -> None:
    assert yaml.safe_load(history.ok("audit", "-o", "yaml").stdout) == history.json("audit")


def test_audit_as_csv_has_a_header_row_of_the_stable_columns_and_one_row_per_change(history: Any) -> None:
    rows = history.json("audit")
    table = list(csv.reader(io.StringIO(history.ok("audit", "-o", "csv").stdout)))

    assert table[0] == AUDIT_COLUMNS
    assert len(table) == len(rows) + 1
    by_column = [dict(zip(table[0], line, strict=True)) for line in table[1:]]
    assert [int(r["position"]) for r in by_column] == [r["position"] for r in rows]
    rollback = next(r for r in by_column if r["kind"] == "rollback")
    assert (rollback["from_version"], rollback["to_version"], rollback["incident"]) == ("2", "1", "INC-1042")
    assert next(r for r in by_column if r["kind"] == "env")["keys"] == "API_KEY"


@pytest.mark.parametrize("fmt", ["table", "json", "yaml", "csv", "ndjson"])
def test_the_audit_never_shows_a_secret_value_in_any_format(history: Any, fmt: str) -> None:
    out = history.ok("audit", "-o", fmt).stdout

    assert SECRET not in out
    assert "API_KEY" in out


def test_audit_with_an_unknown_kind_is_refused(history: Any) -> None:
    assert "deploy" in history.fails("audit", "--kind", "deploy")


# projections status / rebuild -----------------------------------------------------


def test_projections_status_shows_each_read_models_position_and_lag(history: Any) -> None:
    head = history.log_size()
    history.ok("status")  # a query catches the read models up

    rows = history.json("projections", "status")

    assert {"environment_pointers", "audit_trail", "revision_timestamps"} <= {r["projection"] for r in rows}
    assert all((r["position"], r["head"], r["lag"]) == (head, head, 0) for r in rows)


def test_projections_status_shows_the_lag_of_read_models_behind_the_log(history: Any) -> None:
    history.ok("status")
    history.ok("env", "set", "MODEL", "gpt-6")  # a CLI write catches the read models up itself
    assert {r["lag"] for r in history.json("projections", "status")} == {0}
    ledger = history.open()  # another process writes: nothing catches up
    try:
        for value in ("gpt-7", "gpt-8"):
            ledger.set_variable(org="default", key="MODEL", value=value, actor="other")
    finally:
        ledger.close()

    rows = history.json("projections", "status")

    assert {r["lag"] for r in rows} == {2}


def rebuild(cli: Any, *names: str) -> Any:
    """``projections rebuild``; its progress bars are transient: no text may remain on stderr."""
    result = cli("projections", "rebuild", *names)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert result.stderr.strip() == ""
    return result


def test_projections_rebuild_replays_every_read_model_to_the_same_answers(history: Any) -> None:
    before = (history.json("audit"), history.json("status"), history.json("at", "-e", "production", "-t", iso(5)))

    result = rebuild(history)

    assert f"Rebuilt from {history.log_size()} events." in result.stdout
    after = (history.json("audit"), history.json("status"), history.json("at", "-e", "production", "-t", iso(5)))
    assert after == before


def test_projections_rebuild_of_one_read_model_by_name(history: Any) -> None:
    before = history.json("audit")

    rebuild(history, "audit_trail")

    assert history.json("audit") == before
    assert {r["lag"] for r in history.json("projections", "status")} == {0}


def test_projections_rebuild_of_an_unknown_read_model_is_refused_naming_the_known_ones(history: Any) -> None:
    message = history.fails("projections", "rebuild", "pointers")

    assert "pointers" in message and "environment_pointers" in message


# config resolve --at -----------------------------------------------------------------


def variables(config: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {k: (v["value"], v["layer"]) for k, v in config["variables"].items()}


def test_config_resolve_at_an_instant_shows_the_values_and_layers_of_that_instant_secrets_masked(history: Any) -> None:
    then = history.json("config", "resolve", "svc", "-e", "production", "--at", iso(10.5))
    later = history.json("config", "resolve", "svc", "-e", "production", "--at", iso(11.5))

    assert variables(then) == {
        "API_KEY": ("********", "tenant[production]"), "MODEL": ("gpt-4", "tenant"),
        "TEMPERATURE": ("0.2", "overlay[production]"),
    }
    assert then["variables"]["API_KEY"]["secret"] is True
    assert variables(later) == {"API_KEY": ("********", "tenant[production]"), "MODEL": ("gpt-5", "tenant")}


def test_config_resolve_at_an_instant_reveals_secrets_only_when_asked(history: Any) -> None:
    masked = history.ok("config", "resolve", "svc", "-e", "production", "--at", iso(10.5)).stdout
    revealed = history.json("config", "resolve", "svc", "-e", "production", "--at", iso(10.5), "--reveal")

    assert SECRET not in masked
    assert revealed["variables"]["API_KEY"]["value"] == SECRET


def test_config_resolve_at_an_instant_before_any_config_is_empty(history: Any) -> None:
    assert history.json("config", "resolve", "svc", "-e", "production", "--at", iso(8))["variables"] == {}


def test_config_resolve_at_now_equals_config_resolve(history: Any) -> None:
    now = history.json("config", "resolve", "svc", "-e", "production", "--at", "now")
    current = history.json("config", "resolve", "svc", "-e", "production")

    assert now["variables"] == current["variables"]


# refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["at", "svc", "-e", "production", "-t", "yesterday"],
        ["at", "svc", "-e", "production", "-t", "2026-03-01T09:00:00"],
        ["at", "-e", "production", "-t", "2026-02-30T09:00:00Z"],
        ["audit", "--since", "last week"],
        ["audit", "--until", "2026-03-01"],
        ["config", "resolve", "svc", "-e", "production", "--at", "soon"],
    ],
    ids=["word", "no-offset", "no-such-day", "audit-since", "audit-until-date-only", "config-at"],
)
def test_an_invalid_time_is_a_one_line_error_with_exit_code_1(history: Any, args: list[str]) -> None:
    message = history.fails(*args)

    assert "offset" in message or "ISO 8601" in message


def test_a_time_outside_the_utc_calendar_is_a_one_line_error_not_a_crash(history: Any) -> None:
    history.fails("at", "svc", "-e", "production", "-t", "0001-01-01T00:30:00+01:00")


# fresh reads ---------------------------------------------------------------------------


def test_queries_see_every_write_as_soon_as_the_command_returned(cli: Any) -> None:
    """Real clock: each query runs right after the write it must show."""
    cli.ok("script", "create", "svc")
    for n in (1, 2, 3):
        cli.ok("draft", "save", "svc", "-f", cli.write(f"v{n}.json", json.dumps({"v": n})))
        cli.ok("draft", "publish", "svc")
        moved = cli.json("promote", "svc", "-v", str(n), "--to", "staging")

        assert cli.json("status", "-e", "staging")[0]["version"] == n
        assert cli.json("at", "svc", "-e", "staging", "-t", "now")["version"] == n
        assert cli.json("history", "svc")[0]["version"] == n
        assert cli.json("audit")[-1]["position"] == moved["position"]
    cli.ok("version", "rollback", "svc", "--to", "0", "-e", "staging")
    assert cli.json("status", "-e", "staging")[0]["kind"] == "rollback"
    cli.ok("env", "set", "MODEL", "fresh")
    config = cli.json("config", "resolve", "svc", "-e", "staging", "--at", "now")
    assert config["variables"]["MODEL"]["value"] == "fresh"


@pytest.mark.sqlite_only
def test_a_query_far_behind_the_log_catches_up_and_still_prints_clean_json(cli: Any) -> None:
    """Over 5,000 events behind, the catch-up shows progress, on stderr only."""
    cli.home.mkdir(parents=True)
    ledger = Ledger(env=sqlite_env(cli.home / "ledger.db"))
    script = Script(org="default", script="svc", actor="seed", description="", tags=[])
    script.save_draft(from_value({"v": 1}, "json"), actor="seed")
    script.publish(actor="seed")
    script.save_draft(from_value({"v": 2}, "json"), actor="seed")
    script.publish(actor="seed")
    pointer = Deployment(org="default", script="svc", environment="development")
    for n in range(5200):
        pointer.promote(1 + n % 2, actor="seed")
    ledger.save(script, pointer)
    head = ledger.recorder.max_notification_id()
    ledger.close()

    result = cli("status", "-o", "json")

    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert json.loads(result.stdout) == [
        {**json.loads(result.stdout)[0], "script": "svc", "environment": "development", "version": 2}
    ]
    assert {r["lag"] for r in cli.json("projections", "status")} == {0}
    assert head > 5000
