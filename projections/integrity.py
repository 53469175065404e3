"""``verify --store``: the live event store against the signed checkpoints of the witness file.

Every leaf is recomputed from the events as stored (the log tree is not trusted), the roots
are compared with each checkpoint's, and only then is the stored tree consulted — after it
has itself been checked against the signed root — to name the first bad position.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eventsourcing.application import Application

from ledger.canonical import event_leaf
from ledger.checkpoints import read_witness
from ledger.log_pages import notifications
from projections.log_tree import LogTree
from revledger_verify import merkle
from revledger_verify.export import Verdict
from revledger_verify.note import Checkpoint, NoteError, PublicKey

PAGE = 5000


class _Found(Exception):
    def __init__(self, position: int, reason: str) -> None:
        super().__init__(reason)
        self.position = position
        self.reason = reason


def witnessed(witness: Path, key: PublicKey) -> list[Checkpoint]:
    """The witness file's checkpoints, each checked against the key, by size."""
    records = read_witness(witness)
    if records is None:
        return []
    checkpoints: list[Checkpoint] = []
    for number, note in records:
        try:
            checkpoints.append(key.verify(note))
        except NoteError as error:
            covered = max((c.size for c in checkpoints), default=0)
            raise _Found(covered + 1, f"{witness.name} line {number}: {error}") from None
    by_size: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        earlier = by_size.setdefault(checkpoint.size, checkpoint)
        if earlier.root != checkpoint.root:
            raise _Found(1, f"two checkpoints of size {checkpoint.size} disagree: the log was forked")
    return [by_size[s] for s in sorted(by_size)]


def verify_store(app: Application, tree: LogTree, witness: Path, key: PublicKey) -> Verdict:
    verdict = Verdict(ok=False)
    try:
        checkpoints = witnessed(witness, key)
        if not checkpoints and tree.latest_checkpoint() is not None:
            raise _Found(1, f"the witness file {witness} holds no checkpoint, but the store made some "
                         "(deleted or replaced?)")
        verdict.events = _replay(app, tree, checkpoints)
    except _Found as found:
        verdict.first_bad_position = found.position
        verdict.reason = found.reason
        return verdict
    verdict.ok = True
    if checkpoints:
        last = checkpoints[-1]
        verdict.tree_size, verdict.root, verdict.checkpoint = last.size, last.root.hex(), last.summary()
    else:
        verdict.tree_size = 0
    verdict.extra["checkpoints"] = len(checkpoints)
    verdict.extra["unverified_tail"] = verdict.events - (verdict.tree_size or 0)
    return verdict


def _replay(app: Application, tree: LogTree, checkpoints: list[Checkpoint]) -> int:
    frontier = merkle.Frontier()
    pending = list(checkpoints)
    window: list[tuple[int, Any, bytes]] = []  # (position, notification, leaf) since the last good checkpoint
    last_good = 0
    position = 0
    for n in notifications(app, PAGE):
        position += 1
        if not pending:
            continue  # past the last checkpoint: counted, not covered
        _line, leaf = event_leaf(position, n.originator_id, n.originator_version, n.topic, n.state)
        frontier.append(leaf)
        window.append((position, n, leaf))
        if position == pending[0].size:
            checkpoint = pending.pop(0)
            if frontier.root() != checkpoint.root:
                _locate(tree, checkpoint, last_good, window)
            last_good, window = position, []
    if pending:
        # The events that remain may differ before the cut: look there first.
        _locate(tree, pending[0], last_good, window, required=False)
        raise _Found(position + 1, f"the log ends at position {position} but a checkpoint covers "
                     f"{pending[-1].size}: events were deleted (the tail was cut)")
    return position


def _leaf_as(position: int, n: Any) -> bytes:
    return event_leaf(position, n.originator_id, n.originator_version, n.topic, n.state)[1]


def _what_happened(index: int, window: list[tuple[int, Any, bytes]], stored: list[tuple[int, int, bytes]]) -> str:
    position, n, _leaf = window[index]
    if index + 1 < len(window) and _leaf_as(position, window[index + 1][1]) == stored[index][2]:
        return "an event was inserted here (the next one is the one checkpointed here)"
    if index + 1 < len(stored) and _leaf_as(position + 1, n) == stored[index + 1][2]:
        return "an event is missing here (deleted: this one was checkpointed at the next position)"
    return "the event differs from the one checkpointed (edited, replaced or reordered)"


def _locate(tree: LogTree, checkpoint: Checkpoint, last_good: int,
            window: list[tuple[int, Any, bytes]], required: bool = True) -> None:
    """Name the first position after ``last_good`` where the store differs from what was signed."""
    stored: list[tuple[int, int, bytes]] = []
    trusted = False
    try:
        if tree.size() >= checkpoint.size and tree.root(checkpoint.size) == checkpoint.root:
            stored, trusted = tree.leaves(last_good + 1, checkpoint.size), True
    except LookupError:
        pass
    if trusted:
        for index, ((position, _n, leaf), (_s, _stored_id, stored_leaf)) in enumerate(zip(window, stored)):
            if leaf != stored_leaf:
                raise _Found(position, f"position {position}: {_what_happened(index, window, stored)}")
        if len(window) < len(stored) and required:
            position = last_good + len(window) + 1
            raise _Found(position, f"position {position}: an event is missing here")
        if not required:
            return
    if required:
        raise _Found(last_good + 1, f"positions {last_good + 1} … {checkpoint.size} do not hash to the "
                     f"checkpoint of size {checkpoint.size} (the stored tree is altered too, so the exact "
                     "position is unknown)")


def describe_latest(tree: LogTree) -> dict[str, Any] | None:
    latest = tree.latest_checkpoint()
    return None if latest is None else {"size": latest["size"], "time": latest["time"]}
