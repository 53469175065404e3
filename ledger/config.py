"""Effective configuration: layering, secret detection, masking and fingerprints.

Precedence, lowest to highest: tenant base → tenant[ENV] → overlay base → overlay[ENV].
An overlay value that is the empty string defers to the layer below.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from ledger.envelope import Place, is_sealed, legacy_fingerprint
from ledger.variables import Overlay, TenantVariables, scope_key

if TYPE_CHECKING:
    from ledger.secrets import Reader

MASK = "********"
_SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


#: Plain SHA-256 prefix: only for values written before keyed fingerprints (ledger.envelope).
fingerprint = legacy_fingerprint


def looks_secret(key: str) -> bool:
    upper = key.upper()
    return any(marker in upper for marker in _SECRET_MARKERS)


def shown(value: str, secret: bool, reveal: bool) -> str:
    return value if (reveal or not secret) else MASK


@dataclass(frozen=True)
class ResolvedVariable:
    value: str  # as stored: the plaintext, or a sealed value (ledger.envelope)
    layer: str
    secret: bool
    fingerprint: str = ""
    place: Place | None = None  # where a sealed value belongs (to open it)


def resolve(
    tenant: TenantVariables | None, overlay: Overlay | None, environment: str,
    reader: Reader | None = None,
) -> dict[str, ResolvedVariable]:
    """The effective variables of a script in ``environment``, each with the layer it came from
    and its fingerprint (under the organization's key, through ``reader``)."""
    layers: list[tuple[str, dict[str, str], Aggregate | None, str | None]] = []
    if tenant is not None:
        layers.append(("tenant", {k: v["value"] for k, v in tenant.scope(None).items()}, tenant, None))
        layers.append((f"tenant[{environment}]",
                       {k: v["value"] for k, v in tenant.scope(environment).items()}, tenant, environment))
    if overlay is not None:
        layers.append(("overlay", overlay.scope(None), overlay, None))
        layers.append((f"overlay[{environment}]", overlay.scope(environment), overlay, environment))
    merged: dict[str, tuple[str, str, Place]] = {}
    for layer, values, aggregate, scope in layers:
        for key, value in values.items():
            if layer.startswith("overlay") and value == "":
                continue  # empty overlay value defers to the layer below
            assert aggregate is not None
            merged[key] = (value, layer, Place(aggregate.org, str(aggregate.id), scope_key(scope), key))
    return {
        key: ResolvedVariable(
            value=value,
            layer=layer,
            # A sealed value is a secret even if its key's marking has gone since (deleted).
            secret=looks_secret(key) or is_sealed(value) or (tenant is not None and tenant.is_marked_secret(key)),
            fingerprint=reader.fingerprint(value) if reader else legacy_fingerprint(value),
            place=where,
        )
        for key, (value, layer, where) in sorted(merged.items())
    }


def config_sha256(variables: Mapping[str, ResolvedVariable | str]) -> str:
    """The fingerprint of an effective configuration: sha256 over its key/value pairs sorted
    by key (canonical JSON ``[["KEY","value"],…]``), secret values included so that any change
    shows. Computed from the real values, never printed with them."""
    # The JSON of the list is "[" + the items' JSON joined by "," + "]": each pair is encoded
    # once and remembered (a read model hashes the same tenant values for every script).
    parts = []
    for key in sorted(variables):
        v = variables[key]
        parts.append(_pair(key, v.value if isinstance(v, ResolvedVariable) else v))
    return _sha_of(parts)


class SortedPairs:
    """A configuration's pairs in key order, each already encoded, so that the fingerprint of
    this configuration with a few keys set over it (a script's overlay over its tenant's
    values) costs those keys, not the whole configuration: ``sha256_with(over)`` equals
    ``config_sha256({**values, **over})``."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.keys = sorted(values)
        self.parts = [_pair(key, values[key]) for key in self.keys]
        self._sha: str | None = None

    def sha256_with(self, over: Mapping[str, str]) -> str:
        if not over:
            if self._sha is None:
                self._sha = _sha_of(self.parts)
            return self._sha
        keys, parts = self.keys, self.parts
        copied = False
        for key in sorted(over):
            if not copied:
                keys, parts, copied = list(keys), list(parts), True
            i = bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                parts[i] = _pair(key, over[key])
            else:
                keys.insert(i, key)
                parts.insert(i, _pair(key, over[key]))
        return _sha_of(parts)


def _pair(key: str, value: str) -> str:
    encoded = _ENCODED
    pair = encoded.get((key, value))
    if pair is None:
        if len(encoded) > _ENCODED_MAX:
            encoded.clear()
        pair = encoded[(key, value)] = _encode([key, value])
    return pair


def _sha_of(parts: list[str]) -> str:
    return hashlib.sha256(f"[{','.join(parts)}]".encode()).hexdigest()


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: (key, value) -> its canonical JSON, bounded: emptied when it holds more than _ENCODED_MAX.
_ENCODED: dict[tuple[str, str], str] = {}
_ENCODED_MAX = 16_384


def release_id(content_sha256: str | None, config_sha: str) -> str:
    """A release's short id: the same content run with the same configuration is the same release."""
    return hashlib.sha256(f"{content_sha256 or ''}\n{config_sha}".encode()).hexdigest()[:12]
