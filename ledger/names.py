"""Names, environments and deterministic aggregate ids."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from uuid import UUID, uuid5

from ledger.errors import InvalidInputError

#: The ordered environments every organization has.
#: Roles, lowest first: each may do everything the ones before it may.
ROLES: tuple[str, ...] = ("viewer", "editor", "deployer", "admin")

ENVIRONMENTS: tuple[str, ...] = ("development", "staging", "production")

NAMESPACE = UUID("9b0c1d3e-6a55-4b7e-8f5f-2f7d2a1c0e42")

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ORG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


def check_script_name(name: str) -> str:
    if not _SLUG.fullmatch(name):
        raise InvalidInputError(
            f"invalid script name {name!r}: use 1-63 of a-z 0-9 . _ - starting with a letter or digit"
        )
    return name


def check_org(org: str) -> str:
    if not _ORG.fullmatch(org):
        raise InvalidInputError(
            f"invalid organization {org!r}: use 1-63 of A-Z a-z 0-9 . _ - starting with a letter or digit"
        )
    return org


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice a mistyped ``word`` most likely meant (a prefix, or a close spelling)."""
    options = list(choices)
    lower = word.lower()
    prefixed = [c for c in options if lower and c.lower().startswith(lower)]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(lower, [c.lower() for c in options], n=1, cutoff=0.6)
    return next((c for c in options if close and c.lower() == close[0]), None)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``": did you mean 'x'?"`` when one choice is close to ``word``, else ``""``."""
    match = suggest(word, choices)
    return f": did you mean {match!r}?" if match else ""


def normalize_environment(environment: str) -> str:
    """An environment name as typed (any case) in its canonical form, for the interfaces."""
    lower = environment.strip().lower()
    return lower if lower in ENVIRONMENTS else environment


def check_environment(environment: str) -> str:
    if environment not in ENVIRONMENTS:
        choices = ", ".join(ENVIRONMENTS)
        hint = did_you_mean(environment, ENVIRONMENTS)
        raise InvalidInputError(
            f"unknown environment {environment!r}{hint} Use one of {choices}."
            if hint else f"unknown environment {environment!r}: use one of {choices}"
        )
    return environment


def check_scope(environment: str | None) -> str | None:
    """A variable scope is the base (None) or one environment."""
    return None if environment is None else check_environment(environment)


def is_variable_name(key: str) -> bool:
    return bool(_VARIABLE.fullmatch(key))


def check_variable_name(key: str) -> str:
    if not is_variable_name(key):
        raise InvalidInputError(
            f"invalid variable name {key!r}: use [A-Za-z_][A-Za-z0-9_]*"
        )
    return key


_LABEL = re.compile(r"[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]{0,98}[^\s\x00-\x1f\x7f])?")


def check_label(label: str) -> str:
    """A version label: 1-100 printable characters, no surrounding spaces, not a number
    (a number always means a version number)."""
    if not _LABEL.fullmatch(label):
        raise InvalidInputError(
            f"invalid label {label!r}: use 1-100 printable characters without surrounding spaces"
        )
    if label.isdigit():
        raise InvalidInputError(f"invalid label {label!r}: a label cannot be a number (numbers name versions)")
    return label


def aggregate_id(org: str, kind: str, *parts: str) -> UUID:
    """Deterministic id of a named aggregate, so a lookup by name needs no index."""
    return uuid5(NAMESPACE, "/".join((org, kind, *parts)))
