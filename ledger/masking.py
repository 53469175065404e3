"""Masking the secret values a run was handed in whatever the runner gave back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable

from ledger.config import MASK
from ledger.runner import RunnerResult


class Masker:
    """Replaces every secret value (as raw text and as JSON escapes it) by :data:`MASK`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms |= {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        self.forms = sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers

    def text(self, value: str | None) -> str | None:
        if value is None:
            return None
        for form in self.forms:
            value = value.replace(form, MASK)
        return value

    def bytes(self, value: bytes) -> bytes:
        for form in self.forms:
            value = value.replace(form.encode("utf-8"), MASK.encode("utf-8"))
        return value

    def result(self, result: RunnerResult) -> RunnerResult:
        if not self.forms:
            return result
        return dataclasses.replace(
            result,
            output=self.bytes(result.output),
            steps={name: self.bytes(data) for name, data in result.steps.items()},
            error=self.text(result.error),
        )
