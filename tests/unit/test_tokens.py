"""API token aggregates and roles, with no I/O."""

from __future__ import annotations

import pytest

from ledger.access import ForbiddenError, Principal, check_role, check_token_name
from ledger.errors import InvalidInputError, RefusedError
from ledger.tokens import ROLES, ApiToken, TokenDirectory, token_hash

SECRET = "rl_example-token-value"


def issued(role: str = "editor") -> ApiToken:
    return ApiToken.issue(token_hash(SECRET), org="acme", name="ci", role=role, actor="alice")


def test_a_token_is_found_by_the_hash_of_its_value_alone() -> None:
    token = issued()

    assert token.id == ApiToken.create_id(token_hash(SECRET))
    assert token.id != ApiToken.create_id(token_hash(SECRET + "x"))
    assert (token.org, token.name, token.role, token.revoked) == ("acme", "ci", "editor", False)


def test_issuing_records_org_actor_name_and_role_but_neither_the_token_nor_its_hash() -> None:
    event = issued().collect_events()[0]

    assert isinstance(event, ApiToken.TokenIssued)
    assert type(event).TOPIC == "revledger:ApiToken.TokenIssued"
    assert (event.org, event.actor, event.name, event.role) == ("acme", "alice", "ci", "editor")
    values = [str(v) for v in vars(event).values()]
    assert not any(SECRET in v or token_hash(SECRET) in v for v in values)


def test_revoking_records_who_revoked_it() -> None:
    token = issued()
    token.revoke(actor="bob")

    event = token.collect_events()[-1]
    assert isinstance(event, ApiToken.TokenRevoked)
    assert type(event).TOPIC == "revledger:ApiToken.TokenRevoked"
    assert (event.org, event.actor, event.name, event.role) == ("acme", "bob", "ci", "editor")
    assert token.revoked is True


def test_a_token_is_revoked_only_once() -> None:
    token = issued()
    token.revoke(actor="bob")

    with pytest.raises(RefusedError, match="already revoked"):
        token.revoke(actor="bob")


def test_the_directory_lists_active_tokens_by_name_and_forgets_revoked_ones() -> None:
    directory = TokenDirectory(org="acme")
    token = issued()
    directory.add(token, actor="alice")

    entry = directory.entry("ci")
    assert entry is not None
    assert (entry["token_id"], entry["role"], entry["created_by"]) == (str(token.id), "editor", "alice")
    directory.remove("ci", actor="bob")
    assert directory.entry("ci") is None
    assert directory.id == TokenDirectory.create_id("acme") != TokenDirectory.create_id("globex")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", ["viewer"]), ("editor", ["viewer", "editor"]),
     ("deployer", ["viewer", "editor", "deployer"]), ("admin", list(ROLES))],
)
def test_each_role_includes_the_ones_below_it(role: str, allowed: list[str]) -> None:
    principal = Principal(org="acme", name="ci", role=role)

    assert [r for r in ROLES if principal.has_role(r)] == allowed


def test_a_role_too_low_is_forbidden_naming_the_role_needed() -> None:
    with pytest.raises(ForbiddenError, match="promoting needs the deployer role; token 'ci' has editor"):
        Principal(org="acme", name="ci", role="editor").check("acme", "deployer", "promoting")


def test_another_organization_is_forbidden_whatever_the_role() -> None:
    with pytest.raises(ForbiddenError, match="not valid for organization 'globex'"):
        Principal(org="acme", name="ci", role="admin").check("globex", "viewer", "reading")


@pytest.mark.parametrize("role", ["root", "", "Admin"])
def test_unknown_roles_are_refused(role: str) -> None:
    with pytest.raises(InvalidInputError, match="unknown role"):
        check_role(role)


@pytest.mark.parametrize("name", ["", "Has Space", "-leading", "x" * 64, "a/b"])
def test_token_names_are_slugs(name: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid token name"):
        check_token_name(name)
