"""Configuration promoted with versions: ``config promote``, ``promote --with-config-from``
(one transaction, gates against the configuration the release will have) and ``version
rollback --with-config`` (restores the earlier release's configuration)."""

from __future__ import annotations

import json

from tests.e2e.test_cli_releases import sha


def script_using(cli, name: str, *keys: str) -> None:
    """``name`` with version 1 whose content references ``{{ env.K }}`` for each key."""
    cli.ok("script", "create", name)
    content = {"steps": [f"{{{{ env.{k} }}}}" for k in keys]}
    cli.ok("draft", "save", name, "-f", cli.write(f"{name}.json", json.dumps(content)))
    cli.ok("draft", "publish", name)


def test_config_promote_copies_overlay_from_to_as_one_event_and_dry_run_writes_nothing(cli) -> None:
    cli.given_script("svc")
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=large", "--set", "MODE=x")
    cli.ok("overlay", "update", "svc", "-e", "production", "--set", "MODEL=small", "--set", "OLD=1")
    before = cli.log_size()

    plan = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production", "--dry-run")

    assert cli.log_size() == before
    assert plan["position"] is None
    assert {(c["key"], c["op"], c["layer"]) for c in plan["changes"]} == {
        ("MODE", "add", "overlay[production]"), ("MODEL", "change", "overlay[production]"),
        ("OLD", "remove", "overlay[production]")}
    changed = next(c for c in plan["changes"] if c["key"] == "MODEL")
    assert changed["from_fingerprint"] != changed["to_fingerprint"] and "large" not in json.dumps(plan)
    assert {"script", "from", "to", "changes", "position"} <= set(plan)
    assert plan["effective_changes"]["production"] == ["MODE", "MODEL", "OLD"]

    done = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production", "--reason", "sync")

    assert done["position"] == before + 1  # one event
    assert done["changes"] == plan["changes"]
    overlay = cli.json("overlay", "get", "svc", "-e", "production", "--reveal")["variables"]
    assert {k: v["value"] for k, v in overlay.items()} == {"MODEL": "large", "MODE": "x"}
    table = cli.ok("config", "promote", "svc", "--from", "staging", "--to", "production").stdout
    assert "0 change(s)" in table


def test_config_promote_with_keys_copies_only_those_and_include_tenant_copies_referenced_tenant_keys(cli) -> None:
    script_using(cli, "svc", "DB_HOST")
    cli.ok("env", "set", "DB_HOST", "db.staging", "-e", "staging")
    cli.ok("env", "set", "UNUSED", "x", "-e", "staging")
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=large", "--set", "MODE=fast")
    cli.ok("promote", "svc", "--version", "1", "-e", "staging")

    only = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production", "--keys", "MODEL")
    tenant = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production",
                      "--include-tenant", "--keys", "DB_HOST")

    assert [(c["key"], c["op"]) for c in only["changes"]] == [("MODEL", "add")]
    assert [(c["key"], c["layer"]) for c in tenant["changes"]] == [("DB_HOST", "tenant[production]")]
    assert cli.json("env", "get", "DB_HOST", "-e", "production")["value"] == "db.staging"
    assert cli.fails("env", "get", "UNUSED", "-e", "production")
    assert set(cli.json("overlay", "get", "svc", "-e", "production")["variables"]) == {"MODEL"}


def test_promote_with_config_from_is_one_transaction_and_gates_see_the_config_it_will_have(cli) -> None:
    script_using(cli, "svc", "MODEL")
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=large")
    cli.ok("promote", "svc", "--version", "1", "-e", "staging")
    before = cli.log_size()

    # Without the configuration, production cannot resolve MODEL: refused, nothing written.
    cli("promote", "svc", "--version", "1", "-e", "production")
    assert cli.log_size() == before
    # The plan says so too, and with the copy it evaluates the gates as the promotion will.
    alone = cli.json("promote", "svc", "--version", "1", "-e", "production", "--dry-run")
    planned = cli.json("promote", "svc", "--version", "1", "-e", "production", "--with-config-from", "staging",
                       "--dry-run")
    assert (alone["would_pass"], planned["would_pass"]) == (False, True)
    assert [c["key"] for c in planned["config_promotion"]] == ["MODEL"]
    assert [(c["key"], c["next"]) for c in planned["config_changes"]] == [("MODEL", cli.fingerprint("large"))]
    assert cli.log_size() == before
    moved = cli.json("promote", "svc", "--version", "1", "-e", "production", "--with-config-from", "staging")

    assert moved["version"] == 1 and [c["key"] for c in moved["config_changes"]] == ["MODEL"]
    assert cli.log_size() == before + 3  # the overlay event, the new pointer and its move, saved together
    release = cli.json("release", "show", "svc", "-e", "production")
    assert release["config_sha256"] == sha({"MODEL": "large"})
    kinds = [r["kind"] for r in cli.json("history", "svc", "-e", "production")]
    assert kinds.count("promote") == 1


def test_a_failing_gate_with_config_leaves_nothing_written(cli) -> None:
    script_using(cli, "svc", "MODEL", "REGION")
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=large")  # REGION nowhere
    cli.ok("promote", "svc", "--version", "1", "-e", "staging", "--override-gates", "--reason", "test")
    before = cli.log_size()

    result = cli("promote", "svc", "--version", "1", "-e", "production", "--with-config-from", "staging")

    assert result.exit_code == 4, result.stderr
    assert "REGION" in result.stderr
    assert cli.log_size() == before
    assert cli.json("overlay", "get", "svc", "-e", "production")["variables"] == {}


