"""The canonical bytes of a stored event: the line ``revledger export`` writes for it.

``{"seq":P,"id":"<originator id>","version":V,"topic":"<topic>","state":{...}}`` with the
state's JSON re-encoded with sorted keys and no spaces (ASCII only), or ``"state_b64"`` for a
state that is not JSON (compressed or encrypted). The leaf hash of position P is
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


def canonical_line(seq: int, originator_id: Any, version: int, topic: str, state: bytes,
                   decoded: Any = None) -> bytes:
    head = f'{{"seq":{seq},"id":{_dumps(str(originator_id))},"version":{version},"topic":{_dumps(topic)},'
    if decoded is None:
        decoded = decode_state(state)
    if decoded is None:
        tail = f'"state_b64":"{base64.b64encode(state).decode()}"}}'
    else:
        tail = f'"state":{_dumps(decoded)}}}'
    return (head + tail).encode("ascii")


def event_leaf(seq: int, originator_id: Any, version: int, topic: str, state: bytes) -> tuple[bytes, bytes]:
    """(canonical line, leaf hash)."""
    line = canonical_line(seq, originator_id, version, topic, state)
    return line, leaf_hash(line)
