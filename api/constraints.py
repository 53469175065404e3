"""The constraints the domain enforces, declared in the OpenAPI document.

The ledger checks names, keys, environments and instants itself (with its own one-line
messages and ``invalid-input`` problems); this declares the same rules in the schema, from
the same patterns, so schema-valid input is accepted and invalid input is described.
"""

from __future__ import annotations

from typing import Any

from ledger.names import ENVIRONMENTS

SLUG = r"^[a-z0-9][a-z0-9._-]{0,62}$"
VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
INSTANT = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "enum": ["now"]}],
           "description": "ISO 8601 with an offset, or 'now'."}

#: (where, parameter name) -> what its schema adds.
PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("path", "name"): {"pattern": SLUG},
    ("query", "script"): {"pattern": SLUG},
    ("path", "env"): {"enum": list(ENVIRONMENTS)},
    ("query", "environment"): {"enum": list(ENVIRONMENTS)},
    ("path", "key"): {"pattern": VARIABLE},
}
TIMES = {"since", "until", "at", "time"}
#: (component schema, property) -> what its schema adds.
PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("ScriptCreate", "name"): {"pattern": SLUG, "minLength": 1, "maxLength": 63},
}


def _add(schema: dict[str, Any], extra: dict[str, Any]) -> None:
    variants = schema.get("anyOf")
    if variants:  # optional: constrain the non-null variant
        for variant in variants:
            if variant.get("type") == "string":
                variant.update(extra)
    elif schema.get("type") == "string":
        schema.update(extra)


def declare(document: dict[str, Any]) -> dict[str, Any]:
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                where, name = parameter.get("in"), parameter.get("name")
                if (where, name) in PARAMETERS:
                    _add(parameter["schema"], PARAMETERS[where, name])
                elif where == "query" and name in TIMES:
                    parameter["schema"] = {**INSTANT, **{k: v for k, v in parameter["schema"].items()
                                                         if k in ("title", "default")}}
    components = document.get("components", {}).get("schemas", {})
    for (model, field), extra in PROPERTIES.items():
        target = components.get(model, {}).get("properties", {}).get(field)
        if target is not None:
            _add(target, extra)
    return document
