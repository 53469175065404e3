"""Draft content: parsing files, canonical form and the content hash."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

from ledger.errors import InvalidInputError

FORMATS = ("json", "yaml", "text")

#: The setting that raises or lowers the size a draft may expand to.
MAX_BYTES_SETTING = "REVLEDGER_MAX_CONTENT_BYTES"


class ContentTooLargeError(InvalidInputError):
    """Content that would expand beyond the configured size or node count."""


@dataclass(frozen=True)
class ContentLimits:
    """What one draft may expand to once parsed: canonical bytes, nesting depth and nodes."""

    max_bytes: int = 1024 * 1024
    max_depth: int = 100
    max_nodes: int = 100_000

    @classmethod
    def from_environ(cls) -> ContentLimits:
        """The limits with ``REVLEDGER_MAX_CONTENT_BYTES`` applied (default 1 MiB)."""
        raw = os.environ.get(MAX_BYTES_SETTING, "").strip()
        if not raw:
            return DEFAULT_LIMITS
        if not raw.isdigit() or int(raw) <= 0:
            raise InvalidInputError(f"{MAX_BYTES_SETTING} must be a positive number of bytes, not {raw!r}")
        return cls(max_bytes=int(raw))

    def too_large(self, size: int) -> ContentTooLargeError:
        return ContentTooLargeError(
            f"content expands to over {self.max_bytes} bytes (limit {MAX_BYTES_SETTING}={self.max_bytes}, "
            f"about {size} bytes here): nothing was saved"
        )

    def too_many_nodes(self) -> ContentTooLargeError:
        return ContentTooLargeError(
            f"content expands to over {self.max_nodes} nodes (values, lists and mappings): nothing was saved"
        )

    def too_deep(self) -> InvalidInputError:
        return InvalidInputError(f"content is nested over {self.max_depth} levels deep: nothing was saved")


DEFAULT_LIMITS = ContentLimits()


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
def parse_content(
    text: str, fmt: str, source: str = "content", limits: ContentLimits | None = None
) -> Content:
    """Parse ``text`` as ``fmt``; a parse error names the line and column. Content beyond
    ``limits`` (default: :meth:`ContentLimits.from_environ`) is refused, a YAML alias bomb
    from its node graph before anything is expanded."""
    limits = limits or ContentLimits.from_environ()
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not text.strip():
        raise InvalidInputError(f"{source}: the file is empty: nothing to save")
    if fmt == "text":
        return from_value(text, "text", limits=limits)
    if len(text) > limits.max_bytes * 4:  # no parse can shrink text this much (UTF-8 ≤ 4 bytes a char)
        raise limits.too_large(len(text))
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InvalidInputError(
                f"{source}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
            ) from None
    else:
        import yaml  # here, not at import: PyYAML is a tenth of the CLI's start-up

        try:
            data = _load_yaml(text, limits)
        except yaml.MarkedYAMLError as e:
            raise InvalidInputError(f"{source}: {_yaml_problem(text, e)}") from None
        except yaml.YAMLError as e:
            raise InvalidInputError(f"{source}: invalid YAML: {e}") from None
    return from_value(data, fmt, limits=limits)


def _load_yaml(text: str, limits: ContentLimits) -> Any:
    """``yaml.safe_load``, but the composed node graph is measured (each alias counted as
    what it expands to) before any Python value is constructed."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _measure_nodes(node, limits)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _measure_nodes(root: yaml.Node, limits: ContentLimits) -> None:
    """Expanded node count, depth and approximate bytes of a YAML graph, shared nodes
    (anchors) measured once: linear in the document, however many aliases point where."""
    import yaml

    memo: dict[int, tuple[int, int, int]] = {}  # id(node) -> (nodes, depth, bytes)
    open_: set[int] = set()

    def measure(node: yaml.Node, level: int) -> tuple[int, int, int]:
        key = id(node)
        if key in memo:
            return memo[key]
        if level > limits.max_depth:
            raise limits.too_deep()
        if key in open_:
            raise InvalidInputError("content refers to itself (a recursive YAML alias): nothing was saved")
        open_.add(key)
        if isinstance(node, yaml.ScalarNode):
            found = (1, 1, len(str(node.value)) + 2)
        else:
            children = (
                [part for pair in node.value for part in pair]
                if isinstance(node, yaml.MappingNode) else list(node.value)
            )
            nodes, depth, size = 1, 1, 2
            for child in children:
                n, d, b = measure(child, level + 1)
                nodes, depth, size = nodes + n, max(depth, d + 1), size + b + 1
                if nodes > limits.max_nodes:
                    raise limits.too_many_nodes()
                if size > limits.max_bytes:
                    raise limits.too_large(size)
            found = (nodes, depth, size)
        open_.discard(key)
        memo[key] = found
        return found

    measure(root, 1)


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
def from_value(data: Any, fmt: str, limits: ContentLimits | None = None) -> Content:
    """Content from an already parsed value (normalised to plain JSON types), checked
    against ``limits``: canonical bytes, depth, node count, and valid Unicode throughout."""
    limits = limits or ContentLimits.from_environ()
    if fmt == "text":
        if not isinstance(data, str):
            raise InvalidInputError("text content must be a string")
        content = Content("text", data)
    elif fmt not in FORMATS:
        raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    else:
        _count_nodes(data, limits)
        # YAML may yield dates and other non-JSON scalars: store their string form.
        content = Content(fmt, json.loads(json.dumps(_string_keys(data), default=str)))
    try:
        size = len(content.canonical.encode("utf-8"))
    except UnicodeEncodeError as e:
        bad = content.canonical[e.start]
        raise InvalidInputError(
            f"content holds a lone surrogate (U+{ord(bad):04X}), which is not Unicode text: nothing was saved"
        ) from None
    if size > limits.max_bytes:
        raise limits.too_large(size)
    check_block_ids(content.data)
    return content


def _count_nodes(data: Any, limits: ContentLimits) -> None:
    """Refuse values nested deeper, or holding more nodes, than ``limits`` allow."""
    count = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        count += 1
        if count > limits.max_nodes:
            raise limits.too_many_nodes()
        if level > limits.max_depth:
            raise limits.too_deep()
        if isinstance(value, dict):
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, level + 1) for v in value)


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
        import yaml

        return yaml.safe_dump(content.data, sort_keys=False, allow_unicode=True)
    return json.dumps(content.data, indent=2, ensure_ascii=False) + "\n"
