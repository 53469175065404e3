"""The server's one writer: queued commands run in order, one catch-up answers the batch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.writer import BatchWriter
from ledger.application import Ledger


def test_commands_queued_while_the_writer_is_busy_share_one_catch_up_and_wait_for_it() -> None:
    log: list[str] = []
    gate, busy = threading.Event(), threading.Event()
    writer = BatchWriter(lambda: log.append("catch-up"))
    try:
        blocker = writer.submit(lambda: busy.set() or gate.wait(10))  # holds the writer
        assert busy.wait(10)
        futures = [
            writer.submit(lambda i=i: log.append(f"command {i}") or i, then_catch_up=True)
            for i in range(5)
        ]
        gate.set()
        assert [f.result(timeout=10) for f in futures] == [0, 1, 2, 3, 4]
        assert blocker.result(timeout=10) is True
    finally:
        writer.shutdown()

    assert log == [f"command {i}" for i in range(5)] + ["catch-up"]


def test_a_failing_command_fails_alone_and_the_others_are_still_answered() -> None:
    def boom() -> None:
        raise ValueError("bad input")

    writer = BatchWriter(lambda: None)
    try:
        failed = writer.submit(boom, then_catch_up=True)
        fine = writer.submit(lambda: "ok", then_catch_up=True)
        assert fine.result(timeout=10) == "ok"
        assert isinstance(failed.exception(timeout=10), ValueError)
    finally:
        writer.shutdown()


# Group commit, on a real SQLite store ------------------------------------------------


def _queue_behind_a_blocker(writer: BatchWriter, jobs: list[Any]) -> list[Any]:
    """Submit ``jobs`` (work, alone) while the writer is busy, so they form one batch."""
    gate, busy = threading.Event(), threading.Event()
    writer.submit(lambda: busy.set() or gate.wait(10))
    assert busy.wait(10)
    futures = [writer.submit(work, then_catch_up=True, alone=alone) for work, alone in jobs]
    gate.set()
    return futures


def test_a_batch_of_commands_shares_one_transaction_and_a_failing_one_undoes_only_itself(
    ledger: Ledger,
) -> None:
    held: list[bool] = []
    writer = BatchWriter(lambda: None, transaction=ledger.transaction)

    def create(name: str) -> Any:
        def work() -> Any:
            held.append(ledger.holding_transaction())
            return ledger.create_script(org="acme", name=name, actor="alice")
        return work

    def half_done() -> None:
        ledger.create_script(org="acme", name="half", actor="alice")  # saved, then it fails
        raise ValueError("the second half of this command failed")

    try:
        futures = _queue_behind_a_blocker(
            writer, [(create("one"), False), (half_done, False), (create("two"), False)])
        results = [f.exception(timeout=10) or f.result(timeout=10) for f in futures]
    finally:
        writer.shutdown()
    assert held == [True, True]  # inside the batch's transaction, not each its own
    assert [r.name for r in (results[0], results[2])] == ["one", "two"]
    assert isinstance(results[1], ValueError)
    # "half" was rolled back with its savepoint, nothing else was
    assert {s.name for s in ledger.list_scripts(org="acme")} == {"one", "two"}


def test_when_the_batch_cannot_commit_no_command_of_it_is_answered_as_done(ledger: Ledger) -> None:
    @contextmanager
    def failing_commit() -> Iterator[None]:
        with ledger.transaction():
            yield
        raise OSError("disk full")

    def nested() -> Any:
        return failing_commit() if not ledger.holding_transaction() else ledger.transaction()

    writer = BatchWriter(lambda: None, transaction=nested)
    try:
        futures = _queue_behind_a_blocker(writer, [(lambda: "a", False), (lambda: "b", False)])
        errors = [f.exception(timeout=10) for f in futures]
    finally:
        writer.shutdown()
    assert all(isinstance(e, OSError) for e in errors), errors


def test_a_run_is_never_inside_another_commands_transaction(ledger: Ledger) -> None:
    holding: list[bool] = []
    writer = BatchWriter(lambda: None, transaction=ledger.transaction)
    try:
        futures = _queue_behind_a_blocker(writer, [
            (lambda: holding.append(ledger.holding_transaction()), False),
            (lambda: holding.append(ledger.holding_transaction()), True),
            (lambda: holding.append(ledger.holding_transaction()), False),
            (lambda: holding.append(ledger.holding_transaction()), False),
        ])
        for future in futures:
            future.result(timeout=10)
    finally:
        writer.shutdown()
    # a lone command before the run is not grouped with anything; the two after it share one
    assert holding == [False, False, True, True]
