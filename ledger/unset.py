"""The "no compare-and-set" marker, in a module light enough for the CLI to import at start-up."""

from __future__ import annotations

from typing import Any


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Pass as ``expect_current`` to skip the compare-and-set check.
UNSET: Any = _Unset()
