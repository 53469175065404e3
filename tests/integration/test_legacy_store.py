"""A store written before the lean write model (issue 11) still answers every query as it did.

The fixture (tests/fixtures/legacy/) was written by tests/fixtures/make_legacy_store.py with the
code of that time, together with the answers it gave then; times in the answers come from the
stored events, so they must match exactly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))

from legacy_queries import FIXTURE, ask  # noqa: E402


def test_a_store_written_by_earlier_code_answers_every_query_as_it_did_then(tmp_path: Path) -> None:
    expected = json.loads((FIXTURE / "answers.json").read_text())
    answers = ask(FIXTURE, tmp_path / "home")
    assert [a["args"] for a in answers] == [e["args"] for e in expected]
    differing = [a["args"] for a, e in zip(answers, expected, strict=True) if a != e]
    assert differing == []
    assert answers == expected
