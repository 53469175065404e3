"""Two-person approvals through the CLI: covered changes become change requests, the last
approval applies them (gates evaluated then), and every refusal is one line with its exit code."""

from __future__ import annotations

import time
from typing import Any

import pytest


def as_(actor: str) -> dict[str, str | None]:
    return {"REVLEDGER_ACTOR": actor}


def requested(cli: Any, *args: str, actor: str = "alice") -> dict[str, Any]:
    """Run a covered command; it must answer with an open change request."""
    request = cli.json(*args, env=as_(actor))
    assert request["state"] == "open", request
    return request  # type: ignore[no-any-return]


@pytest.fixture
def approvals(cli: Any) -> Any:
    """svc with version 1 in production and version 2 in staging; production needs 2 approvals."""
    cli.given_script("svc", versions=2, shipped=(1,))
    cli.ok("promote", "svc", "--version", "2", "--to", "staging")
    cli.ok("policy", "set", "approvals.production", "2")
    return cli


def test_a_production_promotion_needs_two_distinct_approvers_other_than_the_requester(approvals) -> None:
    cli = approvals
    before = cli.log_size()
    request = requested(cli, "promote", "svc", "--version", "2", "--to", "production")

    assert request["requester"] == "alice" and request["required"] == 2 and request["role"] == "deployer"
    assert request["command"]["operation"] == "promote" and request["command"]["version"] == 2
    assert request["plan"]["current"] == 1 and request["plan"]["target"] == 2
    assert cli.json("script", "get", "svc")["environments"]["production"] == 1  # nothing moved
    assert cli.log_size() == before + 1  # only the request

    assert "cannot approve" in cli.fails("request", "approve", request["id"], env=as_("alice"))
    first = cli.json("request", "approve", request["id"], "--reason", "diff reviewed", env=as_("bob"))
    assert first["state"] == "open" and first["approvers"] == ["bob"]
    assert "counts once" in cli.fails("request", "approve", request["id"], env=as_("bob"))
    assert cli.json("script", "get", "svc")["environments"]["production"] == 1

    last = cli.json("request", "approve", request["id"], env=as_("carol"))

    assert last["state"] == "applied" and last["approvers"] == ["bob", "carol"]
    assert last["applied"]["version"] == 2
    assert last["applied"]["approval"] == {
        "request": request["id"], "requester": "alice", "approvers": ["bob", "carol"], "required": 2}
    assert cli.json("script", "get", "svc")["environments"]["production"] == 2
    assert "no longer open" in cli.fails("request", "approve", request["id"], env=as_("dave"))
    shown = cli.json("request", "show", request["id"])
    assert shown["state"] == "applied" and shown["plan_now"] is None


def test_other_environments_are_not_covered_and_the_table_output_says_what_happened(approvals) -> None:
    cli = approvals
    assert cli.json("promote", "svc", "--version", "1", "--to", "staging")["changed"] is True

    result = cli.ok("promote", "svc", "--version", "2", "--to", "production", env=as_("alice"))

    assert "is open: 0/2 approvals" in result.stdout and "nothing moved" in result.stdout


def test_request_list_filters_by_environment_and_state(approvals) -> None:
    cli = approvals
    cli.ok("policy", "set", "approvals.staging", "1")
    first = requested(cli, "promote", "svc", "--version", "2", "--to", "production")
    second = requested(cli, "promote", "svc", "--version", "1", "--to", "staging")
    cli.ok("request", "reject", first["id"], "--reason", "wrong version", env=as_("bob"))

    assert [r["id"] for r in cli.json("request", "list")] == [second["id"], first["id"]]
    assert [r["id"] for r in cli.json("request", "list", "-e", "staging")] == [second["id"]]
    assert [r["id"] for r in cli.json("request", "list", "--state", "open")] == [second["id"]]
    rejected = cli.json("request", "list", "--state", "rejected", "--environment", "production")
    assert [(r["id"], r["outcome"]) for r in rejected] == [(first["id"], "wrong version")]
    assert second["role"] == "editor"
    assert cli.json("request", "list", "-e", "development") == []
    assert "unknown state" in cli.fails("request", "list", "--state", "pending")
    assert "needs a --reason" in cli.fails("request", "reject", second["id"], "--reason", " ")


