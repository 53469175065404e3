"""A whole-log export verified by several processes (standard library only).

The file's events are cut into one byte range per process, at line starts. Each process
hashes the leaves of its range (the bulk of the work) and reports how many it found; once
every count is known, each folds its leaves into the perfect subtrees covering its positions
(:func:`merkle.compact_range`), and the parent joins those into the tree's root. Nothing is
skipped: every line is hashed, every interior node computed, the root compared with the
checkpoint whose signature the parent checked first.

Only the good outcome is decided here. Anything else (a root that differs, a count that does
not match, a line cut short, a worker that failed) sends the file through the one-process
verifier of :mod:`revledger_verify.export`, which names the first bad position and why, so
a failure reads the same whichever path found it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING

from revledger_verify import merkle
from revledger_verify.export import Failure, Verdict, check_checkpoint, skip_line, verify_export
from revledger_verify.note import PublicKey

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

#: Below this many bytes of events one process is quicker than starting several.
MIN_PARALLEL_BYTES = 16 << 20


def default_jobs() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def can_fork() -> bool:
    """Forking is safe only in a process with one thread (the command line verifier)."""
    import multiprocessing  # here: a one-process verify does without it

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def verify_file(path: str | Path, key: PublicKey, jobs: int | None = None,
                min_bytes: int = MIN_PARALLEL_BYTES) -> Verdict:
    """Verify the export at ``path``; a large whole-log export with ``jobs`` processes."""
    jobs = default_jobs() if jobs is None else jobs
    with open(path, "rb") as stream:
        if jobs > 1 and can_fork() and stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            verdict = _verify_in_parallel(str(path), stream, key, jobs, min_bytes)
            if verdict is not None:
                return verdict
            stream.seek(0)
        return verify_export(stream, key)


def _verify_in_parallel(path: str, stream: IO[bytes], key: PublicKey, jobs: int,
                        min_bytes: int) -> Verdict | None:
    """The verdict when the export verifies; None when the one-process verifier must look."""
    try:
        header = json.loads(stream.readline())
        if not isinstance(header, dict) or header.get("revledger_export") != 1 or header.get("org") is not None:
            return None
        checkpoint = check_checkpoint(header.get("checkpoint"), key)
    except (ValueError, Failure):
        return None
    skip_line(stream)  # the recorded leaves: only needed to name a failure
    start, end = stream.tell(), os.fstat(stream.fileno()).st_size
    if end - start < min_bytes:
        return None
    cuts = [start]
    for i in range(1, jobs):
        stream.seek(start + (end - start) * i // jobs)
        stream.readline()
        cuts.append(min(stream.tell(), end))
    cuts.append(end)
    ranges = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    frontier = _fold(path, ranges, checkpoint.size)
    if frontier is None or frontier.root() != checkpoint.root:
        return None
    return Verdict(ok=True, events=frontier.size, tree_size=checkpoint.size, root=checkpoint.root.hex(),
                   checkpoint=checkpoint.summary())


def _fold(path: str, ranges: list[tuple[int, int]], size: int) -> merkle.Frontier | None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    pipes, workers = [], []
    for first, last in ranges:
        ours, theirs = context.Pipe()
        worker = context.Process(target=_worker, args=(path, first, last, theirs), daemon=True)
        worker.start()
        theirs.close()
        pipes.append(ours)
        workers.append(worker)
    told = False
    try:
        reports = [pipe.recv() for pipe in pipes]
        if any(report[0] != "counted" for report in reports) or not reports[-1][2]:
            return None
        counts = [report[1] for report in reports]
        if sum(counts) != size:
            return None
        position = 0
        for pipe, count in zip(pipes, counts):
            pipe.send(position)
            position += count
        told = True
        frontier = merkle.Frontier()
        for pipe in pipes:
            report = pipe.recv()
            if report[0] != "folded":
                return None
            for level, node in report[1]:
                frontier.append_subtree(level, node)
        return frontier
    except (EOFError, OSError, ValueError):
        return None
    finally:
        for pipe in pipes:
            if not told:  # a worker waiting for its position stops now (each child holds copies
                try:      # of the parent's pipe ends, so closing ours alone would not wake it)
                    pipe.send(None)
                except OSError:
                    pass
            pipe.close()
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()


def _worker(path: str, first: int, last: int, pipe: Connection) -> None:
    """Hash the lines in bytes ``[first, last)``; then fold them, once told their first position."""
    try:
        with open(path, "rb") as stream:
            stream.seek(first)
            leaves: list[bytes] = []
            ended = _collect(stream, last - first, leaves)
        pipe.send(("counted", len(leaves), ended))
        position = pipe.recv()
        if position is None:  # the parent decided without us: nothing to fold
            return
        pipe.send(("folded", merkle.compact_range(position, leaves)))
    except BaseException as error:  # noqa: BLE001 - reported; the parent falls back to one process
        try:
            pipe.send(("failed", repr(error)))
        except OSError:
            pass
    finally:
        pipe.close()


def _collect(stream: IO[bytes], length: int, leaves: list[bytes]) -> bool:
    """Append the leaf hash of each line in the next ``length`` bytes; whether the last one ended in a newline."""
    sha256 = hashlib.sha256
    add = leaves.append
    raw = b"\n"
    for raw in stream:
        add(sha256(b"\x00" + raw[:-1]).digest())
        length -= len(raw)
        if length <= 0:
            break
    return raw[-1:] == b"\n"