def test_rollback_with_config_restores_exactly_the_configuration_of_the_earlier_release(cli) -> None:
    script_using(cli, "svc", "REGION")
    cli.ok("draft", "save", "svc", "-f", cli.write("v2.json", '{"steps": ["{{ env.REGION }}", 2]}'))
    cli.ok("draft", "publish", "svc")
    cli.ok("env", "set", "REGION", "eu", "-e", "production")
    cli.ok("env", "set", "REGION", "us", "-e", "staging")
    cli.ok("overlay", "update", "svc", "-e", "production", "--set", "MODEL=v1-model", "--set", "MODE=a")
    cli.ship("svc", 1)
    cli.ok("overlay", "update", "svc", "-e", "production", "--set", "MODEL=v1-tuned")  # a config release of v1
    earlier = cli.json("release", "show", "svc", "-e", "production")
    # Version 2 goes out with staging's configuration, in one transaction.
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=v2-model", "--set", "EXTRA=1",
           "--set", "MODE=b")
    cli.ok("promote", "svc", "--version", "2", "-e", "staging")
    cli.ok("promote", "svc", "--version", "2", "-e", "production", "--with-config-from", "staging")
    cli.ok("config", "promote", "svc", "--from", "staging", "--to", "production", "--include-tenant")
    assert cli.json("release", "show", "svc", "-e", "production")["config_sha256"] != earlier["config_sha256"]
    assert cli.json("env", "get", "REGION", "-e", "production")["value"] == "us"
    before = cli.log_size()

    plan = cli.json("version", "rollback", "svc", "--to", "1", "--with-config", "--dry-run")
    assert cli.log_size() == before
    rolled = cli.json("version", "rollback", "svc", "--to", "1", "--with-config", "--incident", "INC-9",
                      "--reason", "bad model")
    after = cli.json("release", "show", "svc", "-e", "production")

    assert {(c["key"], c["op"], c["layer"]) for c in plan["config_promotion"]} == {
        ("MODEL", "change", "overlay[production]"), ("EXTRA", "remove", "overlay[production]"),
        ("MODE", "change", "overlay[production]"), ("REGION", "change", "tenant[production]")}
    assert rolled["config_changes"] == plan["config_promotion"]
    assert (after["version"], after["config_sha256"], after["release"]) == (
        1, earlier["config_sha256"], earlier["release"])
    assert {k: v["fingerprint"] for k, v in after["variables"].items()} == {
        k: v["fingerprint"] for k, v in earlier["variables"].items()}
    assert after["set_by"]["kind"] == "rollback" and after["set_by"]["incident"] == "INC-9"
    overlays = cli.json("audit", "--kind", "overlay", "--incident", "INC-9")
    assert len(overlays) == 1 and overlays[0]["reason"] == "bad model"


def test_rollback_with_config_restores_referenced_tenant_env_keys_and_leaves_the_rest(cli) -> None:
    """The issue's scope: overlay[ENV] and the tenant[ENV] keys version N references. The base
    scopes are shared by every environment and tenant[ENV] keys N does not reference belong to
    other scripts: both stay as they are (and then the release's fingerprint differs)."""
    script_using(cli, "svc", "REGION", "QUEUE")
    cli.ok("draft", "save", "svc", "-f", cli.write("v2.json", '{"steps": [2]}'))
    cli.ok("draft", "publish", "svc")
    cli.ok("env", "set", "REGION", "eu", "-e", "production")
    cli.ok("env", "set", "OTHER", "a", "-e", "production")  # not referenced by svc
    cli.ok("env", "set", "SHARED", "1", "--base")
    cli.ok("env", "set", "REGION", "eu", "-e", "staging")
    cli.ok("env", "set", "QUEUE", "q1", "-e", "staging")
    cli.ship("svc", 1, "--override-gates", "--reason", "QUEUE comes later")
    earlier = cli.json("release", "show", "svc", "-e", "production")
    cli.ship("svc", 2)
    cli.ok("env", "set", "REGION", "us", "-e", "production")  # while version 2 runs
    cli.ok("env", "set", "QUEUE", "q2", "-e", "production")  # referenced, absent back then
    cli.ok("env", "set", "OTHER", "b", "-e", "production")
    cli.ok("env", "set", "SHARED", "2", "--base")

    rolled = cli.json("version", "rollback", "svc", "--to", "1", "--with-config")

    assert {(c["key"], c["op"], c["layer"]) for c in rolled["config_changes"]} == {
        ("REGION", "change", "tenant[production]"), ("QUEUE", "remove", "tenant[production]")}
    assert cli.json("env", "get", "REGION", "-e", "production")["value"] == "eu"
    assert cli.fails("env", "get", "QUEUE", "-e", "production")
    assert cli.json("env", "get", "OTHER", "-e", "production")["value"] == "b"
    assert cli.json("env", "get", "SHARED", "--base")["value"] == "2"
    after = cli.json("release", "show", "svc", "-e", "production")
    assert after["version"] == 1 and after["config_sha256"] != earlier["config_sha256"]
    assert {k: v["value"] for k, v in after["variables"].items()} == {"REGION": "eu", "OTHER": "b", "SHARED": "2"}
