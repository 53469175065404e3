"""Explicit delegation: ``ledger.promote(...)`` calls ``ledger.environments.promote(...)``.

The application composes its command groups as collaborators and names, method by
method, which group answers which of its public methods. Callers keep calling the
application; the signature (and its type) is the group's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")


class Delegated(Generic[P, R]):
    """A method of the owner answered by the same-named method of one of its collaborators."""

    def __init__(self, collaborator: str, method: Callable[Concatenate[Any, P], R]) -> None:
        self.collaborator = collaborator
        self.method_name = method.__name__
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, owner: None, owner_type: type | None = None) -> Delegated[P, R]: ...
    @overload
    def __get__(self, owner: object, owner_type: type | None = None) -> Callable[P, R]: ...

    def __get__(self, owner: object | None, owner_type: type | None = None) -> Any:
        if owner is None:
            return self
        method: Callable[P, R] = getattr(getattr(owner, self.collaborator), self.method_name)
        return method

    def __repr__(self) -> str:
        return f"<delegated to .{self.collaborator}.{self.method_name}>"


def delegate(collaborator: str, method: Callable[Concatenate[Any, P], R]) -> Delegated[P, R]:
    """``promote = delegate("environments", Environments.promote)`` inside a class body."""
    return Delegated(collaborator, method)
