"""API tokens on a temporary SQLite store: issue, authenticate, list, revoke, and what the
store keeps (never the token)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.access import UnauthenticatedError
from ledger.application import Ledger
from ledger.errors import AlreadyExistsError, NotFoundError
from ledger.tokens import ApiToken


def test_an_issued_token_authenticates_as_its_org_name_and_role(ledger: Ledger) -> None:
    issued = ledger.issue_token(org="acme", name="ci", role="deployer", actor="alice")

    assert issued.to_dict() == {"name": "ci", "org": "acme", "role": "deployer", "token": issued.token}
    principal = ledger.authenticate(token=issued.token)
    assert (principal.org, principal.name, principal.role) == ("acme", "ci", "deployer")


@pytest.mark.parametrize("token", ["", "rl_unknown", "not even the prefix"])
def test_an_unknown_token_is_refused(ledger: Ledger, token: str) -> None:
    with pytest.raises(UnauthenticatedError):
        ledger.authenticate(token=token)


def test_a_revoked_token_is_refused_by_every_process_at_once(
    ledger: Ledger, open_ledger: Callable[[], Ledger]
) -> None:
    issued = ledger.issue_token(org="acme", name="ci", role="viewer", actor="alice")
    other_process = open_ledger()
    other_process.authenticate(token=issued.token)

    revoked = ledger.revoke_token(org="acme", name="ci", actor="bob")

    assert (revoked.revoked_by, revoked.revoked_at is not None) == ("bob", True)
    with pytest.raises(UnauthenticatedError):
        other_process.authenticate(token=issued.token)


def test_tokens_are_listed_by_name_per_organization(ledger: Ledger) -> None:
    ledger.issue_token(org="acme", name="ci", role="editor", actor="alice")
    ledger.issue_token(org="acme", name="admin", role="admin", actor="alice")
    ledger.issue_token(org="globex", name="ci", role="viewer", actor="gina")

    assert [(t.name, t.role) for t in ledger.list_tokens(org="acme")] == [("admin", "admin"), ("ci", "editor")]
    assert [(t.name, t.org) for t in ledger.list_tokens(org="globex")] == [("ci", "globex")]
    assert ledger.list_tokens(org="initech") == []


def test_a_name_is_unique_among_active_tokens_and_free_again_once_revoked(ledger: Ledger) -> None:
    first = ledger.issue_token(org="acme", name="ci", role="editor", actor="alice")
    with pytest.raises(AlreadyExistsError):
        ledger.issue_token(org="acme", name="ci", role="admin", actor="alice")

    ledger.revoke_token(org="acme", name="ci", actor="alice")
    second = ledger.issue_token(org="acme", name="ci", role="admin", actor="alice")

    assert second.token != first.token
    assert ledger.authenticate(token=second.token).role == "admin"
    with pytest.raises(UnauthenticatedError):
        ledger.authenticate(token=first.token)


def test_revoking_an_unknown_name_is_not_found_and_changes_nothing(ledger: Ledger) -> None:
    before = ledger.recorder.max_notification_id()
    with pytest.raises(NotFoundError):
        ledger.revoke_token(org="acme", name="nobody", actor="alice")
    assert ledger.recorder.max_notification_id() == before


def test_issuing_and_revoking_are_events_naming_org_actor_name_and_role(ledger: Ledger) -> None:
    ledger.issue_token(org="acme", name="ci", role="editor", actor="alice")
    ledger.revoke_token(org="acme", name="ci", actor="bob")

    topics = [ApiToken.TokenIssued.TOPIC, ApiToken.TokenRevoked.TOPIC]
    events = [ledger.mapper.to_domain_event(n)
              for n in ledger.recorder.select_notifications(start=1, limit=100, topics=topics)]
    assert [(type(e).__name__, e.org, e.actor, e.name, e.role) for e in events] == [
        ("TokenIssued", "acme", "alice", "ci", "editor"), ("TokenRevoked", "acme", "bob", "ci", "editor")]


def test_the_store_never_holds_the_token_or_its_hash(ledger: Ledger, db_path: Path) -> None:
    import hashlib

    issued = ledger.issue_token(org="acme", name="ci", role="admin", actor="alice")
    ledger.revoke_token(org="acme", name="ci", actor="alice")
    ledger.close()

    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert issued.token.encode() not in stored
    assert hashlib.sha256(issued.token.encode()).hexdigest().encode() not in stored


def test_the_store_knows_whether_any_token_is_active(ledger: Ledger) -> None:
    assert ledger.has_active_tokens() is False
    ledger.issue_token(org="acme", name="a", role="admin", actor="alice")
    ledger.issue_token(org="globex", name="b", role="viewer", actor="gina")
    assert ledger.has_active_tokens() is True
    ledger.revoke_token(org="acme", name="a", actor="alice")
    assert ledger.has_active_tokens() is True
    ledger.revoke_token(org="globex", name="b", actor="gina")
    assert ledger.has_active_tokens() is False
