"""Labels are first-class: unique within a script, relabelled by an event, and accepted
wherever a version number is."""

from __future__ import annotations

import json


def publish(cli, name: str, value: int, label: str | None = None) -> int:
    cli.ok("draft", "save", name, "-f", cli.write(f"v{value}.json", json.dumps({"v": value})))
    args = ["--name", label] if label else []
    return int(cli.json("draft", "publish", name, *args)["version"])


def test_publishing_a_duplicate_label_is_refused_and_records_nothing(cli) -> None:
    cli.ok("script", "create", "svc")
    publish(cli, "svc", 1, "stable")
    cli.ok("draft", "save", "svc", "-f", cli.write("v2.json", '{"v": 2}'))
    before = cli.log_size()

    error = cli.fails("draft", "publish", "svc", "--name", "stable")

    assert "label 'stable' already names version 1" in error
    assert cli.log_size() == before


def test_version_label_relabels_as_an_event_and_refuses_a_taken_label(cli) -> None:
    cli.ok("script", "create", "svc")
    publish(cli, "svc", 1, "first")
    publish(cli, "svc", 2)

    labelled = cli.json("version", "label", "svc", "2", "candidate")
    assert (labelled["version"], labelled["label"]) == (2, "candidate")
    assert labelled["position"] is not None
    again = cli.json("version", "label", "svc", "candidate", "candidate")
    assert again["position"] is None
    assert "already names version 1" in cli.fails("version", "label", "svc", "2", "first")
    assert "cannot be a number" in cli.fails("version", "label", "svc", "2", "7")
    assert [v["label"] for v in cli.json("version", "list", "svc")] == ["first", "candidate"]
    relabel = [e for e in cli.events() if type(e).__name__ == "VersionLabelled"]
    assert [(e.version, e.label, e.previous_label) for e in relabel] == [(2, "candidate", None)]


def test_promote_rollback_and_get_accept_a_label(cli) -> None:
    cli.ok("script", "create", "svc")
    publish(cli, "svc", 1, "first")
    publish(cli, "svc", 2, "second")

    assert cli.ship("svc", "first")["version"] == 1
    assert cli.ship("svc", "second")["version"] == 2
    assert cli.json("version", "get", "svc", "first")["version"] == 1
    plan = cli.json("version", "rollback", "svc", "--to", "first", "--dry-run")
    assert plan["target"] == 1
    rolled = cli.json("version", "rollback", "svc", "--version", "first", "--incident", "INC-1")
    assert (rolled["version"], rolled["previous_version"]) == (1, 2)
    assert cli.json("diff", "svc", "first", "second")["to_version"] == 2


def test_an_unknown_label_is_not_found_with_a_hint(cli) -> None:
    cli.ok("script", "create", "svc")
    publish(cli, "svc", 1, "stable-eu")

    error = cli.fails("promote", "svc", "--version", "stable-ue", "-e", "staging", code=2)

    assert error.startswith("'stable-ue' is neither a version number nor a label of 'svc'")
    assert "did you mean 'stable-eu'" in error
