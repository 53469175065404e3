"""Tenant variables, imports, overlays and effective configuration on a temporary SQLite file."""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.config import MASK
from ledger.errors import InvalidInputError, NotFoundError
from ledger.variables import TenantVariables

ORG = "acme"


def test_a_variable_is_set_read_listed_and_deleted_per_scope(ledger: Ledger) -> None:
    ledger.set_variable(org=ORG, key="DB_HOST", value="db.local", actor="alice")
    ledger.set_variable(
        org=ORG, key="DB_HOST", value="db.prod", actor="alice", environment="production"
    )

    base = ledger.get_variable(org=ORG, key="DB_HOST")
    prod = ledger.get_variable(org=ORG, key="DB_HOST", environment="production")
    assert (base.value, base.environment, base.secret) == ("db.local", None, False)
    assert (prod.value, prod.environment) == ("db.prod", "production")
    assert [v.key for v in ledger.list_variables(org=ORG, environment="staging")] == []

    ledger.delete_variable(org=ORG, key="DB_HOST", actor="alice")

    assert ledger.list_variables(org=ORG) == []
    assert ledger.get_variable(org=ORG, key="DB_HOST", environment="production").value == "db.prod"


def test_secret_values_are_masked_with_a_fingerprint_unless_revealed(ledger: Ledger) -> None:
    set_view = ledger.set_variable(
        org=ORG, key="DB_URL", value="postgres://x", actor="a", secret=True
    )
    ledger.set_variable(org=ORG, key="OPENAI_API_KEY", value="sk-1", actor="a")

    assert set_view.value == MASK
    masked = {v.key: v for v in ledger.list_variables(org=ORG)}
    assert {k: (v.value, v.secret) for k, v in masked.items()} == {
        "DB_URL": (MASK, True),
        "OPENAI_API_KEY": (MASK, True),
    }
    assert masked["OPENAI_API_KEY"].fingerprint == ledger.secrets.fingerprint_of(ORG, "sk-1")
    assert ledger.get_variable(org=ORG, key="DB_URL", reveal=True).value == "postgres://x"


def test_a_secret_stays_secret_when_set_again_without_the_flag(ledger: Ledger) -> None:
    ledger.set_variable(org=ORG, key="DB_URL", value="one", actor="a", secret=True)
    ledger.set_variable(org=ORG, key="DB_URL", value="two", actor="a")

    view = ledger.get_variable(org=ORG, key="DB_URL")
    assert (view.value, view.secret, view.fingerprint) == (MASK, True, ledger.secrets.fingerprint_of(ORG, "two"))


def test_an_import_reports_added_changed_and_unchanged_counts(ledger: Ledger) -> None:
    ledger.set_variable(org=ORG, key="SAME", value="1", actor="a", environment="staging")
    ledger.set_variable(org=ORG, key="OLD", value="1", actor="a", environment="staging")

    result = ledger.import_variables(
        org=ORG, text="# c\n\nSAME=1\nOLD=2\nNEW=3\nNEW2=4\n", actor="a", environment="staging"
    )

    assert (result.added, result.changed, result.unchanged) == (2, 1, 1)
    assert {v.key: v.value for v in ledger.list_variables(org=ORG, environment="staging")} == {
        "NEW": "3",
        "NEW2": "4",
        "OLD": "2",
        "SAME": "1",
    }


def test_an_import_is_one_event(ledger: Ledger) -> None:
    ledger.set_variable(org=ORG, key="X", value="0", actor="a")
    before = ledger.recorder.max_notification_id()

    ledger.import_variables(org=ORG, text="A=1\nB=2\nC=3\nX=9\n", actor="a")

    notifications = ledger.recorder.select_notifications(start=before + 1, limit=10)
    assert len(notifications) == 1
    event = ledger.mapper.to_domain_event(notifications[0])
    assert isinstance(event, TenantVariables.VariablesSet)
    assert event.values == {"A": "1", "B": "2", "C": "3", "X": "9"}


def test_an_import_that_changes_nothing_records_nothing(ledger: Ledger) -> None:
    ledger.import_variables(org=ORG, text="A=1\n", actor="a")
    before = ledger.recorder.max_notification_id()

    result = ledger.import_variables(org=ORG, text="A=1\n", actor="a")

    assert (result.added, result.changed, result.unchanged) == (0, 0, 1)
    assert ledger.recorder.max_notification_id() == before


def test_an_import_with_an_invalid_key_imports_nothing(ledger: Ledger) -> None:
    with pytest.raises(InvalidInputError, match="line 2: invalid variable name 'BAD-KEY'"):
        ledger.import_variables(org=ORG, text="GOOD=1\nBAD-KEY=2\n", actor="a")

    assert ledger.list_variables(org=ORG) == []


def test_an_overlay_update_sets_and_deletes_in_one_event(ledger: Ledger, make_script) -> None:
    make_script("svc")
    ledger.update_overlay(org=ORG, name="svc", actor="a", set_={"MODEL": "small", "LEGACY": "1"})
    before = ledger.recorder.max_notification_id()

    view = ledger.update_overlay(
        org=ORG, name="svc", actor="a", set_={"MODEL": "big"}, delete=["LEGACY"]
    )

    assert ledger.recorder.max_notification_id() == before + 1
    assert (view.set, view.deleted) == (["MODEL"], ["LEGACY"])
    overlay = ledger.get_overlay(org=ORG, name="svc")
    assert {k: v["value"] for k, v in overlay.variables.items()} == {"MODEL": "big"}


