"""The TenantVariables and Overlay aggregates, with no I/O."""

from __future__ import annotations

from ledger.variables import Overlay, TenantVariables


def test_tenant_variables_keep_the_base_scope_and_each_environment_apart() -> None:
    tenant = TenantVariables(org="acme")

    tenant.set_values(None, {"A": "base"}, [], actor="alice")
    tenant.set_values("staging", {"A": "staging"}, [], actor="alice")

    assert tenant.scope(None) == {"A": {"value": "base", "secret": False}}
    assert tenant.scope("staging") == {"A": {"value": "staging", "secret": False}}
    assert tenant.scope("production") == {}


def test_setting_many_tenant_variables_is_one_event() -> None:
    tenant = TenantVariables(org="acme")
    tenant.collect_events()

    tenant.set_values(None, {"A": "1", "B": "2", "C": "3"}, ["B"], actor="alice", source="x.env")

    (event,) = tenant.collect_events()
    assert isinstance(event, TenantVariables.VariablesSet)
    assert (event.values, event.secret_keys, event.source, event.org, event.actor) == (
        {"A": "1", "B": "2", "C": "3"},
        ["B"],
        "x.env",
        "acme",
        "alice",
    )


def test_a_key_flagged_secret_in_one_scope_is_marked_secret() -> None:
    tenant = TenantVariables(org="acme")
    tenant.set_values("production", {"DB_URL": "x"}, ["DB_URL"], actor="alice")

    assert tenant.is_marked_secret("DB_URL")
    assert not tenant.is_marked_secret("OTHER")


def test_deleting_a_tenant_variable_removes_it_from_that_scope_only() -> None:
    tenant = TenantVariables(org="acme")
    tenant.set_values(None, {"A": "1", "B": "2"}, [], actor="alice")
    tenant.set_values("staging", {"A": "s"}, [], actor="alice")

    tenant.delete_keys(None, ["A"], actor="bob")

    assert set(tenant.scope(None)) == {"B"}
    assert set(tenant.scope("staging")) == {"A"}


def test_an_overlay_update_sets_and_deletes_in_one_event() -> None:
    overlay = Overlay(org="acme", script="svc")
    overlay.update(None, {"OLD": "1", "KEEP": "2"}, [], actor="alice")
    overlay.collect_events()

    overlay.update(None, {"NEW": "3"}, ["OLD"], actor="bob")

    (event,) = overlay.collect_events()
    assert isinstance(event, Overlay.OverlayUpdated)
    assert (event.set, event.delete, event.actor, event.script) == (
        {"NEW": "3"},
        ["OLD"],
        "bob",
        "svc",
    )
    assert overlay.scope(None) == {"KEEP": "2", "NEW": "3"}


def test_overlay_scopes_are_separate_per_environment() -> None:
    overlay = Overlay(org="acme", script="svc")

    overlay.update("production", {"MODEL": "big"}, [], actor="alice")

    assert overlay.scope(None) == {}
    assert overlay.scope("production") == {"MODEL": "big"}


def test_tenant_and_overlay_ids_are_per_org_and_script() -> None:
    assert TenantVariables.create_id("acme") != TenantVariables.create_id("other")
    assert Overlay.create_id("acme", "svc") != Overlay.create_id("acme", "svc2")
    assert Overlay.create_id("acme", "svc") != Overlay.create_id("other", "svc")
