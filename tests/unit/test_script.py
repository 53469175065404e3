"""The Script aggregate: drafts, publishing and version numbering, with no I/O."""

from __future__ import annotations

import pytest

from ledger.content import from_value
from ledger.errors import RefusedError
from ledger.script import Script, ScriptCatalog


def new_script(name: str = "svc") -> Script:
    return Script(org="acme", script=name, actor="alice", description="does things", tags=["a"])


def save(script: Script, value: object, actor: str = "alice") -> None:
    script.save_draft(from_value(value, "json"), actor=actor)


def test_a_new_script_has_no_draft_and_no_versions() -> None:
    script = new_script()

    assert script.draft is None
    assert script.versions == []
    assert script.latest is None
    assert script.draft_status == "none"


def test_script_ids_are_deterministic_per_organization_and_name() -> None:
    assert Script.create_id("acme", "svc") == Script.create_id("acme", "svc")
    assert Script.create_id("acme", "svc") != Script.create_id("other", "svc")
    assert Script.create_id("acme", "svc") != Script.create_id("acme", "svc2")
    assert new_script().id == Script.create_id("acme", "svc")


def test_saving_a_draft_creates_no_version() -> None:
    script = new_script()

    save(script, {"a": 1})

    assert script.versions == []
    assert script.draft_status == "modified"


def test_versions_are_numbered_one_two_three_in_publishing_order() -> None:
    script = new_script()
    numbers = []
    for value in ({"v": 1}, {"v": 2}, {"v": 3}):
        save(script, value)
        numbers.append(script.publish(actor="alice"))

    assert numbers == [1, 2, 3]
    assert [v["version"] for v in script.versions] == [1, 2, 3]
    assert [v["content_sha256"] for v in script.versions] == [
        from_value({"v": n}, "json").sha256 for n in (1, 2, 3)
    ]
    # The aggregate holds no content: that is stored once, in a ContentBlob.
    assert all("content" not in v for v in script.versions)


def test_a_published_version_records_label_note_author_hash_and_time() -> None:
    script = new_script()
    content = from_value({"b": 2, "a": 1}, "json")
    script.save_draft(content, actor="alice")

    script.publish(actor="bob", label="first", note="initial")

    version = script.get_version(1)
    assert version is not None
    assert version["label"] == "first"
    assert version["note"] == "initial"
    assert version["author"] == "bob"
    assert version["content_sha256"] == content.sha256
    assert version["published_at"].utcoffset().total_seconds() == 0


def test_publishing_with_no_draft_is_refused() -> None:
    script = new_script()

    with pytest.raises(RefusedError, match="no draft"):
        script.publish(actor="alice")

    assert script.versions == []


def test_publishing_an_identical_draft_is_refused() -> None:
    script = new_script()
    save(script, {"a": 1, "b": 2})
    script.publish(actor="alice")
    pending_before = len(script.pending_events)
    save(script, {"b": 2, "a": 1})  # same content, other key order

    with pytest.raises(RefusedError, match="identical to version 1"):
        script.publish(actor="alice")

    assert len(script.versions) == 1
    assert len(script.pending_events) == pending_before + 1  # only the DraftSaved


def test_a_draft_that_returns_to_an_older_version_can_be_published_again() -> None:
    script = new_script()
    save(script, {"v": 1})
    script.publish(actor="alice")
    save(script, {"v": 2})
    script.publish(actor="alice")
    save(script, {"v": 1})

    assert script.publish(actor="alice") == 3


@pytest.mark.parametrize(
    ("drafts", "publish_after", "status"),
    [
        ([], None, "none"),
        ([{"v": 1}], None, "modified"),
        ([{"v": 1}], 1, "unchanged"),
        ([{"v": 1}, {"v": 2}], 1, "modified"),
        ([{"v": 1}, {"v": 2}, {"v": 1}], 1, "unchanged"),
    ],
    ids=[
        "never-saved",
        "saved-never-published",
        "published",
        "edited-after-publish",
        "edited-back",
    ],
)
def test_draft_status_is_none_unchanged_or_modified(
    drafts: list[dict[str, int]], publish_after: int | None, status: str
) -> None:
    script = new_script()
    for index, value in enumerate(drafts, start=1):
        save(script, value)
        if index == publish_after:
            script.publish(actor="alice")

    assert script.draft_status == status


@pytest.mark.parametrize("number", [0, -1, 2, 99])
def test_an_unknown_version_number_is_not_a_version(number: int) -> None:
    script = new_script()
    save(script, {"v": 1})
    script.publish(actor="alice")

    assert not script.has_version(number)
    assert script.get_version(number) is None


def test_every_script_event_names_its_org_script_and_actor() -> None:
    script = new_script()
    save(script, {"v": 1}, actor="carol")
    script.publish(actor="dave", note="n")

    registered, saved, published = script.collect_events()

    assert (registered.org, registered.script, registered.actor) == ("acme", "svc", "alice")
    assert (saved.org, saved.script, saved.actor) == ("acme", "svc", "carol")
    assert (published.org, published.script, published.actor, published.note) == (
        "acme",
        "svc",
        "dave",
        "n",
    )


def test_the_catalog_lists_added_script_names() -> None:
    catalog = ScriptCatalog(org="acme")
    catalog.add(name="a")
    catalog.add(name="b")

    assert catalog.names == ["a", "b"]
    assert catalog.id == ScriptCatalog.create_id("acme") != ScriptCatalog.create_id("other")
