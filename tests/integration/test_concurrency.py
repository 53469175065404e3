"""Real OS processes racing on one SQLite store: no update is ever lost or silently overwritten.

Whatever the interleaving, each writer either gets its event into the log or is refused with a
conflict (exit code 3), so the assertions hold for every schedule; the races only make the
refusal path likely to be taken.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.content import from_value
from ledger.deployment import Deployment
from ledger.errors import ConflictError

REPO = Path(__file__).resolve().parents[2]
ORG = "default"
TIMEOUT = 30  # seconds; a healthy run takes about one


def store_env(home: Path) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(home / "ledger.db"),
        "SQLITE_LOCK_TIMEOUT": "20",
    }


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data directory holding script ``svc`` with versions 1-4 and nothing promoted."""
    home = tmp_path / "home"
    home.mkdir()
    app = Ledger(env=store_env(home))
    app.create_script(org=ORG, name="svc", actor="setup")
    for number in range(1, 5):
        app.save_draft(
            org=ORG, name="svc", content=from_value({"v": number}, "json"), actor="setup"
        )
        app.publish(org=ORG, name="svc", actor="setup")
    app.close()
    return home


def run_cli_concurrently(
    home: Path, commands: list[list[str]], timeout: float = TIMEOUT
) -> list[subprocess.CompletedProcess[str]]:
    """Start every ``revledger`` command at once as its own process and wait for all of them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLEDGER_")}
    env |= {"REVLEDGER_HOME": str(home), "REVLEDGER_SQLITE_LOCK_TIMEOUT": "20"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "api", *command, "--actor", f"writer-{i}", "-o", "json"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, command in enumerate(commands)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        results.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return results


def promotions_in_log(home: Path, environment: str) -> list[Any]:
    """The Promoted events of svc's ``environment`` pointer, in the order they were stored."""
    app = Ledger(env=store_env(home))
    try:
        deployment_id = Deployment.create_id(ORG, "svc", environment)
        events = [
            (n.id, app.mapper.to_domain_event(n))
            for n in app.recorder.select_notifications(start=1, limit=10_000)
            if n.originator_id == deployment_id
        ]
        return [(position, e) for position, e in events if isinstance(e, Deployment.Promoted)]
    finally:
        app.close()


def pointer(home: Path, environment: str) -> int | None:
    app = Ledger(env=store_env(home))
    try:
        return app.pointers(org=ORG, name="svc")[environment]
    finally:
        app.close()


