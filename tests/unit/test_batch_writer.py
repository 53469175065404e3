"""The server's one writer: queued commands run in order, one catch-up answers the batch."""

from __future__ import annotations

import threading

from api.writer import BatchWriter


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
