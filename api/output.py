"""Rendering results as table, JSON, YAML, CSV or NDJSON. Times are ISO 8601 with an offset."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any


class Output(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


class ListOutput(str, Enum):
    """Formats for commands that return rows (the audit trail)."""

    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"
    ndjson = "ndjson"


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value``: views become dicts and datetimes ISO strings."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value), indent=2, ensure_ascii=False)


def to_yaml(value: Any) -> str:
    import yaml

    return yaml.safe_dump(plain(value), sort_keys=False, allow_unicode=True)


def to_ndjson(rows: Sequence[Any]) -> str:
    return "".join(json.dumps(plain(r), ensure_ascii=False) + "\n" for r in rows)


def to_csv(rows: Sequence[Any], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in plain(list(rows)):
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


#: Table output is drawn for a console this wide.
TABLE_WIDTH = 160


def table_text(
    value: Any, columns: Sequence[str] | None = None, title: str | None = None
) -> str:
    """A rich table: rows for a list, field/value pairs for a single object."""
    header, rows = _table_cells(plain(value), columns)
    drawn = None if title else _draw_plain_table(header, rows)
    return drawn if drawn is not None else rich_table_text(header, rows, title)


def _table_cells(data: Any, columns: Sequence[str] | None) -> tuple[list[str], list[list[str]]]:
    if isinstance(data, list):
        cols = list(columns or (data[0].keys() if data else ["(empty)"]))
        return cols, [[_cell(row.get(c)) or "-" for c in cols] for row in data]
    rows = [[key, _cell(item) if item is not None else "-"]
            for key, item in data.items() if not columns or key in columns]
    return ["field", "value"], rows


def rich_table_text(header: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> str:
    """The table as rich draws it (HEAVY_HEAD box), which wraps cells to fit the width."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title) if title else None, show_lines=False, header_style="bold")
    for col in header:
        table.add_column(Text(col))
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console = Console(record=True, width=TABLE_WIDTH, force_terminal=False, color_system=None)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def _draw_plain_table(header: list[str], rows: list[list[str]]) -> str | None:
    """The same table drawn directly, when no cell needs rich (one line of printable ASCII,
    no edge spaces) and the table fits the width: rich takes about 0.5 ms per row."""
    widths = [len(text) for text in header]
    for row in (header, *rows):
        for i, text in enumerate(row):
            if not (text.isascii() and text.isprintable() and text.strip() == text):
                return None
            widths[i] = max(widths[i], len(text))
    if not widths or sum(widths) + 3 * len(widths) + 1 > TABLE_WIDTH:
        return None

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (width + 2) for width in widths) + right + "\n"

    def line(bar: str, texts: list[str]) -> str:
        return bar + bar.join(f" {text.ljust(width)} " for text, width in zip(texts, widths)) + bar + "\n"

    return "".join([rule("┏", "━", "┳", "┓"), line("┃", header), rule("┡", "━", "╇", "┩"),
                    *(line("│", row) for row in rows), rule("└", "─", "┴", "┘")])


def render(
    value: Any,
    fmt: str,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    message: str | None = None,
) -> str:
    """Render ``value``. ``message`` (a sentence for people) is shown only in table output."""
    fmt = fmt.value if isinstance(fmt, Enum) else fmt
    if fmt == "json":
        return to_json(value) + "\n"
    if fmt == "yaml":
        return to_yaml(value)
    if fmt == "ndjson":
        return to_ndjson(value)
    if fmt == "csv":
        return to_csv(value, columns or [])
    text = table_text(value, columns, title)
    return f"{message}\n{text}" if message else text
