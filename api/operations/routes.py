"""The HTTP side of the declarations: routes take their summary and operation from them, and
a route's role is read back from its dependencies (for the drift test)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from api.operations import Operation, by_route

#: Strongest first: the role a route needs is the strongest its dependencies require.
_STRENGTH = ("admin", "environment", "editor", "viewer")


def describe(router: APIRouter) -> None:
    """Give each route of ``router`` its declaration's summary and OpenAPI members."""
    declared = by_route()
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods:
            op = declared.get((method, route.path))
            if op is not None:
                route.summary = op.summary
                route.openapi_extra = {**(route.openapi_extra or {}), **members(op)}


def members(op: Operation) -> dict[str, Any]:
    extra: dict[str, Any] = {"x-revledger-operation": op.name}
    if op.cli:
        extra["x-revledger-cli"] = f"revledger {op.cli}"
    return extra


def route_role(route: APIRoute) -> str:
    """The role a route's dependencies require (``public`` when none asks for a caller)."""
    found: set[str] = set()

    def walk(dependant: Any) -> None:
        for dependency in dependant.dependencies:
            role = getattr(dependency.call, "role", None)
            if role:
                found.add(role)
            walk(dependency)

    walk(route.dependant)
    return next((role for role in _STRENGTH if role in found), "public")
