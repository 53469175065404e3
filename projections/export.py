"""``revledger export``: the log (or one organization's part of it) as verifiable JSON Lines.

The format is described in :mod:`revledger_verify.export`, which verifies it offline.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from eventsourcing.application import Application

from ledger.canonical import canonical_line
from ledger.checkpoints import Checkpointer
from ledger.names import check_org
from ledger.log_pages import notifications
from projections.integrity import PAGE
from projections.log_tree import LogTree


def write_export(app: Application, tree: LogTree, checkpointer: Checkpointer, out: Path,
                 org: str | None = None) -> dict[str, Any]:
    """Sign a checkpoint of the log now, then write the export to ``out`` (atomically)."""
    if org is not None:
        check_org(org)
    checkpoint = tree.checkpoint(app, checkpointer)
    size = checkpoint["size"]
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    header: dict[str, Any] = {
        "revledger_export": 1, "origin": checkpointer.origin, "org": org,
        "tree_size": size, "checkpoint": checkpoint["note"],
    }
    with temporary.open("wb") as stream:
        if org is None:
            header["events"] = size
            stream.write(_json(header))
            leaves = b"".join(leaf for _s, _n, leaf in tree.leaves(1, size))
            stream.write(_json({"leaves": base64.b64encode(leaves).decode()}))
            count = _write_all(app, stream, size)
        else:
            positions = [(p, n) for p, n in tree.positions(org) if p <= size]
            header["events"] = len(positions)
            header["positions"] = [p for p, _n in positions]
            stream.write(_json(header))
            count = _write_org(app, tree, stream, positions, size)
    temporary.replace(out)
    return {"file": str(out), "org": org, "events": count, "tree_size": size,
            "root": tree.root(size).hex(), "checkpoint_time": checkpoint["time"]}


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def _write_all(app: Application, stream: Any, size: int) -> int:
    position = 0
    buffer: list[bytes] = []
    for n in notifications(app, PAGE):
        if position == size:
            break
        position += 1
        buffer.append(canonical_line(position, n.originator_id, n.originator_version, n.topic, n.state))
        buffer.append(b"\n")
        if len(buffer) >= 20000:
            stream.write(b"".join(buffer))
            buffer.clear()
    stream.write(b"".join(buffer))
    return position


def _write_org(app: Application, tree: LogTree, stream: Any, positions: list[tuple[int, int]], size: int) -> int:
    for position, notification_id in positions:
        n = app.recorder.select_notifications(start=notification_id, limit=1)[0]
        stream.write(canonical_line(position, n.originator_id, n.originator_version, n.topic, n.state) + b"\n")
        stream.write(_json({"proof": tree.inclusion(position, size)["path"]}))
    return len(positions)
