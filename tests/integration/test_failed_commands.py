"""A refused command leaves the event log exactly as it was."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.application import Ledger
from ledger.content import from_value
from ledger.errors import LedgerError

ORG = "acme"


def _setup(app: Ledger) -> None:
    """svc: versions 1-3, production went 1 → 2 (through staging, which runs 3);
    a variable and an overlay key exist."""
    app.create_script(org=ORG, name="svc", actor="a")
    for number in (1, 2, 3):
        app.save_draft(org=ORG, name="svc", content=from_value({"v": number}, "json"), actor="a")
        app.publish(org=ORG, name="svc", actor="a")
    app.create_script(org=ORG, name="empty", actor="a")
    for number in (1, 2):
        app.promote(org=ORG, name="svc", version=number, environment="staging", actor="a")
        app.promote(org=ORG, name="svc", version=number, environment="production", actor="a")
    app.promote(org=ORG, name="svc", version=3, environment="staging", actor="a")
    app.set_variable(org=ORG, key="X", value="1", actor="a")
    app.update_overlay(org=ORG, name="svc", actor="a", set_={"M": "1"})


FAILING: dict[str, Callable[[Ledger], object]] = {
    "duplicate script": lambda app: app.create_script(org=ORG, name="svc", actor="a"),
    "invalid script name": lambda app: app.create_script(org=ORG, name="-x", actor="a"),
    "invalid org": lambda app: app.create_script(org="a b", name="x", actor="a"),
    "draft of unknown script": lambda app: app.save_draft(
        org=ORG, name="nope", content=from_value({}, "json"), actor="a"
    ),
    "publish with no draft": lambda app: app.publish(org=ORG, name="empty", actor="a"),
    "publish identical draft": lambda app: app.publish(org=ORG, name="svc", actor="a"),
    "promote unknown script": lambda app: app.promote(
        org=ORG, name="nope", version=1, environment="staging", actor="a"
    ),
    "promote unknown version": lambda app: app.promote(
        org=ORG, name="svc", version=9, environment="staging", actor="a"
    ),
    "promote unknown environment": lambda app: app.promote(
        org=ORG, name="svc", version=1, environment="qa", actor="a"
    ),
    "promote expect-current mismatch": lambda app: app.promote(
        org=ORG, name="svc", version=3, environment="production", actor="a", expect_current=1
    ),
    "promote expect-current none on a set pointer": lambda app: app.promote(
        org=ORG, name="svc", version=3, environment="production", actor="a", expect_current=None
    ),
    "rollback to never active": lambda app: app.rollback(org=ORG, name="svc", to=3, actor="a"),
    "rollback unset environment": lambda app: app.rollback(
        org=ORG, name="svc", to=1, actor="a", environment="development"
    ),
    "rollback unknown version": lambda app: app.rollback(
        org=ORG, name="svc", to=8, actor="a", force=True
    ),
    "set invalid variable": lambda app: app.set_variable(org=ORG, key="A-B", value="1", actor="a"),
    "set in unknown environment": lambda app: app.set_variable(
        org=ORG, key="A", value="1", actor="a", environment="prod"
    ),
    "delete missing variable": lambda app: app.delete_variable(org=ORG, key="NOPE", actor="a"),
    "import with invalid key": lambda app: app.import_variables(
        org=ORG, text="A=1\nB=2\n3C=3\n", actor="a"
    ),
    "import malformed line": lambda app: app.import_variables(
        org=ORG, text="A=1\nnot a pair\n", actor="a"
    ),
    "overlay set and delete same key": lambda app: app.update_overlay(
        org=ORG, name="svc", actor="a", set_={"M": "2"}, delete=["M"]
    ),
    "overlay of unknown script": lambda app: app.update_overlay(
        org=ORG, name="nope", actor="a", set_={"A": "1"}
    ),
}


@pytest.mark.parametrize("command", list(FAILING.values()), ids=list(FAILING))
def test_a_refused_command_leaves_the_log_unchanged(
    ledger: Ledger, command: Callable[[Ledger], object]
) -> None:
    _setup(ledger)
    before = ledger.recorder.max_notification_id()
    state_before = (
        ledger.get_script(org=ORG, name="svc"),
        ledger.list_variables(org=ORG, reveal=True),
        ledger.get_overlay(org=ORG, name="svc", reveal=True),
    )

    with pytest.raises(LedgerError):
        command(ledger)

    assert ledger.recorder.max_notification_id() == before
    assert (
        ledger.get_script(org=ORG, name="svc"),
        ledger.list_variables(org=ORG, reveal=True),
        ledger.get_overlay(org=ORG, name="svc", reveal=True),
    ) == state_before
