"""What a version reference names: a number, a label, or 0 for the version production runs.

Pure: given a script's labels (one entry per version, version 1 first) and how to learn what
production runs, so the write side (from the Script aggregate) and the read models (from their
rows) resolve a reference alike, with the same refusals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.errors import InvalidInputError, NotFoundError, RefusedError, UnknownLabelError
from ledger.names import did_you_mean


def version_number(name: str, version: int | str, labels: Sequence[str | None]) -> int:
    """A number as given (0 keeps its meaning for the caller), or the number a label names."""
    if isinstance(version, str):
        text = version.strip()
        if text.lstrip("-").isdigit():
            version = int(text)
        else:
            return labelled_version(name, text, labels)
    if version < 0:
        raise InvalidInputError(f"{version} is not a version number: use 1, 2, 3 …, 0 or a label")
    return version


def labelled_version(name: str, label: str, labels: Sequence[str | None]) -> int:
    numbers = [n for n, given in enumerate(labels, start=1) if given == label]
    if len(numbers) == 1:
        return numbers[0]
    if numbers:  # only in stores written before labels were unique
        listed = ", ".join(str(n) for n in numbers)
        raise RefusedError(
            f"label {label!r} names versions {listed} of {name!r}: give the number, "
            f"or relabel one with `revledger version label {name} N LABEL`"
        )
    raise UnknownLabelError(
        f"{label!r} is neither a version number nor a label of {name!r}"
        f"{did_you_mean(label, [given for given in labels if given])}"
    )


def resolve_version(name: str, version: int | str, labels: Sequence[str | None],
                    production: Callable[[], int | None]) -> int:
    """A version number, or the version a label names; 0 means the version production points
    to (``production()``). An unknown number or label is a NotFoundError."""
    number = version_number(name, version, labels)
    if number == 0:
        current = production()
        if current is None:
            raise NotFoundError(
                f"version 0 means the active (production) version, but production runs no version of {name!r}"
            )
        return current
    if not 1 <= number <= len(labels):
        known = f"latest is {len(labels)}" if labels else "it has no versions yet"
        raise NotFoundError(f"unknown version {number} of {name!r} ({known})")
    return number
