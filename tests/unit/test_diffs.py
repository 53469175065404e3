"""Blocks and code diffs of workflow content."""

from __future__ import annotations

import pytest

from ledger.content import Content
from ledger.diffs import blocks_diff, code_diff, content_diff, json_changes, summary


def workflow(blocks: list[dict], connections: list | None = None, key: str = "connections") -> Content:
    data: dict = {"blocks": blocks}
    if connections is not None:
        data[key] = connections
    return Content("json", data)


def test_blocks_added_removed_and_changed_are_reported_with_the_changed_fields() -> None:
    old = workflow([{"id": "a", "prompt": "x", "model": "m"}, {"id": "b"}])
    new = workflow([{"id": "a", "prompt": "y", "model": "m"}, {"id": "c"}])
    diff = blocks_diff(old, new)
    assert diff["blocks"] == {"added": ["c"], "removed": ["b"], "changed": [{"id": "a", "fields": ["prompt"]}]}


@pytest.mark.parametrize(
    ("old_edges", "new_edges", "key"),
    [
        ([{"from": "a", "to": "b"}], [{"from": "a", "to": "c"}], "connections"),
        ([["a", "b"]], [["a", "c"]], "connections"),
        ([{"source": "a", "target": "b"}], [{"source": "a", "target": "c"}], "edges"),
    ],
)
def test_connections_are_compared_whatever_their_shape(old_edges: list, new_edges: list, key: str) -> None:
    diff = blocks_diff(workflow([], old_edges, key), workflow([], new_edges, key))
    assert diff["connections"] == {"added": [["a", "c"]], "removed": [["a", "b"]]}


def test_identical_contents_have_no_changes() -> None:
    content = workflow([{"id": "a"}], [["a", "a"]])
    diff = content_diff(content, content, "code")
    assert diff["identical"] is True
    assert diff["changes"] == [] and diff["unified"] == ""
    assert summary(diff) == "identical content"


def test_json_path_changes_name_each_added_removed_and_replaced_leaf() -> None:
    changes = json_changes({"a": 1, "b": {"c": [1, 2]}, "gone": True}, {"a": 2, "b": {"c": [1]}, "new": "x"})
    assert {(c["path"], c["op"]) for c in changes} == {
        ("$.a", "replace"), ("$.b.c[1]", "remove"), ("$.gone", "remove"), ("$.new", "add"),
    }


def test_the_code_view_has_a_unified_diff_of_the_canonical_form() -> None:
    diff = code_diff(Content("json", {"model": "a"}), Content("yaml", {"model": "b"}), "v1", "v2")
    assert diff["unified"].startswith("--- v1\n+++ v2\n")
    assert '-  "model": "a"' in diff["unified"] and '+  "model": "b"' in diff["unified"]


def test_text_content_diffs_as_lines() -> None:
    diff = content_diff(Content("text", "one\ntwo\n"), Content("text", "one\nthree\n"), "code")
    assert "-two" in diff["unified"] and "+three" in diff["unified"]
    assert diff["changes"] == [{"path": "$", "op": "replace", "from": "one\ntwo\n", "to": "one\nthree\n"}]
