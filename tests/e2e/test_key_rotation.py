"""Rotating the master key and an organization's data key; crypto-shredding one organization;
`keys status`; every reveal over HTTP in the audit trail."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Cli
from tests.e2e.test_api_server import LiveServer

QUERIES = [
    ["env", "list", "--reveal"],
    ["env", "get", "DB_URL", "--reveal"],
    ["overlay", "get", "svc", "--reveal"],
    ["config", "resolve", "svc", "--environment", "production", "--reveal"],
    ["audit"],
]


def history(cli: Cli) -> None:
    cli.given_script("svc", versions=1)
    for org in ("default", "other"):
        cli.ok("env", "set", "DB_URL", f"dsn-{org}-1", "--secret", "--org", org)
        cli.ok("env", "set", "REGION", "eu", "--org", org)
    cli.ok("overlay", "update", "svc", "--set", "API_KEY=ovl-1", "--environment", "production")


def answers(cli: Cli, org: str = "default") -> list[str]:
    """The reveal queries' outputs (the overlay and config ones only where the script is)."""
    return [cli.ok(*q, "--org", org, "-o", "json").stdout for q in QUERIES[:-1]
            if org == "default" or "svc" not in q]


def test_after_rotating_the_master_key_and_deleting_the_old_one_every_query_answers_as_before(cli: Cli) -> None:
    history(cli)
    before = answers(cli) + answers(cli, "other")
    rotated = cli.json("keys", "rotate")
    assert rotated["rewrapped_organizations"] == ["default", "other"]
    previous = cli.home / "keys" / "master.key.previous"
    assert previous.exists()
    previous.unlink()

    assert answers(cli) + answers(cli, "other") == before

    new_key = cli.json("keys", "rotate", "--org", "default", "--reason", "quarterly")
    cli.ok("env", "set", "DB_URL", "dsn-default-2", "--secret")
    assert new_key["key_id"] != new_key["previous_key_id"]
    assert cli.json("env", "get", "DB_URL", "--reveal")["value"] == "dsn-default-2"
    assert cli.json("config", "resolve", "svc", "--environment", "production", "--reveal")[
        "variables"]["API_KEY"]["value"] == "ovl-1"  # sealed under the first data key
    assert cli.json("env", "get", "DB_URL", "--reveal", "--org", "other")["value"] == "dsn-other-1"
    assert cli.json("keys", "status")["master_key_id"] == rotated["master_key_id"]
    kinds = [(r["kind"], r["details"]["action"]) for r in cli.json("audit", "--kind", "keys")]
    assert ("keys", "rewrapped") in kinds and ("keys", "data key added") in kinds


def test_shredding_one_organization_leaves_its_history_and_fingerprints_and_other_organizations_alone(
    cli: Cli,
) -> None:
    history(cli)
    fingerprint = cli.json("env", "get", "DB_URL")["fingerprint"]
    other_before = answers(cli, "other")

    refused = cli("org", "shred", "default", "--confirm", "defualt")
    shredded = cli.json("org", "shred", "default", "--confirm", "default", "--reason", "customer left")

    assert refused.exit_code == 1 and "confirm with --confirm default" in refused.stderr
    assert shredded["actor"] == "tester" and shredded["reason"] == "customer left"
    for reveal in ([], ["--reveal"]):
        variable = cli.json("env", "get", "DB_URL", *reveal)
        assert (variable["value"], variable["fingerprint"]) == ("<shredded>", fingerprint)
        assert cli.json("overlay", "get", "svc", "--environment", "production", *reveal)[
            "variables"]["API_KEY"]["value"] == "<shredded>"
    assert cli.json("env", "get", "REGION")["value"] == "eu"  # not a secret: untouched
    assert answers(cli, "other") == other_before
    rows = cli.json("audit", "--kind", "keys")
    assert rows[-1]["actor"] == "tester" and rows[-1]["reason"] == "customer left"
    assert cli.json("keys", "status")["organizations"][0]["shredded"] is True
    # A run cannot hand the runner a value that no longer exists.
    run = cli("run", "svc", "--version", "1", "--env", env={"REVLEDGER_RUNNER": "true"})
    assert run.exit_code == 1 and "shredded" in run.stderr
    # A new secret after the shredding gets a new data key.
    cli.ok("env", "set", "DB_URL", "dsn-new", "--secret")
    assert cli.json("env", "get", "DB_URL", "--reveal")["value"] == "dsn-new"


@pytest.mark.sqlite_only
def test_the_log_still_verifies_after_rotation_and_shredding(cli: Cli, tmp_path) -> None:
    key_file = tmp_path / "signing.key"
    cli.ok("keys", "create", "--out", str(key_file))
    signed = {"REVLEDGER_SIGNING_KEY_FILE": str(key_file)}
    history(cli)
    cli.ok("keys", "rotate", env=signed)
    cli.ok("org", "shred", "other", "--confirm", "other", env=signed)
    public = (tmp_path / "signing.key.pub").read_text().strip()

    result = cli("verify", "--store", "--public-key", public, "-o", "json", env=signed)

    assert result.exit_code == 0, result.output


def test_keys_status_counts_events_still_holding_plaintext_secrets(cli: Cli) -> None:
    history(cli)
    status = cli.json("keys", "status")
    assert status["plaintext_secret_events"] == 0
    assert [o["org"] for o in status["organizations"]] == ["default", "other"]


def test_every_reveal_over_http_is_in_the_audit_trail(tmp_path) -> None:
    server = LiveServer(tmp_path / "home").start()
    try:
        admin = server.issue("acme", "admin", name="root")
        headers = {"Authorization": f"Bearer {admin}", "X-Organization-Id": "acme"}
        url = server.url
        httpx.put(f"{url}/v1/env/DB_URL", json={"value": "dsn-1", "secret": True}, headers=headers)
        httpx.put(f"{url}/v1/env/REGION", json={"value": "eu"}, headers=headers)
        masked = httpx.get(f"{url}/v1/env", headers=headers)
        shown = httpx.get(f"{url}/v1/env/DB_URL", params={"reveal": "true"}, headers=headers)
        listed = httpx.get(f"{url}/v1/env", params={"reveal": "true"}, headers=headers)
        trail = httpx.get(f"{url}/v1/audit", params={"kind": "reveal"}, headers=headers).json()
    finally:
        server.stop()
    assert masked.status_code == shown.status_code == listed.status_code == 200
    assert shown.json()["value"] == "dsn-1"
    assert [(r["actor"], r["keys"]) for r in trail] == [("root", ["DB_URL"]), ("root", ["DB_URL"])]
    assert all(r["time"] for r in trail)


@pytest.mark.parametrize("command", [["keys", "status"], ["keys", "rotate"], ["keys", "rotate", "--org", "other"],
                                     ["org", "shred", "other", "--confirm", "other"]])
def test_key_commands_are_local_only_and_refuse_remote_mode_in_one_line_exit_2(cli: Cli, command: list[str]) -> None:
    from api.operations import local_only_command

    history(cli)
    before = cli.json("keys", "status")
    remote = {"REVLEDGER_SERVER": "http://127.0.0.1:9", "REVLEDGER_TOKEN": "t"}

    line = cli.fails(*command, code=2, env=remote)

    assert "works on the local store only" in line
    assert local_only_command(" ".join(command[:2]))  # declared so in api/operations/keys.py
    assert cli.json("keys", "status") == before  # nothing rotated or shredded
