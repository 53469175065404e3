"""Differences between two contents: a blocks view for workflows, a code view for anything."""

from __future__ import annotations

import difflib
import json
from typing import Any

from ledger.content import Content

_CONNECTION_KEYS = ("connections", "edges")
_ENDS = (("from", "to"), ("source", "target"), ("src", "dst"))


def has_blocks(content: Content) -> bool:
    data = content.data
    return isinstance(data, dict) and isinstance(data.get("blocks"), list)


def _blocks(data: Any) -> dict[str, dict[str, Any]]:
    blocks = data.get("blocks", []) if isinstance(data, dict) else []
    result: dict[str, dict[str, Any]] = {}
    for index, block in enumerate(blocks):
        if isinstance(block, dict):
            result[str(block.get("id", f"#{index}"))] = block
    return result


def _connection(item: Any) -> tuple[str, str] | None:
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return str(item[0]), str(item[1])
    if isinstance(item, dict):
        for a, b in _ENDS:
            if a in item and b in item:
                return str(item[a]), str(item[b])
    return None


def _connections(data: Any) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    if isinstance(data, dict):
        for key in _CONNECTION_KEYS:
            for item in data.get(key) or []:
                pair = _connection(item)
                if pair:
                    found.add(pair)
    return found


def blocks_diff(old: Content, new: Content) -> dict[str, Any]:
    """Blocks added, removed and changed (with the changed fields); connections added and removed."""
    a, b = _blocks(old.data), _blocks(new.data)
    changed = []
    for block_id in (k for k in b if k in a):
        fields = sorted(
            f for f in set(a[block_id]) | set(b[block_id]) if a[block_id].get(f) != b[block_id].get(f)
        )
        if fields:
            changed.append({"id": block_id, "fields": fields})
    ca, cb = _connections(old.data), _connections(new.data)
    return {
        "blocks": {
            "added": [k for k in b if k not in a],
            "removed": [k for k in a if k not in b],
            "changed": changed,
        },
        "connections": {
            "added": [list(p) for p in sorted(cb - ca)],
            "removed": [list(p) for p in sorted(ca - cb)],
        },
    }


def _pretty(content: Content) -> str:
    if content.format == "text":
        return str(content.data)
    return json.dumps(content.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def json_changes(old: Any, new: Any, path: str = "$") -> list[dict[str, Any]]:
    """JSON-path list of changes: ``{"path", "op": add|remove|replace, "from"?, "to"?}``."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in sorted(set(old) | set(new), key=str):
            child = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{json.dumps(key)}]"
            if key not in new:
                changes.append({"path": child, "op": "remove", "from": old[key]})
            elif key not in old:
                changes.append({"path": child, "op": "add", "to": new[key]})
            else:
                changes.extend(json_changes(old[key], new[key], child))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            child = f"{path}[{index}]"
            if index >= len(new):
                changes.append({"path": child, "op": "remove", "from": old[index]})
            elif index >= len(old):
                changes.append({"path": child, "op": "add", "to": new[index]})
            else:
                changes.extend(json_changes(old[index], new[index], child))
        return changes
    if old != new or type(old) is not type(new):
        return [{"path": path, "op": "replace", "from": old, "to": new}]
    return []


def code_diff(old: Content, new: Content, old_name: str = "a", new_name: str = "b") -> dict[str, Any]:
    """A unified diff of the canonical (pretty, key-sorted) form, and the JSON-path changes."""
    unified = "".join(
        difflib.unified_diff(
            _pretty(old).splitlines(keepends=True),
            _pretty(new).splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )
    if old.format == "text" or new.format == "text":
        changes = [] if old.data == new.data else [
            {"path": "$", "op": "replace", "from": old.data, "to": new.data}
        ]
    else:
        changes = json_changes(old.data, new.data)
    return {"unified": unified, "changes": changes}


def content_diff(
    old: Content, new: Content, view: str = "blocks", old_name: str = "a", new_name: str = "b"
) -> dict[str, Any]:
    """The diff for ``view`` (``blocks`` falls back to code for content without blocks)."""
    result: dict[str, Any] = {"view": view, "identical": old.sha256 == new.sha256}
    if view == "blocks":
        result.update(blocks_diff(old, new))
        if not (has_blocks(old) or has_blocks(new)):
            result["note"] = "no blocks list in either side: see the code view"
    else:
        result.update(blocks_diff(old, new) if has_blocks(old) or has_blocks(new) else {})
        result.update(code_diff(old, new, old_name, new_name))
    return result


def summary(diff: dict[str, Any]) -> str:
    """One line describing a diff, for plans."""
    if diff.get("identical"):
        return "identical content"
    parts = []
    blocks = diff.get("blocks")
    if blocks:
        parts.append(
            f"blocks +{len(blocks['added'])} -{len(blocks['removed'])} ~{len(blocks['changed'])}"
        )
        connections = diff["connections"]
        parts.append(f"connections +{len(connections['added'])} -{len(connections['removed'])}")
    if "changes" in diff:
        parts.append(f"{len(diff['changes'])} JSON-path changes")
    return ", ".join(parts) or "content differs"
