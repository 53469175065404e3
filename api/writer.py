"""The one writer of a server process: every command runs on its thread, in arrival order.

Commands queue up while the writer is busy. The writer takes everything queued, runs each
command (each commits its own events, with their own positions), then brings the read
models up to date once for the whole batch, and only then answers each command: a
response never goes out before its command is committed and visible to the next read, but
a burst of N commands costs one catch-up, not N.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

#: Most commands run before the read models are caught up and their answers sent.
BATCH = 64


class BatchWriter:
    def __init__(self, catch_up: Callable[[], Any], name: str = "revledger-writer") -> None:
        self._catch_up = catch_up
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], bool, Future[Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[], T], *, then_catch_up: bool = False) -> Future[T]:
        """Run ``work`` on the writer; with ``then_catch_up`` its answer waits for the read models."""
        future: Future[T] = Future()
        self._jobs.put((work, then_catch_up, future))
        return future

    async def run(self, work: Callable[[], T], *, then_catch_up: bool = False) -> T:
        return await asyncio.wrap_future(self.submit(work, then_catch_up=then_catch_up))

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

    def _run_batch(self, batch: list[tuple[Callable[[], Any], bool, Future[Any]]]) -> None:
        waiting: list[tuple[Future[Any], Any]] = []
        for work, then_catch_up, future in batch:
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = work()
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                future.set_exception(error)
                continue
            if then_catch_up:
                waiting.append((future, result))
            else:
                future.set_result(result)
        if not waiting:
            return
        try:
            self._catch_up()
        except BaseException as error:  # noqa: BLE001 - the commands are committed; say so
            for future, _ in waiting:
                future.set_exception(error)
            return
        for future, result in waiting:
            future.set_result(result)
