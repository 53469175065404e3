"""Draft content: parsing files, canonical form and the content hash."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import yaml

from ledger.errors import InvalidInputError

FORMATS = ("json", "yaml", "text")


@dataclass(frozen=True)
class Content:
    """Parsed content in canonical form. ``data`` is a JSON value for json/yaml, a str for text."""

    format: str
    data: Any

    @property
    def canonical(self) -> str:
        return canonical_text(self.format, self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical.encode("utf-8")).hexdigest()


def canonical_text(fmt: str, data: Any) -> str:
    if fmt == "text":
        return str(data)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_for_filename(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    return "text"


def decode_text(data: bytes, source: str = "content") -> str:
    """A file's bytes as UTF-8 text; anything else is refused naming the line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InvalidInputError(
            f"{source}: not UTF-8 text at line {line}, column {column}"
        ) from None


def _bounded_depth(parse: Callable[..., Content]) -> Callable[..., Content]:
    """Thousands of nested brackets exhaust the parsers' recursion: refuse them as input."""

    @functools.wraps(parse)
    def guarded(*args: Any, **kwargs: Any) -> Content:
        try:
            return parse(*args, **kwargs)
        except RecursionError:
            raise InvalidInputError("content is nested too deeply to store") from None

    return guarded


@_bounded_depth
def parse_content(text: str, fmt: str, source: str = "content") -> Content:
    """Parse ``text`` as ``fmt``; a parse error names the line and column."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not text.strip():
        raise InvalidInputError(f"{source}: the file is empty: nothing to save")
    if fmt == "text":
        return Content("text", text)
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InvalidInputError(
                f"{source}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as e:
            raise InvalidInputError(f"{source}: {_yaml_problem(text, e)}") from None
        except yaml.YAMLError as e:
            raise InvalidInputError(f"{source}: invalid YAML: {e}") from None
    return from_value(data, fmt)


def _yaml_problem(text: str, error: yaml.MarkedYAMLError) -> str:
    """Where the cause is: a quote or bracket left open is reported where it opened, not at the
    end of the file; a template value in braces gets a hint to quote it."""
    mark = error.problem_mark or error.context_mark
    if error.context_mark and "end of stream" in str(error.problem):
        mark = error.context_mark
        problem = f"{error.context} never closed ({error.problem})"
    else:
        problem = str(error.problem or error)
    message = "invalid YAML"
    if mark:
        message += f" at line {mark.line + 1}, column {mark.column + 1}"
    message += f": {problem}"
    lines = text.splitlines()
    if mark and mark.line < len(lines) and "{{" in lines[mark.line]:
        message += " (hint: quote a template value, e.g. prompt: \"{{ env.X }}\")"
    return message


def check_block_ids(data: Any) -> None:
    """A workflow's blocks are addressed by id: two blocks with one id are refused."""
    blocks = data.get("blocks") if isinstance(data, dict) else None
    if not isinstance(blocks, list):
        return
    seen: set[str] = set()
    for block in blocks:
        block_id = block.get("id") if isinstance(block, dict) else None
        if block_id is None:
            continue
        if str(block_id) in seen:
            raise InvalidInputError(f"duplicate block id {str(block_id)!r}: each block needs its own id")
        seen.add(str(block_id))


@_bounded_depth
def from_value(data: Any, fmt: str) -> Content:
    """Content from an already parsed value (normalised to plain JSON types)."""
    if fmt == "text":
        if not isinstance(data, str):
            raise InvalidInputError("text content must be a string")
        return Content("text", data)
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    # YAML may yield dates and other non-JSON scalars: store their string form.
    content = Content(fmt, json.loads(json.dumps(_string_keys(data), default=str)))
    check_block_ids(content.data)
    return content


def _string_keys(data: Any) -> Any:
    """``data`` with mapping keys JSON cannot take (dates, …) turned into strings."""
    if isinstance(data, dict):
        plain_key = (str, int, float, bool, type(None))
        return {
            key if isinstance(key, plain_key) else str(key): _string_keys(value)
            for key, value in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [_string_keys(item) for item in data]
    return data


def render_content(content: Content) -> str:
    """Human-readable form of stored content (pretty JSON, YAML or the text itself)."""
    if content.format == "text":
        return str(content.data)
    if content.format == "yaml":
        return yaml.safe_dump(content.data, sort_keys=False, allow_unicode=True)
    return json.dumps(content.data, indent=2, ensure_ascii=False) + "\n"