def test_overlay_secrets_are_masked_unless_revealed(ledger: Ledger, make_script) -> None:
    make_script("svc")
    ledger.update_overlay(
        org=ORG, name="svc", actor="a", set_={"SERVICE_TOKEN": "t-1"}, environment="production"
    )

    masked = ledger.get_overlay(org=ORG, name="svc", environment="production")
    revealed = ledger.get_overlay(org=ORG, name="svc", environment="production", reveal=True)

    assert masked.variables["SERVICE_TOKEN"] == {
        "value": MASK,
        "secret": True,
        "fingerprint": ledger.secrets.fingerprint_of(ORG, "t-1"),
    }
    assert revealed.variables["SERVICE_TOKEN"]["value"] == "t-1"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "nope", "set_": {"A": "1"}}, NotFoundError, "unknown script"),
        ({"name": "svc"}, InvalidInputError, "nothing to update"),
        ({"name": "svc", "set_": {"A-B": "1"}}, InvalidInputError, "invalid variable name"),
        (
            {"name": "svc", "set_": {"A": "1"}, "delete": ["A"]},
            InvalidInputError,
            "both set and deleted",
        ),
        (
            {"name": "svc", "set_": {"A": "1"}, "environment": "prod"},
            InvalidInputError,
            "unknown environment",
        ),
    ],
)
def test_overlay_update_refusals(ledger: Ledger, make_script, kwargs, error, match) -> None:
    make_script("svc")

    with pytest.raises(error, match=match):
        ledger.update_overlay(org=ORG, actor="a", **kwargs)


def test_deleting_an_overlay_key_that_is_not_there_is_reported_not_refused(
    ledger: Ledger, make_script
) -> None:
    make_script("svc")
    ledger.update_overlay(org=ORG, name="svc", actor="a", set_={"KEEP": "1", "GONE": "2"})

    first = ledger.update_overlay(org=ORG, name="svc", actor="a", set_={"NEW": "3"}, delete=["GONE", "NEVER"])
    again = ledger.update_overlay(org=ORG, name="svc", actor="a", delete=["GONE", "NEVER"])

    assert (first.deleted, first.not_present, first.set) == (["GONE"], ["NEVER"], ["NEW"])
    assert first.position is not None
    assert sorted(first.variables) == ["KEEP", "NEW"]
    # Re-running the same delete changes nothing and records nothing.
    assert (again.deleted, again.not_present, again.position) == ([], ["GONE", "NEVER"], None)


def test_resolving_config_layers_tenant_tenant_env_overlay_and_overlay_env(
    ledger: Ledger, make_script
) -> None:
    make_script("svc")
    ledger.import_variables(org=ORG, text="A=t\nB=t\nC=t\nD=t\nE=t\n", actor="a")
    ledger.import_variables(org=ORG, text="B=te\nC=te\nD=te\n", actor="a", environment="production")
    ledger.import_variables(org=ORG, text="B=staging\n", actor="a", environment="staging")
    ledger.update_overlay(org=ORG, name="svc", actor="a", set_={"C": "o", "D": "o", "E": ""})
    ledger.update_overlay(
        org=ORG, name="svc", actor="a", set_={"D": "oe"}, environment="production"
    )

    config = ledger.resolve_config(org=ORG, name="svc", environment="production")

    assert {k: (v["value"], v["layer"]) for k, v in config.variables.items()} == {
        "A": ("t", "tenant"),
        "B": ("te", "tenant[production]"),
        "C": ("o", "overlay"),
        "D": ("oe", "overlay[production]"),
        "E": ("t", "tenant"),  # the empty overlay value defers
    }


def test_resolved_secrets_are_masked_unless_revealed(ledger: Ledger, make_script) -> None:
    make_script("svc")
    ledger.set_variable(org=ORG, key="DSN", value="dsn-1", actor="a", secret=True)
    ledger.set_variable(org=ORG, key="GITHUB_TOKEN", value="gh-1", actor="a")

    masked = ledger.resolve_config(org=ORG, name="svc", environment="staging").variables
    revealed = ledger.resolve_config(
        org=ORG, name="svc", environment="staging", reveal=True
    ).variables

    assert masked["DSN"] == {
        "value": MASK,
        "layer": "tenant",
        "secret": True,
        "fingerprint": ledger.secrets.fingerprint_of(ORG, "dsn-1"),
    }
    assert masked["GITHUB_TOKEN"]["value"] == MASK
    assert (revealed["DSN"]["value"], revealed["GITHUB_TOKEN"]["value"]) == ("dsn-1", "gh-1")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda app: app.get_variable(org=ORG, key="NOPE"),
            NotFoundError,
            "no variable 'NOPE' in the base scope",
        ),
        (
            lambda app: app.get_variable(org=ORG, key="X", environment="staging"),
            NotFoundError,
            "in staging",
        ),
        (
            lambda app: app.delete_variable(org=ORG, key="NOPE", actor="a"),
            NotFoundError,
            "no variable",
        ),
        (
            lambda app: app.set_variable(org=ORG, key="1X", value="v", actor="a"),
            InvalidInputError,
            "invalid variable",
        ),
        (
            lambda app: app.set_variable(
                org=ORG, key="X", value="v", actor="a", environment="prod"
            ),
            InvalidInputError,
            "unknown environment",
        ),
        (
            lambda app: app.list_variables(org=ORG, environment="qa"),
            InvalidInputError,
            "unknown environment",
        ),
        (
            lambda app: app.resolve_config(org=ORG, name="nope", environment="staging"),
            NotFoundError,
            "unknown script",
        ),
        (
            lambda app: app.resolve_config(org=ORG, name="svc", environment="base"),
            InvalidInputError,
            "unknown env",
        ),
    ],
)
def test_variable_and_config_refusals(ledger: Ledger, make_script, call, error, match) -> None:
    make_script("svc")
    ledger.set_variable(org=ORG, key="X", value="v", actor="a")

    with pytest.raises(error, match=match):
        call(ledger)
