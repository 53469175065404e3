"""``revledger overlay`` and ``revledger config resolve`` through the CLI runner."""

from __future__ import annotations


import pytest
import yaml

SECRET = "tok-9f8e7d6c5b4a"



def test_overlay_update_sets_and_deletes_in_one_event(cli) -> None:
    cli.given_script("svc")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=small", "--set", "LEGACY_MODEL=old")
    before = cli.log_size()

    updated = cli.json(
        "overlay",
        "update",
        "svc",
        "--set",
        "MODEL=gpt-4.1",
        "--set",
        "TEMPERATURE=0.0",
        "--delete",
        "LEGACY_MODEL",
    )

    assert cli.log_size() == before + 1
    (event,) = cli.events()[before:]
    assert (event.set, event.delete) == (
        {"MODEL": "gpt-4.1", "TEMPERATURE": "0.0"},
        ["LEGACY_MODEL"],
    )
    assert set(updated["variables"]) == {"MODEL", "TEMPERATURE"}


def test_overlay_get_shows_one_scope(cli) -> None:
    cli.given_script("svc")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=small")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=big", "--environment", "production")

    base = cli.json("overlay", "get", "svc")
    prod = cli.json("overlay", "get", "svc", "-e", "production")

    assert {k: v["value"] for k, v in base["variables"].items()} == {"MODEL": "small"}
    assert {k: v["value"] for k, v in prod["variables"].items()} == {"MODEL": "big"}
    assert cli.json("overlay", "get", "svc", "-e", "staging")["variables"] == {}


def test_an_overlay_value_may_contain_equals_signs(cli) -> None:
    cli.given_script("svc")

    cli.ok("overlay", "update", "svc", "--set", "DSN_OPTS=a=1&b=2")

    assert cli.json("overlay", "get", "svc")["variables"]["DSN_OPTS"]["value"] == "a=1&b=2"


def test_config_resolve_json_has_the_contract_shape_and_layers(cli) -> None:
    cli.given_script("svc")
    cli.ok("env", "import", cli.write("base.env", "A=t\nB=t\nC=t\nD=t\nE=t\n"))
    cli.ok("env", "import", cli.write("prod.env", "B=te\nC=te\nD=te\n"), "-e", "production")
    cli.ok("overlay", "update", "svc", "--set", "C=o", "--set", "D=o", "--set", "E=")
    cli.ok("overlay", "update", "svc", "--set", "D=oe", "-e", "production")

    config = cli.json("config", "resolve", "svc", "--environment", "production")

    assert (config["script"], config["environment"]) == ("svc", "production")
    for entry in config["variables"].values():
        assert {"value", "layer", "secret", "fingerprint"} <= set(entry)
    assert {k: (v["value"], v["layer"]) for k, v in config["variables"].items()} == {
        "A": ("t", "tenant"),
        "B": ("te", "tenant[production]"),
        "C": ("o", "overlay"),
        "D": ("oe", "overlay[production]"),
        "E": ("t", "tenant"),
    }
    assert config["variables"]["D"]["fingerprint"] == cli.fingerprint("oe")


def test_config_resolve_table_lists_every_key_with_its_layer(cli) -> None:
    cli.given_script("svc")
    cli.ok("env", "set", "MODEL", "small")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=big", "-e", "staging")

    out = cli.ok("config", "resolve", "svc", "-e", "staging").stdout

    assert "MODEL" in out
    assert "big" in out
    assert "overlay" in out


@pytest.mark.parametrize(
    ("command", "text"),
    [
        (("config", "resolve", "svc", "-e", "staging"), "overlay[staging]"),
        (("script", "get", "svc"), "[beta] parser"),
    ],
)
def test_table_cells_show_square_brackets_verbatim(
    cli, command: tuple[str, ...], text: str
) -> None:
    cli.ok("script", "create", "svc", "--description", "[beta] parser")
    cli.ok("overlay", "update", "svc", "--set", "MODEL=big", "-e", "staging")

    assert text in cli.ok(*command).stdout


@pytest.mark.parametrize("output", ["table", "json", "yaml"])
def test_secrets_are_masked_in_overlays_and_resolved_config_unless_revealed(
    cli, output: str
) -> None:
    cli.given_script("svc")
    cli.ok("env", "set", "DSN", "postgres://user:pw@db", "--secret")
    update = cli.ok("overlay", "update", "svc", "--set", f"SERVICE_TOKEN={SECRET}", "-o", output)

    hidden = [
        update.stdout,
        cli.ok("overlay", "get", "svc", "-o", output).stdout,
        cli.ok("config", "resolve", "svc", "-e", "production", "-o", output).stdout,
    ]
    shown = [
        cli.ok("overlay", "get", "svc", "--reveal", "-o", output).stdout,
        cli.ok("config", "resolve", "svc", "-e", "production", "--reveal", "-o", output).stdout,
    ]

    for out in hidden:
        assert SECRET not in out
        assert "postgres://user:pw@db" not in out
        assert cli.fingerprint(SECRET) in out
    for out in shown:
        assert SECRET in out
    assert "postgres://user:pw@db" in shown[1]


def test_a_resolved_secret_reports_its_fingerprint(cli) -> None:
    cli.given_script("svc")
    cli.ok("env", "set", "API_KEY", SECRET)

    entry = cli.json("config", "resolve", "svc", "-e", "staging")["variables"]["API_KEY"]

    assert entry["secret"] is True
    assert entry["value"] != SECRET
    assert entry["fingerprint"] == cli.fingerprint(SECRET)


def test_overlay_and_config_yaml_carry_the_same_data_as_json(cli) -> None:
    cli.given_script("svc")
    cli.ok("env", "set", "A", "1")
    cli.ok("overlay", "update", "svc", "--set", "B=2")

    for command in (("overlay", "get", "svc"), ("config", "resolve", "svc", "-e", "staging")):
        assert yaml.safe_load(cli.ok(*command, "-o", "yaml").stdout) == cli.json(*command)


def test_a_sealed_overlay_value_stays_a_secret_after_its_keys_marking_is_deleted(cli) -> None:
    cli.given_script("svc")
    cli.ok("env", "set", "HOST", "tenant-host", "--secret")
    cli.ok("overlay", "update", "svc", "--set", "HOST=db.internal")  # sealed: HOST is marked secret
    cli.ok("env", "delete", "HOST")  # the marking goes with the tenant's value

    masked = cli.json("config", "resolve", "svc", "-e", "production")["variables"]["HOST"]
    revealed = cli.json("config", "resolve", "svc", "-e", "production", "--reveal")["variables"]["HOST"]

    assert (masked["value"], masked["secret"]) == ("********", True)
    assert revealed["value"] == "db.internal"
