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


def table_text(
    value: Any, columns: Sequence[str] | None = None, title: str | None = None
) -> str:
    """A rich table: rows for a list, field/value pairs for a single object."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    data = plain(value)
    table = Table(title=Text(title) if title else None, show_lines=False, header_style="bold")
    if isinstance(data, list):
        cols = list(columns or (data[0].keys() if data else ["(empty)"]))
        for col in cols:
            table.add_column(Text(col))
        for row in data:
            table.add_row(*(Text(_cell(row.get(c)) or "-") for c in cols))
    else:
        table.add_column("field")
        table.add_column("value")
        for key, item in data.items():
            if columns and key not in columns:
                continue
            table.add_row(Text(key), Text(_cell(item) if item is not None else "-"))
    console = Console(record=True, width=160, force_terminal=False, color_system=None)
    with console.capture() as capture:
        console.print(table)
    return capture.get()


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
