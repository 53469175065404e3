"""The canonical bytes of a stored event: the line ``revledger export`` writes for it.

``{"seq":P,"id":"<originator id>","version":V,"topic":"<topic>","state":{...}}`` with the
state's JSON object exactly as stored (eventsourcing writes it compact, on one line), or
``"state_b64"`` for a state that is not a JSON object on one line (compressed or encrypted). The leaf hash of position P is
SHA-256(0x00 || these bytes). It is computed over the state *as stored*: an encrypted value
is hashed as its ciphertext, so destroying a key later changes no leaf.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from revledger_verify.merkle import leaf_hash

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode


def decode_state(state: bytes) -> Any:
    """The stored state as JSON, or None when it is not JSON text."""
    try:
        return json.loads(state)
    except (UnicodeDecodeError, ValueError):
        return None


def is_json_object_text(state: bytes) -> bool:
    """Stored as a JSON object on one line (what eventsourcing's JSON transcoder writes)?"""
    if state[:1] != b"{" or state[-1:] != b"}" or b"\n" in state or b"\r" in state:
        return False
    try:
        state.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def canonical_line(seq: int, originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
    head = b'{"seq":%d,"id":"%s","version":%d,"topic":%s,' % (
        seq, str(originator_id).encode(), version, _dumps(topic).encode())
    if is_json_object_text(state):
        return head + b'"state":' + state + b"}"
    return head + b'"state_b64":"' + base64.b64encode(state) + b'"}'



def event_leaf(seq: int, originator_id: Any, version: int, topic: str, state: bytes) -> tuple[bytes, bytes]:
    """(canonical line, leaf hash)."""
    line = canonical_line(seq, originator_id, version, topic, state)
    return line, leaf_hash(line)
