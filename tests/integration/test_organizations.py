"""Two organizations on one store never see each other's scripts, pointers or variables."""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.errors import NotFoundError


@pytest.fixture
def two_orgs(ledger: Ledger, make_script, ship) -> Ledger:
    make_script("shared-name", versions=2, org="acme")
    make_script("acme-only", versions=1, org="acme")
    make_script("shared-name", versions=1, org="globex")
    ship(2, name="shared-name", org="acme")
    ledger.set_variable(org="acme", key="API_KEY", value="acme-key", actor="a")
    ledger.set_variable(org="globex", key="DB_HOST", value="globex-db", actor="g")
    ledger.update_overlay(org="acme", name="shared-name", actor="a", set_={"MODEL": "acme-model"})
    return ledger


def test_each_org_lists_only_its_own_scripts(two_orgs: Ledger) -> None:
    assert [s.name for s in two_orgs.list_scripts(org="acme")] == ["acme-only", "shared-name"]
    assert [s.name for s in two_orgs.list_scripts(org="globex")] == ["shared-name"]
    assert two_orgs.list_scripts(org="initech") == []


def test_the_same_script_name_is_a_different_script_in_each_org(two_orgs: Ledger) -> None:
    acme = two_orgs.get_script(org="acme", name="shared-name")
    globex = two_orgs.get_script(org="globex", name="shared-name")

    assert (acme.latest_version, acme.environments["production"]) == (2, 2)
    assert (globex.latest_version, globex.environments["production"]) == (1, None)


def test_another_orgs_script_is_unknown(two_orgs: Ledger) -> None:
    with pytest.raises(NotFoundError, match="unknown script 'acme-only'"):
        two_orgs.get_script(org="globex", name="acme-only")
    with pytest.raises(NotFoundError):
        two_orgs.promote(
            org="globex", name="acme-only", version=1, environment="staging", actor="g"
        )


def test_each_org_sees_only_its_own_variables(two_orgs: Ledger) -> None:
    assert [v.key for v in two_orgs.list_variables(org="acme")] == ["API_KEY"]
    assert [v.key for v in two_orgs.list_variables(org="globex")] == ["DB_HOST"]
    with pytest.raises(NotFoundError):
        two_orgs.get_variable(org="globex", key="API_KEY")


def test_resolved_config_uses_only_the_orgs_own_variables_and_overlay(two_orgs: Ledger) -> None:
    acme = two_orgs.resolve_config(org="acme", name="shared-name", environment="production")
    globex = two_orgs.resolve_config(org="globex", name="shared-name", environment="production")

    assert set(acme.variables) == {"API_KEY", "MODEL"}
    assert set(globex.variables) == {"DB_HOST"}
    assert two_orgs.get_overlay(org="globex", name="shared-name").variables == {}
