"""The one writer of a server process: every command runs on its thread, in arrival order.

Commands queue up while the writer is busy. The writer takes everything queued and runs
the commands of the batch in **one transaction** (group commit): each command in its own
savepoint, so a command that fails undoes only itself, and each keeps its own events with
their own positions; one commit (one fsync) makes them all durable. Then it brings the read
models up to date once for the whole batch, and only then answers each command: a response
never goes out before its command is committed and visible to the next read, and a burst
of N commands costs one commit and one catch-up, not N.

Work that must not share a transaction runs alone: catch-ups (they must read committed
events only), and commands submitted with ``alone=True`` (a run, which waits for an outside
process and must not hold the write lock meanwhile).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

#: Most commands run before the read models are caught up and their answers sent.
BATCH = 64


@dataclass
class _Job:
    work: Callable[[], Any]
    then_catch_up: bool
    together: bool
    future: Future[Any]


class BatchWriter:
    def __init__(self, catch_up: Callable[[], Any], name: str = "revledger-writer",
                 transaction: Callable[[], AbstractContextManager[Any]] | None = None) -> None:
        """``transaction`` opens a held transaction (nested: a savepoint): with it, the
        commands of a batch commit together."""
        self._catch_up = catch_up
        self._transaction = transaction
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[], T], *, then_catch_up: bool = False, alone: bool = False) -> Future[T]:
        """Run ``work`` on the writer; with ``then_catch_up`` it is a command: it may share its
        batch's transaction (unless ``alone``) and its answer waits for the read models."""
        future: Future[T] = Future()
        self._jobs.put(_Job(work, then_catch_up, then_catch_up and not alone, future))
        return future

    async def run(self, work: Callable[[], T], *, then_catch_up: bool = False, alone: bool = False) -> T:
        return await asyncio.wrap_future(self.submit(work, then_catch_up=then_catch_up, alone=alone))

    def shutdown(self) -> None:
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(job)
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Job]) -> None:
        waiting: list[tuple[_Job, Any]] = []
        group: list[_Job] = []
        for job in batch:
            if job.together and self._transaction is not None:
                group.append(job)
                continue
            waiting += self._together(group)
            group = []
            waiting += self._alone(job)
        waiting += self._together(group)
        if not waiting:
            return
        try:
            self._catch_up()
        except BaseException as error:  # noqa: BLE001 - the commands are committed; say so
            for job, _ in waiting:
                job.future.set_exception(error)
            return
        for job, result in waiting:
            job.future.set_result(result)

    def _alone(self, job: _Job) -> list[tuple[_Job, Any]]:
        if not job.future.set_running_or_notify_cancel():
            return []
        try:
            result = job.work()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            job.future.set_exception(error)
            return []
        if job.then_catch_up:
            return [(job, result)]
        job.future.set_result(result)
        return []

    def _together(self, jobs: list[_Job]) -> list[tuple[_Job, Any]]:
        """Run ``jobs`` in one transaction; what committed, with its results (to be answered)."""
        if len(jobs) <= 1:
            return [done for job in jobs for done in self._alone(job)]
        assert self._transaction is not None
        done: list[tuple[_Job, Any]] = []
        try:
            with self._transaction():
                for job in jobs:
                    if not job.future.set_running_or_notify_cancel():
                        continue
                    try:
                        with self._transaction():  # a savepoint: a failure undoes this command only
                            done.append((job, job.work()))
                    except BaseException as error:  # noqa: BLE001 - handed to the caller
                        job.future.set_exception(error)
        except BaseException as error:  # noqa: BLE001 - the commit failed: none of them happened
            for job, _ in done:
                job.future.set_exception(error)
            return []
        return done
