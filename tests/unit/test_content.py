"""Draft content: parsing JSON/YAML/text, parse errors with line and column, the canonical hash."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.content import (
    Content,
    decode_text,
    format_for_filename,
    from_value,
    parse_content,
    render_content,
)
from ledger.errors import InvalidInputError

# Printable text only: the property is about structure, not YAML's escaping of control characters.
text = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
documents = st.dictionaries(
    text,
    st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3)
        ),
        max_leaves=12,
    ),
    max_size=5,
)


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same value with every mapping's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@settings(max_examples=60, deadline=None)
@given(documents, st.randoms(use_true_random=False), st.sampled_from([None, 0, 2, 4]))
def test_the_content_hash_does_not_depend_on_key_order_or_formatting(
    document: dict[str, Any], rng: random.Random, indent: int | None
) -> None:
    compact = parse_content(json.dumps(document), "json")
    reformatted = parse_content(json.dumps(shuffled(document, rng), indent=indent), "json")

    assert reformatted.sha256 == compact.sha256
    assert reformatted.canonical == compact.canonical


@settings(max_examples=60, deadline=None)
@given(documents)
def test_the_same_document_as_yaml_or_json_has_the_same_hash(document: dict[str, Any]) -> None:
    as_json = parse_content(json.dumps(document), "json")
    as_yaml = parse_content(yaml.safe_dump(document), "yaml")

    assert as_yaml.sha256 == as_json.sha256


def test_the_hash_is_the_sha256_of_the_canonical_text() -> None:
    content = parse_content('{"b": [1, 2], "a": "é"}', "json")

    assert content.canonical == '{"a":"é","b":[1,2]}'
    assert content.sha256 == hashlib.sha256('{"a":"é","b":[1,2]}'.encode()).hexdigest()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('{"a": 1}', '{"a": 2}'),
        ('{"a": 1}', '{"A": 1}'),
        ("[1, 2]", "[2, 1]"),
        ('{"a": 1}', '{"a": "1"}'),
    ],
)
def test_different_documents_have_different_hashes(first: str, second: str) -> None:
    assert parse_content(first, "json").sha256 != parse_content(second, "json").sha256


def test_text_content_is_stored_verbatim_and_hashed_as_is() -> None:
    content = parse_content("line 1\n  line 2\n", "text")

    assert content.data == "line 1\n  line 2\n"
    assert content.sha256 == hashlib.sha256(b"line 1\n  line 2\n").hexdigest()
    assert parse_content("a\n", "text").sha256 != parse_content("a \n", "text").sha256


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
@pytest.mark.parametrize("source", ["", "\n", "  \n\t\n"])
def test_an_empty_file_is_refused_whatever_its_format(fmt: str, source: str) -> None:
    with pytest.raises(InvalidInputError, match=r"^draft\.x: the file is empty: nothing to save$"):
        parse_content(source, fmt, source="draft.x")


def test_an_unterminated_quote_is_reported_where_it_opens_not_at_the_end_of_the_file() -> None:
    text = "a: 1\nb: 2\nc: 3\nd: \"unterminated\ne: 5\nf: 6\n"

    with pytest.raises(InvalidInputError, match=r"^w\.yaml: invalid YAML at line 4, column 4: ") as raised:
        parse_content(text, "yaml", source="w.yaml")

    assert "quoted scalar never closed" in raised.value.message


@pytest.mark.parametrize("value", ["{{ env.MODEL }}", "{{env.MODEL}} and more"])
def test_an_unquoted_template_value_gets_a_hint_to_quote_it(value: str) -> None:
    with pytest.raises(InvalidInputError, match=r"at line 2, ") as raised:
        parse_content(f"name: x\nmodel: {value}\n", "yaml", source="w.yaml")

    assert 'hint: quote a template value, e.g. prompt: "{{ env.X }}"' in raised.value.message
    assert parse_content(f'name: x\nmodel: "{value}"\n', "yaml").data["model"] == value


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_two_blocks_with_one_id_are_refused(fmt: str) -> None:
    text = '{"blocks": [{"id": "fetch"}, {"id": "parse"}, {"id": "fetch"}]}'

    with pytest.raises(InvalidInputError, match=r"duplicate block id 'fetch'"):
        parse_content(text, fmt)
    with pytest.raises(InvalidInputError, match=r"duplicate block id 'fetch'"):
        from_value({"blocks": [{"id": "fetch"}, {"id": "fetch"}]}, fmt)


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ('{"a": 1,\n "b": }', 2, 7),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3),
        ("[1, 2,]", 1, 7),
        ('{"a": 1}\n{"b": 2}', 2, 1),
    ],
)
def test_a_json_parse_error_reports_its_line_and_column(
    source: str, line: int, column: int
) -> None:
    with pytest.raises(
        InvalidInputError, match=rf"^f\.json: invalid JSON at line {line}, column {column}: "
    ):
        parse_content(source, "json", source="f.json")


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("a: 1\n b: 2\n", 2, 3),
        ("a: 1\nb: [1, 2\nc: 3\n", 3, 2),
        ("a: 1\n\tb: 2\n", 2, 1),
        ("a:\n  - 1\n  - 2\n c: 3\n", 4, 2),
        ("a: !!python/object:os.system x\n", 1, 4),
    ],
)
def test_a_yaml_parse_error_reports_its_line_and_column(
    source: str, line: int, column: int
) -> None:
    with pytest.raises(
        InvalidInputError, match=rf"^f\.yaml: invalid YAML at line {line}, column {column}: "
    ):
        parse_content(source, "yaml", source="f.yaml")


def test_yaml_and_json_are_stored_as_plain_json_values() -> None:
    content = parse_content(
        "when: 2024-01-01\n2024-02-02: a date key\nn: [1, 2.5, null, true]\n", "yaml"
    )

    assert content.data == {
        "when": "2024-01-01",
        "2024-02-02": "a date key",
        "n": [1, 2.5, None, True],
    }
    json.dumps(content.data)  # JSON-serialisable


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [
        ("w.json", "json"),
        ("W.JSON", "json"),
        ("w.yaml", "yaml"),
        ("w.yml", "yaml"),
        ("dir.json/w.txt", "text"),
        ("script.py", "text"),
        ("Makefile", "text"),
        ("w.json.bak", "text"),
    ],
)
def test_the_format_follows_the_file_extension(filename: str, fmt: str) -> None:
    assert format_for_filename(filename) == fmt


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown format 'xml'"):
        parse_content("<a/>", "xml")


def test_text_content_must_be_a_string() -> None:
    with pytest.raises(InvalidInputError):
        from_value({"a": 1}, "text")


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [(b"\xff", 1, 1), (b'{"a":\n "\xfe"}', 2, 3), (b"ok\nok\n\xc3", 3, 1)],
)
def test_bytes_that_are_not_utf8_are_refused_with_line_and_column(
    data: bytes, line: int, column: int
) -> None:
    with pytest.raises(InvalidInputError, match=f"line {line}, column {column}"):
        decode_text(data, source="f")


@pytest.mark.parametrize(
    "content",
    [
        Content("json", {"b": 1, "a": [1]}),
        Content("yaml", {"b": 1, "a": [1]}),
        Content("text", "hello\n"),
    ],
    ids=["json", "yaml", "text"],
)
def test_rendered_content_parses_back_to_the_same_hash(content: Content) -> None:
    assert parse_content(render_content(content), content.format).sha256 == content.sha256
