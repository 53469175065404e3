"""What a version reference names: a number, a label, or 0 for the version production runs.

Pure: given a script's labels (one entry per version, version 1 first) and how to learn what
production runs, so the write side (from the Script aggregate) and the read models (from their
rows) resolve a reference alike, with the same refusals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ledger.content import Content
from ledger.diffs import content_diff
from ledger.errors import InvalidInputError, NotFoundError, RefusedError, UnknownLabelError
from ledger.names import ENVIRONMENTS, did_you_mean

DIFF_VIEWS = ("blocks", "code")


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


def diff_side(name: str, ref: str, labels: Sequence[str | None], *, draft: Callable[[], Content | None],
              running: Callable[[str], int | None], content: Callable[[int], Content]) -> tuple[str, int | None, Content]:
    """One side of a diff: a version number or label, ``draft`` or an environment name; its
    label, its version number (None for the draft) and its content."""
    if ref == "draft":
        found = draft()
        if found is None:
            raise NotFoundError(f"script {name!r} has no draft")
        return "draft", None, found
    if ref in ENVIRONMENTS:
        number = running(ref)
        if number is None:
            raise NotFoundError(f"{ref} runs no version of {name!r}")
        return f"{ref} (version {number})", number, content(number)
    if ref in labels:
        number = labelled_version(name, ref, labels)
    else:
        try:
            number = int(ref)
        except ValueError:
            raise InvalidInputError(
                f"{ref!r} is not a version number, 'draft' or an environment ({', '.join(ENVIRONMENTS)})"
            ) from None
        number = resolve_version(name, number, labels, lambda: running("production"))
    return f"version {number}", number, content(number)


def diff(name: str, old: str, new: str, view: str, side: Callable[[str], tuple[str, int | None, Content]]) -> dict[str, Any]:
    """``diff``'s answer: the two sides (``side(ref)``, see :func:`diff_side`) and their content diff."""
    if view not in DIFF_VIEWS:
        raise InvalidInputError(f"unknown view {view!r}: use blocks or code")
    old_label, old_version, old_content = side(old)
    new_label, new_version, new_content = side(new)
    result = content_diff(old_content, new_content, view, old_label, new_label)
    return {"script": name, "from": old_label, "to": new_label,
            "from_version": old_version, "to_version": new_version, **result}
