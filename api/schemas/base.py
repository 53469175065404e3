"""The building blocks of the HTTP API's schemas: strict requests, public responses derived
from the ledger's views, and the value types they share (times, versions, labels, text).
"""

from __future__ import annotations

import dataclasses
import types
from datetime import datetime
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, create_model

from ledger.times import parse_instant
from ledger.views import View

#: A datetime serialised the way the CLI prints it (``isoformat()``: ``+00:00``, not ``Z``).
Timestamp = Annotated[datetime, PlainSerializer(lambda t: t.isoformat(), return_type=str)]

def _integral(value: object) -> object:
    """An integral JSON float (``2.0``) is the integer it equals, as JSON Schema's integer is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Integral = Annotated[int, BeforeValidator(_integral)]
Version = Annotated[Annotated[int, Field(ge=0)], BeforeValidator(_integral),
                    Field(description="A version number; 0 = the version production runs.")]
Text = Annotated[str, Field(max_length=10_000)]
def _not_a_number(label: str) -> str:
    if label.strip().lstrip("-").isdigit():
        raise ValueError("a label cannot be a number: give a version number as a JSON number")
    return label


Label = Annotated[
    str, Field(min_length=1, max_length=100, examples=["stable-eu"]), AfterValidator(_not_a_number)
]
#: A version number or a version label (labels are unique within a script).
VersionRef = Annotated[
    Integral | Label, Field(description="A version number (0 = the version production runs) or a version label.")
]


#: A ``time``/``since``/``at`` query value as an aware UTC datetime.
instant = parse_instant


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Public(BaseModel):
    pass


def _with_timestamps(annotation: Any) -> Any:
    if annotation is datetime:
        return Timestamp
    if get_origin(annotation) in (Union, types.UnionType):
        return Union[tuple(_with_timestamps(a) for a in get_args(annotation))]  # noqa: UP007
    return annotation


def public(view: type[View], name: str, doc: str) -> type[Public]:
    """A response schema with exactly the fields of ``view``."""
    hints = get_type_hints(view)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(view):  # type: ignore[arg-type]
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = Field(default_factory=f.default_factory)
        else:
            default = ...
        fields[f.name] = (_with_timestamps(hints[f.name]), default)
    return create_model(name, __base__=Public, __doc__=doc, **fields)


class Row(Public):
    model_config = ConfigDict(extra="allow")
