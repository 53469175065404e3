"""Two-person approvals of configuration through the CLI: with ``approvals.production`` set,
``env set/delete/import`` and ``overlay update`` scoped to production record a change request
(its secret values sealed for it, shown masked), and the last approval writes them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cli
from tests.e2e.test_cli_approvals import as_, requested
from tests.e2e.test_secrets_at_rest import stored_bytes

SECRET = "pw-approve-me-Qx83Lv"


def leaked(cli: Cli, secret: str) -> list[str]:
    """Every stored file (ledger.db and its WAL, the read models) or event holding ``secret``."""
    return [name for name, data in stored_bytes(cli) if secret.encode() in data]


def approve_twice(cli: Cli, request: dict[str, Any]) -> dict[str, Any]:
    first = cli.json("request", "approve", request["id"], env=as_("bob"))
    assert first["state"] == "open" and first["approvers"] == ["bob"]
    return cli.json("request", "approve", request["id"], env=as_("carol"))  # type: ignore[no-any-return]


@pytest.fixture
def approvals(cli: Cli) -> Cli:
    cli.given_script("svc")
    cli.ok("policy", "set", "approvals.production", "2")
    return cli


def test_a_production_secret_becomes_a_sealed_request_and_the_last_approval_writes_it(approvals: Cli) -> None:
    cli = approvals
    before = cli.log_size()

    request = requested(cli, "env", "set", "DB_PASSWORD", SECRET, "-e", "production", "--secret")

    assert (request["operation"], request["role"], request["required"]) == ("env.set", "deployer", 2)
    fingerprint = cli.fingerprint(SECRET)
    assert request["command"]["set"] == {"DB_PASSWORD": "********"}
    assert request["command"]["fingerprints"] == {"DB_PASSWORD": fingerprint}
    assert request["plan"]["changes"] == [{
        "key": "DB_PASSWORD", "op": "add", "layer": "tenant[production]", "secret": True,
        "from_fingerprint": None, "to_fingerprint": fingerprint}]
    assert "no variable 'DB_PASSWORD'" in cli.fails("env", "get", "DB_PASSWORD", "-e", "production")
    recorded = {type(e).__qualname__.split(".")[0] for e in cli.events()[before:]}
    assert recorded == {"ChangeRequest", "KeyRing", "KeyDirectory"}  # (the organization's first key)
    assert cli.json("request", "list")[0]["command"]["set"] == {"DB_PASSWORD": "********"}
    shown = cli.ok("request", "show", request["id"]).stdout
    assert f"requested: add DB_PASSWORD (secret) in tenant[production]: absent → {fingerprint}" in shown
    assert "env.set of DB_PASSWORD in tenant variables, production" in shown
    assert SECRET not in shown and SECRET not in cli.ok("request", "show", request["id"], "-o", "json").stdout
    assert leaked(cli, SECRET) == []
    assert "cannot approve" in cli.fails("request", "approve", request["id"], env=as_("alice"))

    applied = approve_twice(cli, request)

    assert applied["state"] == "applied" and applied["approvers"] == ["bob", "carol"]
    assert applied["applied"]["value"] == "********" and applied["applied"]["fingerprint"] == fingerprint
    assert cli.json("env", "get", "DB_PASSWORD", "-e", "production", "--reveal")["value"] == SECRET
    assert leaked(cli, SECRET) == []
    env_rows = cli.json("audit", "--kind", "env")
    assert [(r["actor"], r["environment"]) for r in env_rows] == [("alice", "production")]
    approval = {"request": request["id"], "requester": "alice", "approvers": ["bob", "carol"], "required": 2}
    assert env_rows[0]["details"]["approval"] == approval
    report = cli.json("report", "compliance", "--since", "-1h", "--until", "now")
    rows = [(r["kind"], r["keys"], r["requester"], r["approvers"], r["request"]) for r in report["rows"]]
    assert rows == [("env", ["DB_PASSWORD"], "alice", ["bob", "carol"], request["id"])]
    steps = [r["details"]["step"] for r in cli.json("audit", "--kind", "request")]
    assert steps == ["requested", "approved", "approved", "applied"]


def test_import_delete_and_overlay_updates_in_production_are_requests_other_scopes_are_not(approvals: Cli) -> None:
    cli = approvals
    assert cli.json("env", "set", "REGION", "eu", "-e", "staging")["value"] == "eu"  # not covered
    assert cli.json("env", "set", "REGION", "eu")["environment"] is None  # the base scope: not covered
    dotenv = cli.write(".env.prod", f"REGION=us-east-1\nSERVICE_TOKEN={SECRET}\n")

    imported = requested(cli, "env", "import", dotenv, "--environment", "production")

    assert imported["command"]["set"] == {"REGION": "us-east-1", "SERVICE_TOKEN": "********"}
    assert imported["command"]["source"] == dotenv
    assert cli.json("env", "list", "-e", "production") == []
    assert approve_twice(cli, imported)["applied"]["added"] == 2
    values = {v["key"]: v["value"] for v in cli.json("env", "list", "-e", "production", "--reveal")}
    assert values == {"REGION": "us-east-1", "SERVICE_TOKEN": SECRET}

    deleting = requested(cli, "env", "delete", "REGION", "-e", "production")
    assert deleting["plan"]["changes"][0]["op"] == "remove"
    assert "no variable 'NOPE'" in cli.fails("env", "delete", "NOPE", "-e", "production")
    approve_twice(cli, deleting)
    assert [v["key"] for v in cli.json("env", "list", "-e", "production")] == ["SERVICE_TOKEN"]

    cli.ok("policy", "set", "approvals.production", "0")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=gpt-4", "-e", "production")
    cli.ok("policy", "set", "approvals.production", "2")
    overlay = requested(cli, "overlay", "update", "svc", "--set", "API_KEY=ovl-Zq71", "--delete", "MODEL",
                        "--delete", "ABSENT", "-e", "production")
    assert (overlay["script"], overlay["command"]["delete"]) == ("svc", ["MODEL"])
    assert overlay["command"]["set"] == {"API_KEY": "********"}
    assert approve_twice(cli, overlay)["applied"]["deleted"] == ["MODEL"]
    shown = cli.json("overlay", "get", "svc", "-e", "production", "--reveal")["variables"]
    assert {k: v["value"] for k, v in shown.items()} == {"API_KEY": "ovl-Zq71"}
    # Nothing to change: no request, the write answers as it always does.
    before = cli.log_size()
    unchanged = cli.ok("overlay", "update", "svc", "--delete", "ABSENT", "-e", "production").stdout
    assert "Nothing changed" in unchanged and cli.log_size() == before
    assert [r["state"] for r in cli.json("request", "list")] == ["applied"] * 3


def test_the_table_output_says_a_request_was_recorded_not_that_the_value_was_set(approvals: Cli) -> None:
    result = approvals.ok("env", "set", "MODEL", "gpt-5", "-e", "production", env=as_("alice"))

    assert "Set MODEL" not in result.stdout
    assert "(env.set of MODEL in tenant variables, production) is open: 0/2 approvals" in result.stdout


def test_a_config_request_whose_key_changed_meanwhile_is_not_applied_and_says_why(approvals: Cli) -> None:
    cli = approvals
    request = requested(cli, "env", "set", "DB_PASSWORD", SECRET, "-e", "production")
    cli.ok("policy", "set", "approvals.production", "0")
    cli.ok("env", "set", "DB_PASSWORD", "changed-meanwhile", "-e", "production")
    cli.ok("policy", "set", "approvals.production", "2")
    assert "changed since the request" in cli.json("request", "show", request["id"])["plan_now"]["error"]
    cli.ok("request", "approve", request["id"], env=as_("bob"))

    result = cli("request", "approve", request["id"], env=as_("carol"))

    assert result.exit_code == 3, result.output
    new = cli.fingerprint("changed-meanwhile")
    assert f"tenant[production] changed since the request: DB_PASSWORD (absent → {new})" in result.stderr
    assert cli.json("request", "show", request["id"])["state"] == "approved"
    assert cli.json("env", "get", "DB_PASSWORD", "-e", "production", "--reveal")["value"] == "changed-meanwhile"


def test_a_requested_secret_shredded_before_the_last_approval_is_not_written(approvals: Cli) -> None:
    cli = approvals
    cli.ok("policy", "set", "approvals.production", "1")
    request = requested(cli, "env", "set", "API_TOKEN", SECRET, "-e", "production")
    cli.ok("org", "shred", "default", "--confirm", "default")

    result = cli("request", "approve", request["id"], env=as_("bob"))

    assert result.exit_code == 3, result.output
    assert "API_TOKEN was shredded" in result.stderr
    assert "no variable" in cli.fails("env", "get", "API_TOKEN", "-e", "production")


def test_config_promote_into_production_is_a_request_copied_when_approved_unless_the_copy_changed(
    approvals: Cli,
) -> None:
    cli = approvals
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=gpt-5", "--set", f"API_KEY={SECRET}")
    planned = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production", "--dry-run")

    request = requested(cli, "config", "promote", "svc", "--from", "staging", "--to", "production")

    assert (request["operation"], request["script"], request["command"]["source"]) == ("config.promote", "svc", "staging")
    assert request["plan"]["changes"] == planned["changes"]  # fingerprints only; the command holds no value
    assert cli.json("overlay", "get", "svc", "-e", "production")["variables"] == {}
    applied = approve_twice(cli, request)
    assert [c["key"] for c in applied["applied"]["changes"]] == ["API_KEY", "MODEL"]
    shown = cli.json("overlay", "get", "svc", "-e", "production", "--reveal")["variables"]
    assert {k: v["value"] for k, v in shown.items()} == {"API_KEY": SECRET, "MODEL": "gpt-5"}
    assert cli.json("audit", "--kind", "overlay")[-1]["details"]["approval"]["approvers"] == ["bob", "carol"]
    assert leaked(cli, SECRET) == []

    # Staging moved on after the request: the approved copy is not the one asked for.
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=gpt-6")
    stale = requested(cli, "config", "promote", "svc", "--from", "staging", "--to", "production")
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "MODEL=gpt-7")
    cli.ok("request", "approve", stale["id"], env=as_("bob"))
    result = cli("request", "approve", stale["id"], env=as_("carol"))
    assert result.exit_code == 3, result.output
    assert "the configuration changed since the request" in result.stderr
    assert cli.json("overlay", "get", "svc", "-e", "production")["variables"]["MODEL"]["value"] == "gpt-5"


def test_an_unchanged_write_records_nothing_and_marking_a_value_secret_is_a_change(approvals: Cli) -> None:
    cli = approvals
    cli.ok("policy", "set", "approvals.production", "0")
    cli.ok("env", "set", "MODEL", "gpt-5", "-e", "production")
    cli.ok("overlay", "update", "svc", "--set", "TEMPERATURE=0.2", "-e", "production")
    cli.ok("policy", "set", "approvals.production", "2")
    before = cli.log_size()

    assert cli.json("env", "set", "MODEL", "gpt-5", "-e", "production")["value"] == "gpt-5"
    assert "Nothing changed" in cli.ok("overlay", "update", "svc", "--set", "TEMPERATURE=0.2", "-e", "production").stdout

    assert cli.log_size() == before
    marking = requested(cli, "env", "set", "MODEL", "gpt-5", "-e", "production", "--secret")
    change = marking["plan"]["changes"][0]
    assert (change["op"], change["secret"], change["from_fingerprint"] == change["to_fingerprint"]) == ("change", True, True)
    approve_twice(cli, marking)
    assert cli.json("env", "get", "MODEL", "-e", "production")["value"] == "********"


def test_the_compliance_report_flags_production_configuration_changed_without_approvals(approvals: Cli) -> None:
    cli = approvals
    cli.ok("policy", "set", "approvals.production", "0")
    cli.ok("env", "set", "MODEL", "gpt-5", "-e", "production", env=as_("dave"))  # before approvals were asked
    cli.ok("env", "set", "REGION", "eu", env=as_("dave"))  # the base scope: not covered, not flagged
    cli.ok("policy", "set", "approvals.production", "2")
    approve_twice(cli, requested(cli, "env", "set", "MODEL", "gpt-6", "-e", "production"))

    report = cli.json("report", "compliance", "--since", "-1h", "--until", "now")

    rows = [(r["actor"], r["environment"], r["approvers"], r["approvals_required"]) for r in report["rows"]]
    assert rows == [("dave", "production", [], 0), ("dave", None, [], 0), ("alice", "production", ["bob", "carol"], 2)]
    findings = [(f["kind"], f["detail"]) for f in report["findings"]]
    assert findings == [("no_approval", "env change of MODEL in production: applied without approvals, "
                                        "before approvals were required (now 2)")]


def test_keys_status_names_a_requested_plain_value_whose_key_was_marked_secret_later(approvals: Cli) -> None:
    cli = approvals
    requested(cli, "env", "set", "MODEL", "gpt-5", "-e", "production")  # not secret: held as it is
    cli.ok("env", "set", "MODEL", "gpt-6", "-e", "staging", "--secret")  # marked secret afterwards

    status = cli.json("keys", "status")

    assert [o["plaintext_before_secret"] for o in status["organizations"]] == [["MODEL"]]
    assert status["plaintext_secret_events"] == 0
