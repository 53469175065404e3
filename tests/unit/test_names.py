"""Script names, variable names, organizations and environments."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInputError
from ledger.names import (
    ENVIRONMENTS,
    check_environment,
    check_org,
    check_scope,
    check_script_name,
    check_variable_name,
)


@pytest.mark.parametrize("name", ["a", "0", "invoice-parser", "svc.v2", "a_b", "a" * 63, "9lives"])
def test_slugs_are_valid_script_names(name: str) -> None:
    assert check_script_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "A", "Invoice", "-svc", ".svc", "_svc", "has space", "a/b", "a" * 64, "é", "svc\n"],
)
def test_other_script_names_are_invalid(name: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid script name"):
        check_script_name(name)


@pytest.mark.parametrize("key", ["A", "_A", "db_host", "A1_B2"])
def test_identifiers_are_valid_variable_names(key: str) -> None:
    assert check_variable_name(key) == key


@pytest.mark.parametrize("key", ["", "1A", "A-B", "A.B", "A B", "A=B"])
def test_other_variable_names_are_invalid(key: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid variable name"):
        check_variable_name(key)


@pytest.mark.parametrize("org", ["", "-x", "a b", "a" * 64])
def test_invalid_organizations_are_refused(org: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid organization"):
        check_org(org)


def test_the_environments_are_development_staging_production_in_order() -> None:
    assert ENVIRONMENTS == ("development", "staging", "production")


@pytest.mark.parametrize("environment", ["prod", "Production", "", "qa"])
def test_an_unknown_environment_is_refused(environment: str) -> None:
    with pytest.raises(InvalidInputError, match="unknown environment"):
        check_environment(environment)


def test_the_base_scope_is_none() -> None:
    assert check_scope(None) is None
    assert check_scope("staging") == "staging"
