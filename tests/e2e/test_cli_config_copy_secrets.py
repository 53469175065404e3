"""Configuration copies carry secrets: ``config promote``, ``promote --with-config-from`` and
``version rollback --with-config`` open each sealed value where it sits and seal it again for
the scope it goes to (issue 16 binds a ciphertext to its scope). Secrets show only by
fingerprint, the target reveals the source's value, and no plaintext reaches the store."""

from __future__ import annotations

import json
import subprocess

from tests.e2e.test_cli_config_promotion import script_using
from tests.e2e.test_secrets_at_rest import stored_bytes

STAGING_KEY, PRODUCTION_KEY = "sk-stag-7f3a9c", "sk-prod-2b8e41"
DB_PASSWORD = "pw-stag-55d1e0"
SECRETS = (STAGING_KEY, PRODUCTION_KEY, DB_PASSWORD)


def assert_no_plaintext(cli, *outputs: object) -> None:
    """Not in any output, not in ledger.db (``grep -a``), not in any stored byte."""
    text = json.dumps(outputs)
    assert not [s for s in SECRETS if s in text]
    if not cli.database_url:
        db = cli.home / "ledger.db"
        for secret in SECRETS:
            found = subprocess.run(["grep", "-a", "-c", secret, str(db)], capture_output=True, text=True)
            assert found.stdout.strip() == "0", (secret, found.stdout)
    assert [(name, s) for name, data in stored_bytes(cli) for s in SECRETS if s.encode() in data] == []


def given_secrets(cli) -> None:
    script_using(cli, "svc", "API_KEY", "DB_PASSWORD")
    cli.ok("env", "set", "DB_PASSWORD", DB_PASSWORD, "-e", "staging", "--secret")
    cli.ok("overlay", "update", "svc", "-e", "staging", "--set", "API_KEY=" + STAGING_KEY, "--set", "MODEL=large")
    cli.ok("overlay", "update", "svc", "-e", "production", "--set", "API_KEY=" + PRODUCTION_KEY)
    cli.ok("promote", "svc", "--version", "1", "-e", "staging")


def revealed(cli, environment: str) -> dict[str, str]:
    answer = cli.json("config", "resolve", "svc", "-e", environment, "--reveal")
    return {k: v["value"] for k, v in answer["variables"].items()}


def test_config_promote_reseals_secrets_for_the_target_and_shows_them_only_by_fingerprint(cli) -> None:
    given_secrets(cli)
    before = cli.log_size()

    plan = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production",
                    "--include-tenant", "--dry-run")
    table = cli.ok("config", "promote", "svc", "--from", "staging", "--to", "production",
                   "--include-tenant", "--dry-run").stdout
    assert cli.log_size() == before
    done = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production",
                    "--include-tenant", "--reason", "sync")

    changes = {c["key"]: c for c in done["changes"]}
    assert changes["API_KEY"] | {"op": "change", "secret": True, "layer": "overlay[production]",
                                 "from_fingerprint": cli.fingerprint(PRODUCTION_KEY),
                                 "to_fingerprint": cli.fingerprint(STAGING_KEY)} == changes["API_KEY"]
    assert changes["DB_PASSWORD"] | {"op": "add", "secret": True, "layer": "tenant[production]",
                                     "from_fingerprint": None,
                                     "to_fingerprint": cli.fingerprint(DB_PASSWORD)} == changes["DB_PASSWORD"]
    assert done["changes"] == plan["changes"]
    assert f"{cli.fingerprint(PRODUCTION_KEY)} → {cli.fingerprint(STAGING_KEY)}" in table
    assert done["effective_changes"]["production"] == ["API_KEY", "DB_PASSWORD", "MODEL"]
    assert revealed(cli, "production") == revealed(cli, "staging") == {
        "API_KEY": STAGING_KEY, "DB_PASSWORD": DB_PASSWORD, "MODEL": "large"}
    assert cli.json("env", "get", "DB_PASSWORD", "-e", "production")["secret"] is True
    # Copied again: the opened values are equal, so nothing changes (not a fresh nonce's "change").
    again = cli.json("config", "promote", "svc", "--from", "staging", "--to", "production", "--include-tenant")
    assert again["changes"] == [] and again["position"] is None
    assert_no_plaintext(cli, plan, done, table)


def test_promote_with_config_from_carries_secrets_in_the_same_transaction(cli) -> None:
    given_secrets(cli)
    cli.ok("env", "set", "DB_PASSWORD", "pw-prod-old", "-e", "production", "--secret")  # not copied
    before = cli.log_size()

    moved = cli.json("promote", "svc", "--version", "1", "-e", "production", "--with-config-from", "staging")

    assert moved["version"] == 1 and {c["key"] for c in moved["config_changes"]} == {"API_KEY", "MODEL"}
    assert cli.log_size() == before + 3  # the overlay event, the new pointer and its move
    assert revealed(cli, "production")["API_KEY"] == STAGING_KEY
    release = cli.json("release", "show", "svc", "-e", "production")
    assert release["variables"]["API_KEY"]["value"] == "********"
    assert release["variables"]["API_KEY"]["fingerprint"] == cli.fingerprint(STAGING_KEY)
    assert_no_plaintext(cli, moved, release)


def test_rollback_with_config_restores_the_earlier_releases_secrets(cli) -> None:
    given_secrets(cli)
    cli.ok("env", "set", "DB_PASSWORD", "pw-prod-old", "-e", "production", "--secret")
    cli.ok("promote", "svc", "--version", "1", "-e", "production")
    earlier = cli.json("release", "show", "svc", "-e", "production")
    cli.ok("draft", "save", "svc", "-f", cli.write("v2.json", '{"steps": ["{{ env.API_KEY }}", "{{ env.DB_PASSWORD }}", 2]}'))
    cli.ok("draft", "publish", "svc")
    cli.ok("promote", "svc", "--version", "2", "-e", "staging")
    cli.ok("promote", "svc", "--version", "2", "-e", "production", "--with-config-from", "staging")
    cli.ok("config", "promote", "svc", "--from", "staging", "--to", "production", "--include-tenant")
    assert revealed(cli, "production")["API_KEY"] == STAGING_KEY

    plan = cli.json("version", "rollback", "svc", "--to", "1", "--with-config", "--dry-run")
    rolled = cli.json("version", "rollback", "svc", "--to", "1", "--with-config", "--reason", "bad key")
    after = cli.json("release", "show", "svc", "-e", "production")

    assert {(c["key"], c["op"], c["layer"], c["to_fingerprint"]) for c in plan["config_promotion"]} == {
        ("API_KEY", "change", "overlay[production]", cli.fingerprint(PRODUCTION_KEY)),
        ("MODEL", "remove", "overlay[production]", None),
        ("DB_PASSWORD", "change", "tenant[production]", cli.fingerprint("pw-prod-old"))}
    assert rolled["config_changes"] == plan["config_promotion"]
    assert (after["version"], after["config_sha256"]) == (1, earlier["config_sha256"])
    assert revealed(cli, "production") == {"API_KEY": PRODUCTION_KEY, "DB_PASSWORD": "pw-prod-old"}
    assert_no_plaintext(cli, plan, rolled, after)