def test_a_request_whose_pointer_moved_is_not_applied_and_says_why(approvals) -> None:
    cli = approvals
    request = requested(cli, "promote", "svc", "--version", "2", "--to", "production")
    cli.ok("policy", "set", "approvals.production", "0")
    cli.ok("promote", "svc", "--version", "2", "--to", "production")  # someone moved it meanwhile
    cli.ok("policy", "set", "approvals.production", "2")
    cli.ok("request", "approve", request["id"], env=as_("carol"))
    before = cli.log_size()

    result = cli("request", "approve", request["id"], env=as_("bob"))

    assert result.exit_code == 3, result.output
    assert "error: approved, but not applied: production pointer of 'svc' is at version 2, " \
        "expected at version 1" in result.stderr
    shown = cli.json("request", "show", request["id"])
    assert shown["state"] == "approved" and shown["approvers"] == ["carol", "bob"]
    assert "expected at version 1" in shown["outcome"]
    assert cli.log_size() == before + 2  # the approval and its outcome, no move


def test_a_request_whose_gate_now_fails_is_not_applied(cli) -> None:
    cli.given_script("svc", versions=2, shipped=(1,))
    cli.ok("policy", "set", "staging_first", "false")
    cli.ok("policy", "set", "approvals.production", "1")
    request = requested(cli, "promote", "svc", "--version", "2", "--to", "production")
    assert request["plan"]["would_pass"] is True
    cli.ok("policy", "set", "staging_first", "true")

    result = cli("request", "approve", request["id"], env=as_("bob"))

    assert result.exit_code == 3, result.output
    outcome = cli.json("request", "show", request["id"])["outcome"]
    assert "refused by gates" in outcome and "staging_first" in outcome
    assert cli.json("script", "get", "svc")["environments"]["production"] == 1


def test_an_expired_request_cannot_be_approved(approvals) -> None:
    cli = approvals
    cli.ok("policy", "set", "approvals.expiry", "1s")
    request = requested(cli, "promote", "svc", "--version", "2", "--to", "production")
    time.sleep(1.2)  # the shortest expiry the policy takes

    assert "expired" in cli.fails("request", "approve", request["id"], env=as_("bob"))
    assert [r["id"] for r in cli.json("request", "list", "--state", "expired")] == [request["id"]]
    assert cli.json("request", "list", "--state", "open") == []


def test_an_exempt_rollback_to_a_known_good_version_goes_through_at_once(approvals) -> None:
    cli = approvals
    cli.ok("policy", "set", "approvals.production", "0")
    cli.ok("promote", "svc", "--version", "2", "--to", "production")
    cli.ok("policy", "set", "approvals.production", "2")
    cli.ok("policy", "set", "approvals.rollback_exempt", "true")

    moved = cli.json("version", "rollback", "svc", "--version", "0", "--incident", "INC-1")

    assert moved["changed"] is True and moved["version"] == 1
    assert moved["approval"] == {"exempt": True, "required": 2}
    # Not known good (--force): still a request.
    forced = requested(cli, "version", "rollback", "svc", "--version", "2", "--force", "--reason", "x")
    assert forced["command"]["operation"] == "rollback"


@pytest.mark.parametrize(("text", "error"), [
    ("1.5", "whole number from 0"), ("eleven", "whole number from 0"), ("11", "whole number from 0"),
])
def test_the_approvals_policy_takes_a_small_whole_number(cli, text: str, error: str) -> None:
    assert error in cli.fails("policy", "set", "approvals.production", text)


def test_an_unknown_or_malformed_request_id_is_refused(cli) -> None:
    cli.given_script("svc")
    assert "not a change request id" in cli.fails("request", "show", "nope")
    assert "no change request" in cli.fails("request", "approve", "0b7c3f3e-5d1a-4f7e-9a43-2a1d8c9e6b10")


