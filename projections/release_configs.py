"""The effective configurations the releases read model fingerprints (:class:`ReleaseConfigs`).

A configuration event can reach many (script, environment) pairs: a base-scope tenant change
reaches every running script of every environment. Three things keep that cheap:

- **Layers opened once.** A configuration aggregate at one version is immutable: each of its
  scopes is opened (sealed secrets decrypted by the ledger's reader) once and kept, by
  (aggregate, version, scope), for the rest of the page; the organization's reader (its key
  ring) is also read once per page. A page is one transaction of the catch-up, so a key
  rotation or shredding made by another process is seen at the next page.
- **Shadowed pairs skipped.** A change whose every key is set in a higher layer of a pair
  (tenant base < tenant[ENV] < overlay base < overlay[ENV], a non-empty overlay value) leaves
  that pair's effective configuration as it was: nothing is resolved for it.
- **No per-value fingerprints.** Layers are merged as :func:`ledger.config.resolve` merges them,
  over plaintext, and only ``config_sha256`` is computed.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from functools import lru_cache
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from ledger.config import SortedPairs
from ledger.envelope import Place
from ledger.variables import Overlay, TenantVariables, scope_key
from projections.releases_view import ReleasesView

#: Layers from lowest to highest precedence (see ledger.config).
TENANT_BASE, TENANT_ENV, OVERLAY_BASE, OVERLAY_ENV = range(4)
#: Aggregate versions kept loaded (immutable): enough for every overlay of a large org.
LOADED = 4096


@lru_cache(maxsize=8192)
def tenant_id(org: str) -> UUID:
    return TenantVariables.create_id(org)


@lru_cache(maxsize=65536)
def overlay_id(org: str, script: str) -> UUID:
    return Overlay.create_id(org, script)


def changed_keys(event: Any) -> set[str]:
    """The keys a configuration event sets or deletes."""
    for name in ("values", "set"):
        values = getattr(event, name, None)
        if isinstance(values, dict):
            return {*values, *getattr(event, "delete", ())}
    return set(getattr(event, "keys", ()))


def rank_of(event: Any) -> int:
    """The layer a configuration event changes."""
    overlay = isinstance(event, Overlay.OverlayUpdated)
    if getattr(event, "environment", None) is None:
        return OVERLAY_BASE if overlay else TENANT_BASE
    return OVERLAY_ENV if overlay else TENANT_ENV


class ReleaseConfigs:
    """Configuration aggregates at the versions the log has reached, opened and layered."""

    def __init__(self, view: ReleasesView, app: Application[UUID]) -> None:
        self.view = view
        self.app = app
        self._loaded: OrderedDict[tuple[UUID, int], Any] = OrderedDict()
        self._page: object | None = None
        self._readers: dict[str, Any] = {}
        self._opened: dict[tuple[UUID, int, str], dict[str, str]] = {}

    def advance(self, event: Any) -> None:
        """Keep the aggregate at this event's version too, by applying it to the version
        before when that one is loaded (no replay from the store)."""
        previous = self._loaded.get((event.originator_id, event.originator_version - 1))
        if previous is None:
            return
        # Loaded versions stay as they were: the copy gets its own scope dicts (the events
        # change those; they replace a tenant entry's inner dict, never change it).
        aggregate = copy.copy(previous)
        aggregate.scopes = {scope: dict(values) for scope, values in previous.scopes.items()}
        event.mutate(aggregate)
        self._keep((event.originator_id, event.originator_version), aggregate)

    def _keep(self, key: tuple[UUID, int], aggregate: Any) -> None:
        self._loaded[key] = aggregate
        if len(self._loaded) > LOADED:
            self._loaded.popitem(last=False)

    def load(self, aggregate_id: UUID) -> Any:
        version = self.view.source_version(aggregate_id)
        if version is None:
            return None
        key = (aggregate_id, version)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        aggregate = self.app.repository.get(aggregate_id, version=version)
        self._keep(key, aggregate)
        return aggregate

    def _page_caches(self) -> bool:
        """Whether page caches apply (inside a page); drops them when a new page began."""
        page = self.view.page
        if page is not self._page:
            self._page, self._readers, self._opened = page, {}, {}
        return page is not None

    def _reader(self, org: str) -> Any:
        cached = self._page_caches()
        reader = self._readers.get(org) if cached else None
        if reader is None:
            reader = self.app.secrets.reader(org)  # type: ignore[attr-defined]
            if cached:
                self._readers[org] = reader
        return reader

    def _layer(self, aggregate: TenantVariables | Overlay | None, environment: str | None) -> dict[str, str]:
        """One scope of an aggregate, opened; an overlay's empty values (defer) left out."""
        if aggregate is None:
            return {}
        cached = self._page_caches()
        key = (aggregate.id, aggregate.version, scope_key(environment))
        if cached and key in self._opened:
            return self._opened[key]
        overlay = isinstance(aggregate, Overlay)
        reader = self._reader(aggregate.org)
        scope, org, aggregate_id = aggregate.scope(environment), aggregate.org, str(aggregate.id)
        opened = {}
        for name, entry in scope.items():
            raw = entry if overlay else entry["value"]
            if overlay and raw == "":
                continue
            opened[name] = reader.plain(raw, Place(org, aggregate_id, key[2], name))
        if cached:
            self._opened[key] = opened
        return opened

    def sources(self, org: str, script: str) -> tuple[TenantVariables | None, Overlay | None]:
        """The tenant's variables and the script's overlay at the versions the log has reached."""
        return self.load(tenant_id(org)), self.load(overlay_id(org, script))

    def _tenant_reads(self, tenant: TenantVariables | None, environment: str) -> dict[str, str]:
        """The tenant's values as one environment reads them (tenant[ENV] over the base), opened."""
        if tenant is None:
            return {}
        cached = self._page_caches()
        key = (tenant.id, tenant.version, "\x00" + environment)  # not a scope's key
        if cached and key in self._opened:
            return self._opened[key]
        merged = {**self._layer(tenant, None), **self._layer(tenant, environment)}
        if cached:
            self._opened[key] = merged
        return merged

    def config_sha(self, org: str, script: str, environment: str,
                   sources: tuple[TenantVariables | None, Overlay | None] | None = None) -> str:
        """The fingerprint of the script's effective configuration there, now: layered as
        :func:`ledger.config.resolve` layers it, over the real values. ``sources``: the
        aggregates, when already loaded (:meth:`sources`)."""
        tenant, overlay = sources or self.sources(org, script)
        over = {**self._layer(overlay, None), **self._layer(overlay, environment)} if overlay else {}
        return self._tenant_pairs(tenant, environment).sha256_with(over)

    def _tenant_pairs(self, tenant: TenantVariables | None, environment: str) -> SortedPairs:
        """The tenant's values as one environment reads them, encoded in key order (per page)."""
        if tenant is None:
            return SortedPairs({})
        cached = self._page_caches()
        key = (tenant.id, tenant.version, "\x01" + environment)  # not a scope's key
        if cached and key in self._opened:
            return self._opened[key]  # type: ignore[return-value]
        pairs = SortedPairs(self._tenant_reads(tenant, environment))
        if cached:
            self._opened[key] = pairs  # type: ignore[assignment]
        return pairs

    @staticmethod
    def shadowed(environment: str, keys: set[str], rank: int,
                 tenant: TenantVariables | None, overlay: Overlay | None) -> bool:
        """Whether every key is set in a layer above ``rank`` for this pair (so a change of
        those keys at ``rank`` cannot change its effective configuration)."""
        if not keys or rank == OVERLAY_ENV:
            return False
        left = set(keys)
        if rank == TENANT_BASE and tenant is not None:
            left -= tenant.scope(environment).keys()
        if overlay is not None:
            for scope in ((None, environment) if rank < OVERLAY_BASE else (environment,)):
                if not left:
                    break
                values = overlay.scope(scope)
                left = {k for k in left if values.get(k, "") == ""}  # an empty value defers
        return not left
