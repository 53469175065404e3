"""Every operation of revledger, declared once: the source of the interfaces' contract.

A declaration names the operation, what it does, the service call behind it, its input and
output schemas, the role it needs, its HTTP method and path, its CLI command, and whether it
is local by nature (``serve``, ``projections rebuild``, ``db …``: refused in remote mode
with one line, exit 2). From the declarations:

- the HTTP routes take their summary and the ``x-revledger-operation`` / ``x-revledger-cli``
  OpenAPI members (:func:`api.operations.routes.describe`);
- the CLI refuses local operations in remote mode (:func:`local_only_command`);
- docs/cli.md and docs/http.md are generated (``python -m api.operations.docs``);
- tests/unit/test_operations.py fails when a CLI command, an OpenAPI operation, a route's
  schemas or role and the declarations disagree.

Adding an operation: declare it in the module of its resource (or a new module listed in
:data:`MODULES`), then write the route and the command; regenerate the docs.

Schemas are named as ``"module:Name"`` (``"[module:Name]"`` a list of them, ``"a | b"``
either) so that importing the declarations imports neither FastAPI nor the ledger.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

#: One module per resource; each holds ``OPERATIONS: list[Operation]``.
MODULES = [
    "api.operations.health",
    "api.operations.scripts",
    "api.operations.environments",
    "api.operations.diffs",
    "api.operations.config",
    "api.operations.audit",
    "api.operations.tokens",
    "api.operations.logs",
    "api.operations.incidents",
    "api.operations.reports",
    "api.operations.runs",
    "api.operations.transparency",
    "api.operations.scriptum",
    "api.operations.store",
    "api.operations.keys",
    "api.operations.requests",
]

#: Roles a declaration may name: ``public`` needs no token; ``environment`` is editor for
#: development and staging and deployer for production (moving or running there).
ROLES = ("public", "viewer", "editor", "environment", "admin")


@dataclass(frozen=True)
class Operation:
    """One operation, as every interface serves it."""

    name: str
    summary: str
    #: the service method it calls (``ledger.promote``, ``read_models.status``, …)
    call: str
    role: str = "viewer"
    method: str | None = None
    path: str | None = None
    #: the CLI command path (``"version rollback"``); None for an HTTP-only operation
    cli: str | None = None
    #: other CLI commands that are the same operation (``thread run`` is ``run``)
    aliases: tuple[str, ...] = ()
    input: str | None = None
    output: str | None = None
    #: local by nature: refused in remote mode (one line, exit 2), no HTTP path
    local_only: bool = False
    #: needs neither the store nor a server of remote mode (``verify FILE``): works in both modes
    offline: bool = False
    #: the remote client's method, when not named as the call's method (``timelines.incident``)
    client: str = ""
    #: False while the declared HTTP path is not served yet
    served: bool = True
    #: why an HTTP operation has no CLI command (a probe, Scriptum compatibility, …)
    http_only: str | None = None

    def __post_init__(self) -> None:
        assert self.role in ROLES, (self.name, self.role)
        assert (self.method is None) == (self.path is None), self.name
        assert not (self.local_only and self.path), f"{self.name}: a local operation has no HTTP path"
        assert self.cli or self.http_only, f"{self.name}: no CLI command and no reason it has none"


@cache
def operations() -> tuple[Operation, ...]:
    found: list[Operation] = []
    for module in MODULES:
        found.extend(importlib.import_module(module).OPERATIONS)
    names = [op.name for op in found]
    assert len(names) == len(set(names)), "two operations share a name"
    routes = [(op.method, op.path) for op in found if op.path]
    assert len(routes) == len(set(routes)), "two operations share a route"
    return tuple(found)


def by_route() -> dict[tuple[str, str], Operation]:
    return {(op.method, op.path): op for op in operations() if op.method and op.path}


def by_command(command: str) -> list[Operation]:
    """The operations a CLI command serves (one, or a few variants: ``at`` with and without a script)."""
    return [op for op in operations() if command == op.cli or command in op.aliases]


def has_remote_path(op: Operation) -> bool:
    """Whether the CLI can do ``op`` in remote mode: local by nature, offline, or a served path
    and a remote-client method named as the service call."""
    if op.local_only or op.offline:
        return True
    from api.client import LedgerClient

    return bool(op.path and op.served and hasattr(LedgerClient, op.client or op.call.split(".")[1]))


def local_only_command(command: str) -> bool:
    ops = by_command(command)
    return bool(ops) and all(op.local_only for op in ops)


def schema(ref: str | None) -> Any:
    """The schema a reference names: ``"api.schemas:ScriptPublic"``, ``"[…]"``, ``"a | b"``, ``"any"``."""
    if ref is None:
        return None
    if ref == "any":
        return Any
    if "|" in ref:
        parts = [schema(part.strip()) for part in ref.split("|")]
        union = parts[0]
        for part in parts[1:]:
            union = union | part
        return union
    if ref.startswith("["):
        return list[schema(ref[1:-1])]  # type: ignore[misc]
    module, name = ref.split(":")
    return getattr(importlib.import_module(module), name)


def schema_name(ref: str | None) -> str:
    """How the docs name a schema: ``ScriptPublic``, ``[ScriptPublic]``, ``A | B``."""
    if ref is None:
        return ""
    if "|" in ref:
        return " or ".join(schema_name(p.strip()) for p in ref.split("|"))
    if ref.startswith("["):
        return f"[{schema_name(ref[1:-1])}]"
    return ref.split(":")[-1]
