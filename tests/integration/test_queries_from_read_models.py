"""Queries answer from the read models, never by loading aggregates (issue 9): with every
aggregate load refused, the script, version, diff, token, incident, policy, run, log and timeline queries still
answer, as the ledger would; and a read model of an older table layout is replayed when opened."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.content import from_value
from ledger.errors import LedgerError
from ledger.times import utc_text
from projections.logs import Logs
from projections.service import Projections
from projections.timelines import Timelines
from tests.conftest import sqlite_env
from tests.integration.test_projection_rebuild import projections  # noqa: F401 (on this ledger)

ORG = "acme"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger with an archive (runs keep their output and step files there)."""
    app = Ledger(env={**sqlite_env(tmp_path / "ledger.db"), "ARCHIVE_DIR": str(tmp_path / "archive")})
    yield app
    app.close()


def history(ledger: Ledger, tmp_path: Path) -> str:
    """A script shipped to production, a policy with a runner, a run, an incident opened and closed."""
    ledger.create_script(org=ORG, name="svc", actor="alice")
    ledger.save_draft(org=ORG, name="svc", content=from_value({"v": 1}, "json"), actor="alice")
    ledger.publish(org=ORG, name="svc", actor="alice")
    ledger.label_version(org=ORG, name="svc", version=1, label="first", actor="alice")
    for environment in ("staging", "production"):
        ledger.promote(org=ORG, name="svc", version=1, environment=environment, actor="alice")
    runner = tmp_path / "runner.py"
    runner.write_text("import json, os, pathlib\n"
                      "pathlib.Path(os.environ['REVLEDGER_STEPS_DIR'], 'parse.json').write_text('{}')\n"
                      "print(json.dumps({'ok': True}))\n", encoding="utf-8")
    ledger.set_policy(org=ORG, name="runner", value=f"{sys.executable} {runner}", actor="admin")
    ledger.set_policy(org=ORG, name="approvals.production", value="2", actor="admin")
    run = ledger.run(org=ORG, name="svc", actor="qa", environment="staging", input={"n": 1})
    assert run["steps"], run  # a step file, so the read model must keep steps too
    ledger.open_incident(org=ORG, incident="INC-1", title="totals missing", actor="oncall", scripts=["svc"])
    ledger.close_incident(org=ORG, incident="INC-1", actor="oncall", resolution="rolled back")
    ledger.open_incident(org=ORG, incident="INC-2", title="slow", actor="oncall")
    for name in ("ci", "reader", "gone"):
        ledger.issue_token(org=ORG, name=name, role="viewer", actor="admin")
    ledger.revoke_token(org=ORG, name="gone", actor="admin")
    return str(run["run_id"])


#: Diffs the ledger refuses (name, old, new, view): a query must refuse them with its words.
REFUSED_DIFFS = [("svc", "1", "staging2", "blocks"), ("svc", "1", "2", "blocks"), ("svc", "1", "2", "lines"),
                 ("svx", "1", "2", "blocks"), ("svc", "nope", "1", "code"), ("svc", "development", "1", "code")]


def as_text(view: dict[str, Any]) -> dict[str, Any]:
    return {k: utc_text(v) if isinstance(v, datetime) else v for k, v in view.items()}


