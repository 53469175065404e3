"""Scripts, drafts and versions through the Ledger application on a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.application import Ledger
from ledger.content import from_value, parse_content
from ledger.errors import AlreadyExistsError, InvalidInputError, NotFoundError, RefusedError

ORG = "acme"


def test_the_store_is_created_on_first_use(fresh_db, open_ledger: Callable[[], Ledger]) -> None:
    app = open_ledger()
    app.create_script(org=ORG, name="svc", actor="alice")

    assert fresh_db.exists()


def test_create_save_publish_and_read_back_a_script(ledger: Ledger) -> None:
    created = ledger.create_script(
        org=ORG,
        name="invoice-parser",
        actor="alice",
        description="Parse invoices",
        tags=["llm", "billing", "llm"],
    )
    assert (created.name, created.latest_version, created.draft) == ("invoice-parser", None, "none")
    assert created.tags == ["billing", "llm"]
    assert created.environments == {"development": None, "staging": None, "production": None}

    draft = ledger.save_draft(
        org=ORG, name="invoice-parser", content=parse_content('{"steps": [1]}', "json"), actor="bob"
    )
    assert draft.status == "modified"
    assert ledger.get_script(org=ORG, name="invoice-parser").latest_version is None

    version = ledger.publish(
        org=ORG, name="invoice-parser", actor="carol", label="first", note="init"
    )
    assert (version.version, version.label, version.note, version.author) == (
        1,
        "first",
        "init",
        "carol",
    )
    assert version.content_sha256 == draft.content_sha256

    script = ledger.get_script(org=ORG, name="invoice-parser")
    assert (script.latest_version, script.draft, script.description) == (
        1,
        "unchanged",
        "Parse invoices",
    )


def test_versions_are_numbered_per_script(ledger: Ledger, make_script: Callable[..., str]) -> None:
    make_script("a", versions=3)
    make_script("b", versions=1)

    assert [v.version for v in ledger.list_versions(org=ORG, name="a")] == [1, 2, 3]
    assert [v.version for v in ledger.list_versions(org=ORG, name="b")] == [1]


def test_a_version_keeps_its_content_after_the_draft_changes(ledger: Ledger, make_script) -> None:
    make_script("svc", versions=1)
    ledger.save_draft(org=ORG, name="svc", content=from_value({"v": 99}, "json"), actor="alice")

    assert ledger.get_version(org=ORG, name="svc", version=1, with_content=True).content == {"v": 1}
    assert ledger.get_version(org=ORG, name="svc", version=1).content is None
    script = ledger.get_script(org=ORG, name="svc")
    assert (script.draft, script.draft_base_version) == ("modified", 1)


def test_version_zero_means_the_version_production_runs(ledger: Ledger, make_script, ship) -> None:
    make_script("svc", versions=3)
    ship(2)
    ledger.promote(org=ORG, name="svc", version=3, environment="staging", actor="alice")

    assert ledger.get_version(org=ORG, name="svc", version=0).version == 2
    moved = ledger.promote(org=ORG, name="svc", version=0, environment="development", actor="alice")
    assert moved.version == 2


def test_version_zero_is_refused_while_production_runs_nothing(ledger: Ledger, make_script) -> None:
    make_script("svc", versions=1)

    with pytest.raises(NotFoundError, match="production runs no version"):
        ledger.get_version(org=ORG, name="svc", version=0)


def test_scripts_are_listed_by_name_and_filtered_by_all_given_tags(ledger: Ledger) -> None:
    ledger.create_script(org=ORG, name="b", actor="a", tags=["x", "y"])
    ledger.create_script(org=ORG, name="a", actor="a", tags=["x"])
    ledger.create_script(org=ORG, name="c", actor="a")

    assert [s.name for s in ledger.list_scripts(org=ORG)] == ["a", "b", "c"]
    assert [s.name for s in ledger.list_scripts(org=ORG, tags=["x"])] == ["a", "b"]
    assert [s.name for s in ledger.list_scripts(org=ORG, tags=["x", "y"])] == ["b"]
    assert ledger.list_scripts(org=ORG, tags=["z"]) == []


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda app: app.create_script(org=ORG, name="svc", actor="a"),
            AlreadyExistsError,
            "already exists",
        ),
        (
            lambda app: app.create_script(org=ORG, name="Bad Name", actor="a"),
            InvalidInputError,
            "invalid script name",
        ),
        (lambda app: app.get_script(org=ORG, name="nope"), NotFoundError, "unknown script 'nope'"),
        (
            lambda app: app.get_version(org=ORG, name="svc", version=2),
            NotFoundError,
            "unknown version 2",
        ),
        (lambda app: app.list_versions(org=ORG, name="nope"), NotFoundError, "unknown script"),
        (
            lambda app: app.publish(org=ORG, name="svc", actor="a"),
            RefusedError,
            "identical to version 1",
        ),
    ],
    ids=[
        "duplicate",
        "invalid-name",
        "unknown-script",
        "unknown-version",
        "versions-of-unknown",
        "identical",
    ],
)
def test_script_refusals(
    ledger: Ledger, make_script, call, error: type[Exception], match: str
) -> None:
    make_script("svc", versions=1)

    with pytest.raises(error, match=match):
        call(ledger)


def test_publishing_a_script_that_never_had_a_draft_is_refused(ledger: Ledger) -> None:
    ledger.create_script(org=ORG, name="svc", actor="a")

    with pytest.raises(RefusedError, match="no draft"):
        ledger.publish(org=ORG, name="svc", actor="a")