def assert_refused_as_conflict(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 3, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith("error: ")
    assert "nothing changed" in lines[0] or "nothing was saved" in lines[0]


def assert_chain_is_unbroken(promotions: list[Any]) -> None:
    """Each stored promotion moved the pointer from where the previous one left it."""
    previous = None
    for _position, event in promotions:
        assert event.previous_version == previous
        previous = event.version


def test_racing_compare_and_set_promotions_from_unset_let_exactly_one_writer_win(
    home: Path,
) -> None:
    results = run_cli_concurrently(
        home,
        [
            ["promote", "svc", "--version", str(v), "--to", "staging", "--expect-current", "none"]
            for v in (1, 2, 3, 4)
        ],
    )

    winners = [r for r in results if r.returncode == 0]
    assert len(winners) == 1, [(r.returncode, r.stderr) for r in results]
    for loser in (r for r in results if r.returncode != 0):
        assert_refused_as_conflict(loser)
    won = json.loads(winners[0].stdout)
    promotions = promotions_in_log(home, "staging")
    assert [(position, e.version, e.previous_version) for position, e in promotions] == [
        (won["position"], won["version"], None)
    ]
    assert pointer(home, "staging") == won["version"]


def test_racing_promotions_without_expectation_are_all_recorded_or_refused(home: Path) -> None:
    results = run_cli_concurrently(
        home, [["promote", "svc", "--version", str(v), "--to", "development"] for v in (1, 2, 3, 4)]
    )

    accepted = [json.loads(r.stdout) for r in results if r.returncode == 0]
    for loser in (r for r in results if r.returncode != 0):
        assert_refused_as_conflict(loser)
    assert accepted, "at least the first writer must get through"
    promotions = promotions_in_log(home, "development")
    # Every accepted event is in the log, and nothing else is: no update was lost or invented.
    assert sorted((p, e.version, e.previous_version) for p, e in promotions) == sorted(
        (a["position"], a["version"], a["previous_version"]) for a in accepted
    )
    assert_chain_is_unbroken(promotions)
    assert pointer(home, "development") == promotions[-1][1].version


def test_scripts_created_concurrently_are_all_listed(home: Path) -> None:
    names = [f"new-{i}" for i in range(4)]

    results = run_cli_concurrently(home, [["script", "create", name] for name in names])

    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    app = Ledger(env=store_env(home))
    try:
        assert [s.name for s in app.list_scripts(org=ORG)] == sorted([*names, "svc"])
    finally:
        app.close()


# Tight races between application instances in separate processes ---------------------

WORKERS = 4
ROUNDS = 12
ENVIRONMENT = "staging"


def _promote_in_a_loop(home: str, worker: int, barrier: Any, results: Any) -> None:
    app = Ledger(env=store_env(Path(home)))
    outcomes = []
    barrier.wait(timeout=TIMEOUT)
    for round_ in range(ROUNDS):
        version = (worker + round_) % 3 + 1
        try:
            moved = app.promote(
                org=ORG, name="svc", version=version, environment=ENVIRONMENT, actor=f"w{worker}"
            )
        except ConflictError as error:
            outcomes.append(("conflict", version, None, None, error.message))
        else:
            kind = "accepted" if moved.changed else "no-op"
            outcomes.append((kind, version, moved.previous_version, moved.position, None))
    app.close()
    results.put(outcomes)


def test_application_instances_in_racing_processes_never_lose_a_promotion(home: Path) -> None:
    context = multiprocessing.get_context("spawn")  # no inherited threads, locks or connections
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [
        context.Process(target=_promote_in_a_loop, args=(str(home), w, barrier, results))
        for w in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    outcomes = [item for _ in workers for item in results.get(timeout=TIMEOUT)]
    for worker in workers:
        worker.join(timeout=TIMEOUT)
        assert worker.exitcode == 0

    assert len(outcomes) == WORKERS * ROUNDS
    accepted = [
        (position, version, previous)
        for kind, version, previous, position, _ in outcomes
        if kind == "accepted"
    ]
    conflicts = [message for kind, *_, message in outcomes if kind == "conflict"]
    assert all("another writer" in message for message in conflicts)
    promotions = promotions_in_log(home, ENVIRONMENT)
    assert sorted((p, e.version, e.previous_version) for p, e in promotions) == sorted(accepted)
    assert_chain_is_unbroken(promotions)
    assert pointer(home, ENVIRONMENT) == promotions[-1][1].version


# Issue 11: a conflict only when the caller asked for a check ------------------------------


def test_eight_env_sets_on_different_keys_started_at_once_all_succeed(home: Path) -> None:
    keys = [f"OPTION_{i}" for i in range(8)]

    # Eight interpreters starting at once on a busy 2-core machine: give them time.
    results = run_cli_concurrently(
        home, [["env", "set", key, f"value-{key}"] for key in keys], timeout=8 * TIMEOUT
    )

    assert [r.returncode for r in results] == [0] * 8, [r.stderr for r in results]
    app = Ledger(env=store_env(home))
    try:
        listed = {v.key: v.value for v in app.list_variables(org=ORG, environment=None)}
    finally:
        app.close()
    assert listed == {key: f"value-{key}" for key in keys}


def test_racing_promotions_without_expectation_all_succeed_while_racing_cas_ones_still_refuse(
    home: Path,
) -> None:
    blind = [["promote", "svc", "--version", str(v), "--to", "development"] for v in (1, 2, 3, 4)]
    checked = [
        ["promote", "svc", "--version", str(v), "--to", "staging", "--expect-current", "none"]
        for v in (1, 2, 3, 4)
    ]

    results = run_cli_concurrently(home, blind + checked, timeout=8 * TIMEOUT)

    assert [r.returncode for r in results[:4]] == [0, 0, 0, 0], [r.stderr for r in results[:4]]
    promotions = promotions_in_log(home, "development")
    assert len(promotions) == len({json.loads(r.stdout)["position"] for r in results[:4]})
    assert_chain_is_unbroken(promotions)
    cas = results[4:]
    assert [r.returncode for r in cas].count(0) == 1, [(r.returncode, r.stderr) for r in cas]
    for loser in (r for r in cas if r.returncode != 0):
        assert_refused_as_conflict(loser)


def test_racing_approvals_of_a_configuration_request_write_it_exactly_once(home: Path) -> None:
    app = Ledger(env=store_env(home))
    try:
        app.set_policy(org=ORG, name="approvals.production", value="2", actor="setup")
        request = app.set_variable(org=ORG, key="DB_PASSWORD", value="race-secret-5Rq", actor="setup",
                                   environment="production")
    finally:
        app.close()

    results = run_cli_concurrently(home, [["request", "approve", request.id]] * 3, timeout=3 * TIMEOUT)

    answers = [json.loads(r.stdout) for r in results if r.returncode == 0]
    assert sorted(a["state"] for a in answers) == ["applied", "open"], [r.stderr for r in results]
    refused = [r for r in results if r.returncode != 0]
    assert len(refused) == 1 and "no longer open" in refused[0].stderr, refused[0].stderr
    app = Ledger(env=store_env(home))
    try:
        written = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=10_000)
                   if n.topic == "revledger:TenantVariables.VariablesSet"]
        shown = app.get_request(org=ORG, request_id=request.id)
        assert app.get_variable(org=ORG, key="DB_PASSWORD", environment="production", reveal=True).value == \
            "race-secret-5Rq"
    finally:
        app.close()
    assert len(written) == 1 and written[0].approval["approvers"] == shown.approvers
    assert shown.state == "applied" and len(set(shown.approvers)) == 2
