"""What a draft may expand to: bytes after parsing, nesting depth and node count. A YAML alias
bomb is refused from its node graph, before anything is expanded or recorded."""

from __future__ import annotations

import json

import pytest

from api.errors import row_of
from ledger.content import (
    DEFAULT_LIMITS,
    ContentLimits,
    ContentTooLargeError,
    from_value,
    parse_content,
)
from ledger.errors import InvalidInputError
from tests.e2e.test_api_hardening import alias_bomb


def test_a_yaml_alias_bomb_is_refused_naming_the_limit() -> None:
    text = alias_bomb()
    assert len(text) < 500
    with pytest.raises(ContentTooLargeError) as refused:
        parse_content(text, "yaml")
    assert "REVLEDGER_MAX_CONTENT_BYTES" in refused.value.message or "nodes" in refused.value.message
    assert row_of(refused.value).status == 413


def test_a_few_aliases_that_stay_small_are_expanded_as_before() -> None:
    content = parse_content("base: &b {x: 1}\na: *b\nb: *b\n", "yaml")
    assert content.data == {"base": {"x": 1}, "a": {"x": 1}, "b": {"x": 1}}


def test_content_over_the_byte_limit_is_refused_naming_the_setting() -> None:
    limits = ContentLimits(max_bytes=1000)
    with pytest.raises(ContentTooLargeError) as refused:
        from_value({"k": "x" * 2000}, "json", limits=limits)
    assert "REVLEDGER_MAX_CONTENT_BYTES" in refused.value.message
    assert "1000" in refused.value.message
    with pytest.raises(ContentTooLargeError):
        parse_content("y" * 2000, "text", limits=limits)


def test_the_byte_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVLEDGER_MAX_CONTENT_BYTES", "100")
    with pytest.raises(ContentTooLargeError, match="100 bytes"):
        parse_content(json.dumps({"k": "x" * 200}), "json")
    monkeypatch.setenv("REVLEDGER_MAX_CONTENT_BYTES", "not-a-number")
    with pytest.raises(InvalidInputError, match="REVLEDGER_MAX_CONTENT_BYTES"):
        parse_content("{}", "json")


def test_nesting_beyond_the_depth_limit_is_refused() -> None:
    deep = "[" * (DEFAULT_LIMITS.max_depth + 1) + "]" * (DEFAULT_LIMITS.max_depth + 1)
    with pytest.raises(InvalidInputError, match="nest"):
        parse_content(deep, "json")
    with pytest.raises(InvalidInputError, match="nest"):
        parse_content(deep, "yaml")


def test_more_nodes_than_the_limit_are_refused() -> None:
    limits = ContentLimits(max_nodes=100)
    with pytest.raises(ContentTooLargeError, match="100 nodes"):
        from_value(list(range(200)), "json", limits=limits)


@pytest.mark.parametrize("value", [{"k": "\udfff"}, {"\ud800": 1}, ["ok", ["\udc00x"]], "\udfff"])
def test_a_lone_surrogate_is_refused_as_input(value: object) -> None:
    fmt = "text" if isinstance(value, str) else "json"
    with pytest.raises(InvalidInputError, match="surrogate"):
        from_value(value, fmt)


def test_a_lone_surrogate_escaped_in_a_json_file_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="surrogate"):
        parse_content('{"k": "\\udfff"}', "json")
