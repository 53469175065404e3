"""The constraints the domain enforces, declared in the OpenAPI document.

The ledger checks names, keys, environments and instants itself (with its own one-line
messages and ``invalid-input`` problems); this declares the same rules in the schema, from
the same patterns, so schema-valid input is accepted and invalid input is described.
"""

from __future__ import annotations

from typing import Any

from ledger.names import ENVIRONMENTS
from ledger.tokens import ROLES

SLUG = r"^[a-z0-9][a-z0-9._-]{0,62}$"
VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
INSTANT = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "enum": ["now"]}],
           "description": "ISO 8601 with an offset, or 'now'."}

INCIDENT = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$"
#: What a diff compares: a version number, the draft, or an environment.
SIDE = r"^([0-9]{1,18}|draft|" + "|".join(ENVIRONMENTS) + ")$"
#: A label is not a number (a number names a version).
LABEL = r"^(?!-*[0-9]+$)\S(.*\S)?$"
#: A duration, e.g. 90s, 5m, 1h30m (longer than zero and at most about ten years, else 422).
DURATION = r"^([0-9]{1,12}(ms|s|m|h|d|w))+$"
#: A run's id (a UUID) or a unique prefix of it, at least 6 characters (any case).
_HEX = "[0-9a-fA-F]"
RUN_ID = ("^(" + "|".join([f"{_HEX}{{6,8}}", f"{_HEX}{{8}}-{_HEX}{{0,4}}", f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{0,4}}",
                          f"{_HEX}{{8}}(-{_HEX}{{4}}){{2}}-{_HEX}{{0,4}}", f"{_HEX}{{8}}(-{_HEX}{{4}}){{3}}-{_HEX}{{0,12}}"])
          + ")$")
SHA256 = "^[0-9a-fA-F]{64}$"
PROBLEM = {"$ref": "#/components/schemas/ProblemPublic"}
#: Declared on every operation: the server answers them wherever the header or a body can be wrong.
ALWAYS = {
    "422": "Invalid input (a parameter, header or body the server refuses).",
    "503": "This node's read models did not reach X-Revledger-Min-Position in time (Retry-After), "
           "or the store is unavailable.",
}

#: (where, parameter name) -> what its schema adds.
PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("path", "name"): {"pattern": SLUG},
    ("query", "script"): {"pattern": SLUG},
    ("path", "env"): {"enum": list(ENVIRONMENTS)},
    ("query", "environment"): {"enum": list(ENVIRONMENTS)},
    ("path", "key"): {"pattern": VARIABLE},
    ("query", "from"): {"pattern": SIDE},
    ("query", "to"): {"pattern": SIDE},
    ("query", "left"): {"enum": list(ENVIRONMENTS)},
    ("query", "right"): {"enum": list(ENVIRONMENTS)},
    ("query", "incident"): {"pattern": INCIDENT},
    ("path", "incident"): {"pattern": INCIDENT},
    ("query", "bucket"): {"pattern": DURATION},
    ("query", "before"): {"pattern": DURATION},
    ("query", "after"): {"pattern": DURATION},
    ("path", "run_id"): {"pattern": RUN_ID},
    ("path", "sha256"): {"pattern": SHA256},
}
TIMES = {"since", "until", "at", "time"}
#: (component schema, property) -> what its schema adds.
PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("ScriptCreate", "name"): {"pattern": SLUG, "minLength": 1, "maxLength": 63},
    ("TokenCreate", "name"): {"pattern": SLUG},
    ("TokenCreate", "role"): {"enum": list(ROLES)},
    ("IncidentOpen", "id"): {"pattern": INCIDENT},
    ("LabelRequest", "label"): {"pattern": LABEL},
    ("RollbackRequest", "to"): {"pattern": LABEL},
    ("PromoteRequest", "version"): {"pattern": LABEL},
    ("IncidentOpen", "started"): {"format": "date-time"},
    ("VariableSet", "environment"): {"enum": list(ENVIRONMENTS)},
    ("OverlayUpdate", "environment"): {"enum": list(ENVIRONMENTS)},
    ("ScriptumEnvUpdate", "environment"): {"enum": list(ENVIRONMENTS)},
    ("PromoteRequest", "incident"): {"pattern": INCIDENT},
    ("RollbackRequest", "incident"): {"pattern": INCIDENT},
    ("IncidentOpen", "title"): {"pattern": r"\S"},
    ("IncidentOpen", "scripts"): {"items": {"pattern": SLUG}},
    ("OverlayUpdate", "delete"): {"items": {"pattern": VARIABLE}},
    ("ScriptumEnvUpdate", "delete"): {"items": {"pattern": VARIABLE}},
    ("OverlayUpdate", "set"): {"propertyNames": {"pattern": VARIABLE}},
    ("ScriptumEnvUpdate", "set"): {"propertyNames": {"pattern": VARIABLE}},
    ("ConfigPromoteRequest", "from"): {"enum": list(ENVIRONMENTS)},
    ("ConfigPromoteRequest", "to"): {"enum": list(ENVIRONMENTS)},
    ("ConfigPromoteRequest", "keys"): {"items": {"pattern": VARIABLE}},
    ("ConfigPromoteRequest", "incident"): {"pattern": INCIDENT},
}
#: Whole request bodies: what one update must hold.
BODIES: dict[str, dict[str, Any]] = {
    model: {"anyOf": [{"required": ["set"], "properties": {"set": {"minProperties": 1}}},
                      {"required": ["delete"], "properties": {"delete": {"minItems": 1}}}],
            "description": "Set or delete at least one key."}
    for model in ("OverlayUpdate", "ScriptumEnvUpdate")
} | {
    "LogBatch": {"oneOf": [{"required": ["records"]}, {"required": ["lines"]}],
                 "description": "Records, or the JSON Lines text of a file: one of them."},
}
#: Shown on ``until`` wherever ``since`` is a parameter too (JSON Schema cannot compare two
#: parameters; the server refuses a window that ends before it starts with 422).
UNTIL = "Must not be before since (else 422)."


def _add(schema: dict[str, Any], extra: dict[str, Any]) -> None:
    if "items" in extra or "propertyNames" in extra:  # an array's items, an object's keys
        for variant in schema.get("anyOf", [schema]):
            if variant.get("type") == "array" and "items" in extra:
                variant.setdefault("items", {}).update(extra["items"])
            elif variant.get("type") == "object" and "propertyNames" in extra:
                variant["propertyNames"] = extra["propertyNames"]
        return
    variants = schema.get("anyOf")
    if variants:  # optional: constrain the non-null variant
        for variant in variants:
            if variant.get("type") == "string":
                variant.update(extra)
    elif schema.get("type") == "string":
        schema.update(extra)


def _problems(operation: dict[str, Any]) -> None:
    """Every error response is problem+json, and 422 / 503 are declared everywhere."""
    responses = operation.setdefault("responses", {})
    for status, description in ALWAYS.items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {"application/problem+json": {"schema": PROBLEM}}


def declare(document: dict[str, Any]) -> dict[str, Any]:
    for item in document.get("paths", {}).values():
        for operation in item.values():
            _problems(operation)
            names = {p.get("name") for p in operation.get("parameters", [])}
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "until" and "since" in names:
                    parameter["description"] = f"{parameter.get('description', '')} {UNTIL}".strip()
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
    for model, extra in BODIES.items():
        if model in components:
            components[model].update(extra)
    return document
