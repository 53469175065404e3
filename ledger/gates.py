"""Promotion gates: each evaluated for every promotion, each with a verdict and a reason."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ledger.config import ResolvedVariable
from ledger.content import Content
from ledger.deployment import Deployment
from ledger.errors import LedgerError

_ENV_REFERENCE = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GateError(LedgerError):
    """A promotion refused by one or more gates."""

    def __init__(self, message: str, gates: list[Gate]) -> None:
        super().__init__(message)
        self.gates = gates

    def extra(self) -> dict[str, Any]:
        return {"gates": [g.to_dict() for g in self.gates]}


def env_references(content: Content) -> list[str]:
    """Every ``{{ env.NAME }}`` name referenced anywhere in the content, sorted."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(_ENV_REFERENCE.findall(value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(content.data)
    return sorted(found)


def evaluate(
    *,
    policy: dict[str, Any],
    environment: str,
    version: int,
    content: Content,
    config: dict[str, ResolvedVariable],
    staging: Deployment | None,
    target: Deployment | None,
    smoke_passed_versions: set[int],
) -> list[Gate]:
    production = environment == "production"

    def off(name: str) -> Gate:
        return Gate(name, True, "disabled by policy")

    gates = []
    if not policy["staging_first"]:
        gates.append(off("staging_first"))
    elif not production:
        gates.append(Gate("staging_first", True, "applies to production only"))
    elif staging is not None and staging.was_active(version):
        gates.append(Gate("staging_first", True, f"version {version} ran in staging"))
    else:
        gates.append(Gate("staging_first", False, f"version {version} never ran in staging"))

    if not policy["config_complete"]:
        gates.append(off("config_complete"))
    else:
        missing = [name for name in env_references(content) if name not in config]
        if missing:
            gates.append(Gate("config_complete", False, f"unresolved in {environment}: {', '.join(missing)}"))
        else:
            gates.append(Gate("config_complete", True, f"every env reference resolves in {environment}"))

    if not policy["smoke_passed"]:
        gates.append(off("smoke_passed"))
    elif not production:
        gates.append(Gate("smoke_passed", True, "applies to production only"))
    elif version in smoke_passed_versions:
        gates.append(Gate("smoke_passed", True, f"a smoke run of version {version} passed against staging"))
    else:
        gates.append(Gate("smoke_passed", False, f"no passed smoke run of version {version} against staging"))

    if target is not None and version in target.quarantined:
        gates.append(Gate("quarantine", False, f"version {version} was rolled back from {environment}"))
    else:
        gates.append(Gate("quarantine", True, f"version {version} is not quarantined in {environment}"))
    return gates
