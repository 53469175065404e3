"""``verify --server``: is the server's latest checkpoint an extension of the last one seen?"""

import json
import os
from pathlib import Path
from typing import Any

import httpx

from ledger.errors import InvalidInputError, LedgerError
from revledger_verify import merkle
from revledger_verify.note import NoteError, PublicKey


def _get(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as error:
        raise LedgerError(f"cannot reach the server: {error}") from None
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise LedgerError(f"{path}: HTTP {response.status_code}: {detail}")
    return response.json()  # type: ignore[no-any-return]


def check_server(url: str, key: PublicKey, state: Path, inv: Any) -> dict[str, Any]:
    token = inv.settings.token
    if not token:
        raise InvalidInputError("checking a server needs a token: set REVLEDGER_TOKEN")
    headers = {"Authorization": f"Bearer {token}", "x-organization-id": inv.org}
    with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=inv.settings.http_timeout) as client:
        latest = _get(client, "/v1/checkpoints/latest")
        result: dict[str, Any] = {"ok": False, "events": None, "tree_size": None, "root": None,
                                  "checkpoint": None, "first_bad_position": None, "reason": None}
        try:
            checkpoint = key.verify(latest["note"])
        except (NoteError, KeyError, TypeError) as error:
            result["reason"] = f"the server's checkpoint: {error}"
            return result
        result.update(events=checkpoint.size, tree_size=checkpoint.size, root=checkpoint.root.hex(),
                      checkpoint=checkpoint.summary())
        seen = _load(state)
        if seen is not None and seen["origin"] == checkpoint.origin:
            old_size, old_root = int(seen["size"]), bytes.fromhex(seen["root"])
            result["previous"] = {"size": old_size, "root": seen["root"]}
            if old_size > checkpoint.size:
                result["reason"] = (f"the server's log shrank from {old_size} to {checkpoint.size} events "
                                    "since the last checkpoint seen (rolled back or forked)")
                result["first_bad_position"] = checkpoint.size + 1
                return result
            proof = _get(client, "/v1/proofs/consistency", **{"from": old_size, "to": checkpoint.size})
            path = [bytes.fromhex(h) for h in proof.get("path", [])]
            if not merkle.verify_consistency(old_size, checkpoint.size, old_root, checkpoint.root, path):
                result["reason"] = (f"the server's tree of {checkpoint.size} does not extend the tree of "
                                    f"{old_size} seen before: its history was rewritten")
                return result
    result["ok"] = True
    result.pop("first_bad_position")
    result.pop("reason")
    _save(state, {"origin": checkpoint.origin, "size": checkpoint.size, "root": checkpoint.root.hex(),
                  "note": latest["note"]})
    return result


def _load(state: Path) -> dict[str, Any] | None:
    try:
        return json.loads(state.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise InvalidInputError(f"cannot read {state}: {error}") from None


def _save(state: Path, value: dict[str, Any]) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    temporary = state.with_name(f".{state.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, indent=2), encoding="utf-8")
    temporary.replace(state)
