"""Releases through the CLI: every pointer move and every change of a script's effective
configuration records a release (version + config_sha256), shown by at, history, status,
audit and ``release show``."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

SECRET = "sk-live-0123456789"


def sha(pairs: dict[str, str]) -> str:
    """config_sha256 computed the way the issue defines it, independently of the product."""
    text = json.dumps(sorted([k, v] for k, v in pairs.items()), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat()


def shipped(cli) -> None:
    cli.given_script("svc", versions=2, shipped=(1,))
    cli.given_script("other", versions=1, shipped=(1,))


def test_a_move_records_the_release_with_the_fingerprint_of_its_effective_config(cli) -> None:
    cli.ok("env", "set", "OPENAI_API_KEY", SECRET, "--environment", "production", "--secret")
    cli.ok("env", "set", "REGION", "eu")
    cli.given_script("svc", versions=1, shipped=(1,))

    release = cli.json("release", "show", "svc", "--environment", "production")

    assert release["version"] == 1
    assert release["config_sha256"] == sha({"OPENAI_API_KEY": SECRET, "REGION": "eu"})
    assert release["variables"]["OPENAI_API_KEY"]["value"] == "********"
    assert SECRET not in json.dumps(release)
    assert {"script", "environment", "time", "version", "label", "content_sha256", "config_sha256",
            "variables", "since", "set_by", "release"} <= set(release)
    assert release["set_by"]["kind"] == "promote"
    status = {(r["script"], r["environment"]): r for r in cli.json("status")}
    assert status[("svc", "production")]["config_sha256"] == release["config_sha256"]
    assert status[("svc", "production")]["release"] == release["release"]


def test_config_sha256_changes_with_a_config_change_and_not_with_an_unrelated_one(cli) -> None:
    cli.ok("env", "set", "MODEL", "small")
    shipped(cli)
    cli.ok("overlay", "update", "svc", "--set", "MODEL=large", "-e", "production")
    first = cli.json("release", "show", "svc", "-e", "production")

    cli.ok("overlay", "update", "other", "--set", "MODEL=tiny", "-e", "production")  # another script
    cli.ok("env", "set", "MODEL", "medium")  # shadowed in production by the overlay
    cli.ok("env", "set", "MODEL", "medium", "-e", "staging")  # another environment
    unrelated = cli.json("release", "show", "svc", "-e", "production")

    cli.ok("overlay", "update", "svc", "--set", "MODEL=huge", "-e", "production")
    changed = cli.json("release", "show", "svc", "-e", "production")

    assert unrelated["config_sha256"] == first["config_sha256"] == sha({"MODEL": "large"})
    assert unrelated["release"] == first["release"]
    assert changed["config_sha256"] == sha({"MODEL": "huge"})
    assert changed["version"] == first["version"] == 1
    assert changed["set_by"]["kind"] == "config"
    assert changed["release"] != first["release"]


def test_at_answers_config_sha256_as_of_t_and_release_show_at_t_shows_what_ran_with_what(cli) -> None:
    cli.ok("env", "set", "REGION", "eu")
    shipped(cli)
    before = now()
    cli.ok("env", "set", "REGION", "us")
    cli.ok("promote", "svc", "--version", "2", "-e", "staging")
    cli.ok("promote", "svc", "--version", "2", "-e", "production")
    after = now()

    then = cli.json("at", "svc", "-e", "production", "--time", before)
    later = cli.json("at", "svc", "-e", "production", "--time", after)
    shown = cli.json("release", "show", "svc", "-e", "production", "--at", before)

    assert (then["version"], then["config_sha256"]) == (1, sha({"REGION": "eu"}))
    assert (later["version"], later["config_sha256"]) == (2, sha({"REGION": "us"}))
    assert shown["variables"]["REGION"]["value"] == "eu"
    assert (shown["version"], shown["config_sha256"], shown["release"]) == (1, then["config_sha256"], then["release"])


def test_history_audit_and_timeline_show_the_release_of_each_pointer_move(cli) -> None:
    cli.ok("env", "set", "REGION", "eu")
    shipped(cli)

    moves = [e for e in cli.json("history", "svc") if e["kind"] in ("promote", "rollback")]
    audit = [r for r in cli.json("audit", "--script", "svc") if r["kind"] in ("promote", "rollback")]
    publishes = [e for e in cli.json("history", "svc") if e["kind"] == "publish"]

    assert moves and all(e["config_sha256"] == sha({"REGION": "eu"}) and e["release"] for e in moves)
    assert [r["config_sha256"] for r in audit] == [e["config_sha256"] for e in reversed(moves)]
    assert all("config_sha256" not in e for e in publishes)


def test_release_show_before_anything_ran_is_success_with_null_fields(cli) -> None:
    cli.given_script("svc")

    answer = cli.json("release", "show", "svc", "-e", "production")

    assert answer["version"] is None and answer["config_sha256"] is None and answer["variables"] is None
    assert "ran no release of svc" in cli.ok("release", "show", "svc", "-e", "production").stdout


def test_history_and_timeline_list_configuration_only_releases_with_no_version_change(cli) -> None:
    start = now()
    cli.ok("env", "set", "MODEL", "small")
    shipped(cli)
    first = cli.json("release", "show", "svc", "-e", "production")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=large", "-e", "production")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=tiny", "-e", "staging")
    cli.ok("env", "set", "MODEL", "medium", "-e", "production")  # shadowed by the overlay: no release
    changed = cli.json("release", "show", "svc", "-e", "production")

    history = cli.json("history", "svc", "--releases")
    production = cli.json("history", "svc", "-e", "production", "--releases")
    assert [e for e in cli.json("history", "svc") if e["kind"] == "config"] == []  # only when asked
    timeline = cli.json("timeline", "-e", "production", "--since", start)

    configs = [e for e in history if e["kind"] == "config"]
    assert [(e["environment"], e["version"], e["previous_version"]) for e in configs] == [
        ("staging", 1, 1), ("production", 1, 1)]  # newest first, like the rest
    entry = next(e for e in production if e["kind"] == "config")
    assert [e for e in production if e["kind"] == "config"] == [entry]
    assert (entry["config_sha256"], entry["release"]) == (changed["config_sha256"], changed["release"])
    assert (entry["previous_config_sha256"], entry["previous_release"]) == (
        first["config_sha256"], first["release"])
    assert entry["position"] == changed["set_by"]["position"] and entry["actor"] == "tester"
    assert [e["position"] for e in history] == sorted((e["position"] for e in history), reverse=True)
    overlays = [e for e in timeline["entries"] if e["kind"] == "overlay"]
    assert [e["releases"] for e in overlays] == [[
        {"script": "svc", "environment": "production", "version": 1,
         "config_sha256": changed["config_sha256"], "release": changed["release"]}]]
    # The tenant change is shadowed for svc but reaches `other`, which runs there too.
    tenant = [e for e in timeline["entries"] if e["kind"] == "env" and e["position"] > entry["position"]]
    assert [[(r["script"], r["config_sha256"]) for r in e["releases"]] for e in tenant] == [
        [("other", sha({"MODEL": "medium"}))]]
    table = cli.ok("history", "svc", "-e", "production", "--releases").stdout
    assert "config" in table