def test_the_audit_trail_and_compliance_report_show_requester_approvers_and_findings(cli) -> None:
    cli.given_script("svc", versions=3, shipped=(1,))  # shipped before approvals were required
    cli.ok("promote", "svc", "--version", "2", "--to", "staging")
    cli.ok("policy", "set", "approvals.production", "2")
    cli.ok("policy", "set", "approvals.rollback_exempt", "true")
    request = requested(cli, "promote", "svc", "--version", "2", "--to", "production")
    cli.ok("request", "approve", request["id"], env=as_("bob"))
    cli.ok("request", "approve", request["id"], "--reason", "ok", env=as_("carol"))
    cli.ok("version", "rollback", "svc", "--version", "1", "--incident", "INC-7", env=as_("dave"))

    steps = [(r["actor"], r["details"]["step"]) for r in cli.json("audit", "--kind", "request")]
    assert steps == [("alice", "requested"), ("bob", "approved"), ("carol", "approved"),
                     ("alice", "applied")]
    report = cli.json("report", "compliance", "--since", "-1h", "--until", "now")
    rows = [(r["kind"], r["to_version"], r["requester"], r["approvers"], r["approvals_exempt"])
            for r in report["rows"] if r["kind"] in ("promote", "rollback")]
    assert rows == [("promote", 1, "seed", [], False), ("promote", 2, "alice", ["bob", "carol"], False),
                    ("rollback", 1, "dave", [], True)]
    findings = [(f["kind"], f["row"]["to_version"]) for f in report["findings"]
                if f["kind"] in ("no_approval", "exempt")]
    assert findings == [("no_approval", 1), ("exempt", 1)]
    assert "before approvals were required (now 2)" in next(
        f["detail"] for f in report["findings"] if f["kind"] == "no_approval")
    assert report["summary"]["findings"]["exempt"] == 1


def test_a_unique_prefix_of_a_request_id_names_it_an_ambiguous_or_unknown_one_is_refused(
    approvals, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from uuid import UUID

    ids = iter([UUID("abcdef01-0000-4000-8000-000000000001"), UUID("abcdef02-0000-4000-8000-000000000002")])
    monkeypatch.setattr("ledger.change_request.uuid4", lambda: next(ids))
    cli = approvals
    cli.ok("policy", "set", "approvals.staging", "1")
    first = requested(cli, "promote", "svc", "--version", "2", "--to", "production")
    second = requested(cli, "promote", "svc", "--version", "1", "--to", "staging")
    assert (first["id"], second["id"]) == ("abcdef01-0000-4000-8000-000000000001",
                                           "abcdef02-0000-4000-8000-000000000002")

    assert cli.json("request", "show", "ABCDEF01")["id"] == first["id"]
    assert ("change request id prefix 'abcdef' is ambiguous: it matches abcdef01-0000-4000-8000-000000000001, "
            "abcdef02-0000-4000-8000-000000000002") in cli.fails("request", "approve", "abcdef", env=as_("bob"))
    assert "unknown change request 123456" in cli.fails("request", "show", "123456")
    assert "at least 6 of its first characters" in cli.fails("request", "reject", "abcde", "--reason", "x")
    assert cli.json("request", "approve", "abcdef02", env=as_("bob"))["state"] == "applied"
    assert cli.json("request", "reject", "abcdef01-0000", "--reason", "no", env=as_("bob"))["state"] == "rejected"


def test_a_promotion_with_a_configuration_copy_is_a_request_even_for_the_version_running_there(approvals) -> None:
    cli = approvals
    cli.ok("overlay", "update", "svc", "--set", "MODEL=large", "-e", "staging")
    before = cli.json("config", "resolve", "svc", "-e", "production")["variables"]

    request = requested(cli, "promote", "svc", "--version", "1", "--to", "production",
                        "--with-config-from", "staging")

    assert request["command"]["with_config_from"] == "staging"
    assert [c["key"] for c in request["plan"]["config_promotion"]] == ["MODEL"]
    assert cli.json("config", "resolve", "svc", "-e", "production")["variables"] == before  # nothing copied
    cli.json("request", "approve", request["id"], env=as_("bob"))
    last = cli.json("request", "approve", request["id"], env=as_("carol"))
    assert last["state"] == "applied"
    assert cli.json("config", "resolve", "svc", "-e", "production")["variables"]["MODEL"]["value"] == "large"


def test_the_request_plan_of_a_copy_evaluates_the_gates_against_the_copied_configuration(cli: Any) -> None:
    cli.ok("script", "create", "svc")
    cli.ok("draft", "save", "svc", "-f", cli.write("v1.json", '{"model": "{{ env.MODEL }}"}'))
    cli.ok("draft", "publish", "svc")
    for environment in ("development", "staging"):
        cli.ok("overlay", "update", "svc", "--set", "MODEL=small", "-e", environment)
        cli.ok("promote", "svc", "--version", "1", "--to", environment)
    cli.ok("policy", "set", "approvals.production", "1")

    request = requested(cli, "promote", "svc", "--version", "1", "--to", "production",
                        "--with-config-from", "staging")

    assert request["plan"]["would_pass"] is True, request["plan"]["gates"]  # MODEL comes with the copy
