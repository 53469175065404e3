"""The ledger's views as ScriptumService messages (snake_case proto fields, ISO 8601 times)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from api.rpc import scriptum_pb2 as pb
from ledger.approvals import RequestView
from ledger.views import View

M = TypeVar("M", bound=Message)


def _plain(value: Any) -> Any:
    """JSON-ready data: times as ISO 8601 with offset, unset (None) members left out."""
    if isinstance(value, View):
        value = value.to_dict()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def message(cls: type[M], data: Any, **renamed: str) -> M:
    """``cls`` filled from a view or dict; ``renamed`` maps a view key to a message field."""
    plain = _plain(data)
    for old, new in renamed.items():
        if old in plain:
            plain[new] = plain.pop(old)
    return json_format.ParseDict(plain, cls(), ignore_unknown_fields=True)


def move(view: Any) -> pb.Move:
    """A move, or (approvals on) the change request recorded instead: nothing moved."""
    if not isinstance(view, RequestView):
        return message(pb.Move, view)
    plan = view.plan
    return message(pb.Move, {
        "script": view.script, "environment": view.environment, "kind": view.operation,
        "version": plan["target"], "previous_version": plan["current"], "changed": False,
        "actor": view.requester, "reason": view.command.get("reason"),
        "incident": view.command.get("incident"), "position": view.position,
        "request_id": view.id, "request_state": view.state, "approvals_required": view.required,
    })


def script_env(view: View) -> pb.ScriptEnv:
    env = message(pb.ScriptEnv, view, script="name")
    for key, entry in env.variables.items():
        env.env[key] = entry.value
    return env


def version(view: View) -> pb.ScriptVersion:
    data = view.to_dict()
    content = data.pop("content", None)
    msg = message(pb.ScriptVersion, data)
    if content is not None:
        msg.content_json = json.dumps(content, sort_keys=True)
    return msg


def thread(run: dict[str, Any]) -> pb.Thread:
    data = dict(run)
    output = data.pop("output_bytes", None)
    msg = message(pb.Thread, data, run_id="thread_id")
    if output is not None:
        msg.output = output.decode("utf-8", "replace")
    return msg