def test_incident_policy_run_log_and_timeline_queries_load_no_aggregate(
    ledger: Ledger, projections: Projections, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = history(ledger, tmp_path)
    ledger.create_script(org=ORG, name="new", actor="bob", description="d", tags=["llm", "eu"])
    ledger.save_draft(org=ORG, name="svc", content=from_value({"v": 2}, "json"), actor="alice")  # modified
    now = utc_text(datetime.now(UTC))
    projections.catch_up()  # (an import annotates from the read models: the interfaces catch up first)
    Logs(projections).import_records(org=ORG, records=[
        {"timestamp": now, "script": "svc", "environment": "production", "status": "ok", "duration_ms": 5}])
    projections.catch_up()
    expected = {
        "incidents": [ledger.get_incident(org=ORG, incident=i) for i in ("INC-1", "INC-2", "INC-9")],
        "policy": ledger.get_policy(org=ORG),
        "run": as_text(ledger.get_run(org=ORG, run_id=run_id)),
        "scripts": [ledger.get_script(org=ORG, name=n) for n in ("svc", "new")],
        "lists": [ledger.list_scripts(org=ORG, tags=t) for t in ((), ("llm",), ("nope",))],
        "versions": ledger.list_versions(org=ORG, name="svc"),
        "tokens": ledger.list_tokens(org=ORG),
        "diffs": [ledger.diff(org=ORG, name="svc", old=a, new=b, view=v)
                  for a, b, v in (("1", "draft", "blocks"), ("first", "production", "code"), ("0", "draft", "code"))],
        "version": [ledger.get_version(org=ORG, name="svc", version=v, with_content=True) for v in (1, "first", 0)],
    }

    expected["refusals"] = []
    for name, old, new, view in REFUSED_DIFFS:
        with pytest.raises(LedgerError) as refusal:
            ledger.diff(org=ORG, name=name, old=old, new=new, view=view)
        expected["refusals"].append(refusal.value.message)
    assert len(set(expected["refusals"])) == len(REFUSED_DIFFS)

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a query loaded an aggregate")

    monkeypatch.setattr(ledger.repository, "get", refused)
    with pytest.raises(AssertionError, match="loaded an aggregate"):
        ledger.get_policy(org=ORG)  # (the refusal works: the ledger's own query loads one)

    assert [projections.get_incident(org=ORG, incident=i) for i in ("INC-1", "INC-2", "INC-9")] == \
        expected["incidents"]
    assert projections.get_policy(org=ORG) == expected["policy"]
    assert projections.get_run(org=ORG, run_id=run_id[:8]) == expected["run"]
    assert [projections.get_script(org=ORG, name=n) for n in ("svc", "new")] == expected["scripts"]
    assert expected["scripts"][0].draft == "modified" and expected["scripts"][1].draft == "none"
    assert [projections.list_scripts(org=ORG, tags=t) for t in ((), ("llm",), ("nope",))] == expected["lists"]
    assert projections.list_versions(org=ORG, name="svc") == expected["versions"]
    assert projections.list_tokens(org=ORG) == expected["tokens"]
    assert [projections.diff(org=ORG, name="svc", old=a, new=b, view=v)
            for a, b, v in (("1", "draft", "blocks"), ("first", "production", "code"), ("0", "draft", "code"))] == \
        expected["diffs"]
    assert expected["diffs"][0]["to"] == "draft" and expected["diffs"][1]["to"] == "production (version 1)"
    for args, refusal in zip(REFUSED_DIFFS, expected["refusals"], strict=True):
        with pytest.raises(LedgerError, match=re.escape(refusal)):
            projections.diff(org=ORG, name=args[0], old=args[1], new=args[2], view=args[3])
    assert [t.name for t in expected["tokens"]] == ["ci", "reader"]
    assert [projections.get_version(org=ORG, name="svc", version=v, with_content=True)
            for v in (1, "first", 0)] == expected["version"]
    assert expected["version"][0].content == {"v": 1} and expected["version"][1].label == "first"
    for ref, refusal in ((3, "unknown version 3 of 'svc' (latest is 1)"), ("nope", "neither a version number")):
        with pytest.raises(LedgerError, match=re.escape(refusal)):
            projections.get_version(org=ORG, name="svc", version=ref)
    summary = Logs(projections).summary(org=ORG, name="svc", environment="production")
    assert summary["count"] == 1 and summary["by_version"][0]["version"] == 1
    story = Timelines(projections).incident(org=ORG, incident="INC-1")
    assert story["incident"]["resolution"] == "rolled back"


def test_a_read_model_of_an_older_layout_is_replayed_when_opened(
    ledger: Ledger, projections: Projections, tmp_path: Path
) -> None:
    run_id = history(ledger, tmp_path)
    projections.catch_up()
    # As code before layout 2 left it: no steps column, no layout recorded.
    projections.db.execute("ALTER TABLE runs DROP COLUMN steps")
    projections.db.execute("DELETE FROM layouts")
    projections.db.conn.commit()

    reopened = Projections(ledger, tmp_path / "projections.db")
    try:
        assert reopened.runs_model.view.max_tracking_id(ledger.name) is None  # to be replayed
        assert reopened.pointers.view.max_tracking_id(ledger.name) is not None  # the others stay
        reopened.catch_up()
        assert reopened.get_run(org=ORG, run_id=run_id)["steps"] == ledger.get_run(org=ORG, run_id=run_id)["steps"]
    finally:
        reopened.db.conn.close()
