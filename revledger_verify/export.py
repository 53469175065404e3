"""Offline verification of a ``revledger export`` file (standard library plus ``cryptography``).

An export is JSON Lines:

1. a header: ``{"revledger_export": 1, "org": null|ORG, "events": N, "tree_size": S,
   "checkpoint": "<signed note>", ...}`` (an org export also lists its ``positions``);
2. a whole-log export: ``{"leaves": "<base64 of the N leaf hashes>"}``, used only to name the
   first bad position once the events fail to hash to the signed root;
3. one line per event, the event's canonical bytes: ``{"seq":P,...}`` (P = 1, 2, 3 …). The leaf
   hash of position P is SHA-256(0x00 || that line without its newline);
4. in an org export, after each event, ``{"proof": [hex, ...]}``: its RFC 9162 inclusion proof
   against the checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from revledger_verify import merkle
from revledger_verify.note import Checkpoint, NoteError, PublicKey, parse_checkpoint, split_note

SEQ_PREFIX = b'{"seq":'


@dataclass
class Verdict:
    """What a verification found: ``ok``, or the first bad position and why."""

    ok: bool
    events: int = 0
    tree_size: int | None = None
    root: str | None = None
    checkpoint: dict[str, Any] | None = None
    first_bad_position: int | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok, "events": self.events, "tree_size": self.tree_size,
            "root": self.root, "checkpoint": self.checkpoint,
        }
        if not self.ok:
            out["first_bad_position"] = self.first_bad_position
            out["reason"] = self.reason
        out.update(self.extra)
        return out


class Failure(Exception):
    def __init__(self, position: int | None, reason: str) -> None:
        super().__init__(reason)
        self.position = position
        self.reason = reason


def seq_of(line: bytes) -> int | None:
    """The position an event line claims, or None if it does not start like one."""
    if not line.startswith(SEQ_PREFIX):
        return None
    end = line.find(b",", 7)
    digits = line[7:end]
    if end < 0 or not digits.isdigit() or (digits.startswith(b"0")):
        return None
    return int(digits)


def unsigned_size(note: str) -> int | None:
    try:
        return parse_checkpoint(split_note(note)[0]).size
    except NoteError:
        return None


def check_checkpoint(note: Any, key: PublicKey, covered_before: int = 0) -> Checkpoint:
    if not isinstance(note, str):
        raise Failure(covered_before + 1, "no checkpoint")
    try:
        return key.verify(note)
    except NoteError as error:
        size = unsigned_size(note)
        where = f" (tree size {size})" if size is not None else ""
        raise Failure(covered_before + 1, f"checkpoint{where}: {error}") from None


def _lines(stream: IO[bytes], first: int) -> Iterator[tuple[int, bytes]]:
    for number, raw in enumerate(stream, first):
        if raw[-1:] != b"\n":
            raise Failure(None, f"line {number} is cut short (no newline): the file is truncated")
        yield number, raw[:-1]


def verify_export(stream: IO[bytes], key: PublicKey) -> Verdict:
    """Verify an export read from a seekable binary stream."""
    verdict = Verdict(ok=False)
    try:
        first = stream.readline()
        try:
            header = json.loads(first)
        except ValueError:
            raise Failure(1, "not a revledger export: the first line is no header") from None
        if not isinstance(header, dict) or header.get("revledger_export") != 1:
            raise Failure(1, "not a revledger export (version 1) header")
        checkpoint = check_checkpoint(header.get("checkpoint"), key)
        verdict.checkpoint = checkpoint.summary()
        verdict.tree_size = checkpoint.size
        verdict.root = checkpoint.root.hex()
        if header.get("org") is None:
            verdict.events = _verify_log(stream, checkpoint)
        else:
            verdict.events = _verify_org(_lines(stream, 2), checkpoint, header)
            verdict.extra["org"] = header["org"]
    except Failure as failure:
        verdict.first_bad_position = failure.position
        verdict.reason = failure.reason
        return verdict
    verdict.ok = True
    return verdict


#: The fast pass folds leaves into perfect subtrees of this many leaves (aligned: blocks start at 0).
BLOCK_LEVEL = 12


def hash_lines(lines: Iterable[bytes], frontier: merkle.Frontier | None = None) -> tuple[merkle.Frontier, bytes]:
    """Fold the leaf hash of every line (each ending in its newline) into a frontier.

    Returns the frontier and the last line read (b"\n" if none), so a caller can tell a file
    cut short. The hot loop: one leaf hash per line, and per block of ``2**BLOCK_LEVEL`` leaves
    the subtree above them, level by level.
    """
    frontier = merkle.Frontier() if frontier is None else frontier
    sha256 = hashlib.sha256
    perfect_root, append_subtree, width = merkle.perfect_root, frontier.append_subtree, 1 << BLOCK_LEVEL
    block: list[bytes] = []
    add = block.append
    raw = b"\n"
    for raw in lines:
        add(sha256(b"\x00" + raw[:-1]).digest())
        if len(block) == width:
            append_subtree(BLOCK_LEVEL, perfect_root(block))
            block.clear()
    if frontier.size & (width - 1) == 0:
        for leaf in block:
            frontier.append(leaf)
    else:  # a frontier that did not start block-aligned
        for level, node in merkle.compact_range(frontier.size, block):
            frontier.append_subtree(level, node)
    return frontier, raw


def skip_line(stream: IO[bytes]) -> None:
    """Read past the next line without holding it (the recorded leaves: 44 MB at 1M events)."""
    while True:
        piece = stream.readline(1 << 20)
        if not piece or piece.endswith(b"\n"):
            return


def _verify_log(stream: IO[bytes], checkpoint: Checkpoint) -> int:
    """One fast pass (hash and fold every line); a slower second one only to name a failure."""
    leaves_at = stream.tell()
    skip_line(stream)  # the recorded leaves: read only to name a failure
    start = stream.tell()
    frontier, last = hash_lines(stream)
    if last[-1:] == b"\n" and frontier.size == checkpoint.size and frontier.root() == checkpoint.root:
        return frontier.size
    stream.seek(leaves_at)
    leaves_line = stream.readline()
    computed = bytearray()
    for raw in stream:
        computed += merkle.leaf_hash(raw[:-1])  # as the fast pass hashed it
    stream.seek(start)
    _diagnose(_lines(stream, 2), checkpoint, computed, _recorded_leaves(leaves_line))
    raise Failure(1, "the events do not hash to the checkpoint's root")  # pragma: no cover - _diagnose raised


def _recorded_leaves(line: bytes) -> bytes | None:
    try:
        return base64.b64decode(json.loads(line)["leaves"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def _diagnose(lines: Iterator[tuple[int, bytes]], checkpoint: Checkpoint, computed: bytearray,
              recorded: bytes | None) -> None:
    """Raise the failure at the first bad position."""
    expected = 1
    failure: Failure | None = None
    try:
        for _number, line in lines:
            if not line.startswith(b'{"seq":%d,' % expected):
                seq = seq_of(line)
                if seq is None:
                    raise Failure(expected, f"position {expected}: the line is not an event line")
                raise Failure(expected, f"position {expected}: found the event of position {seq} "
                              "(an event is missing, reordered or inserted here)")
            expected += 1
    except Failure as found:
        failure = found
    count = expected - 1
    if failure is None:
        if count < checkpoint.size:
            failure = Failure(count + 1, f"the export ends at position {count} but the checkpoint "
                              f"covers {checkpoint.size}: events are missing (truncated)")
        elif count > checkpoint.size:
            failure = Failure(checkpoint.size + 1, f"events beyond the checkpoint's tree size {checkpoint.size}")
        else:
            failure = Failure(None, "the events do not hash to the checkpoint's root")
    # Name the position: the recorded leaves count only if they hash to the signed root.
    first_mismatch = _first_difference(computed, recorded)
    if first_mismatch is not None and (failure.position is None or first_mismatch <= failure.position):
        if recorded is not None and len(recorded) == 32 * checkpoint.size and _root_of(recorded) == checkpoint.root:
            raise Failure(first_mismatch, f"position {first_mismatch}: the event differs from the one "
                          "the checkpoint covers (edited or replaced)")
    if failure.position is None:
        failure.position = min(count + 1, checkpoint.size) if failure.reason.startswith("line") else 1
    raise failure


def _first_difference(computed: bytearray, recorded: bytes | None) -> int | None:
    if recorded is None:
        return None
    for offset in range(0, len(computed), 32):
        if computed[offset:offset + 32] != recorded[offset:offset + 32]:
            return offset // 32 + 1
    return None


def _root_of(recorded: bytes) -> bytes:
    return merkle.root(recorded[i:i + 32] for i in range(0, len(recorded), 32))


def _verify_org(lines: Iterator[tuple[int, bytes]], checkpoint: Checkpoint, header: dict[str, Any]) -> int:
    positions = header.get("positions")
    if not isinstance(positions, list) or not all(isinstance(p, int) for p in positions):
        raise Failure(1, "the header lists no positions")
    count = 0
    for number, line in lines:
        seq = seq_of(line)
        expected = positions[count] if count < len(positions) else None
        if seq is None:
            raise Failure(expected, f"line {number} is not an event line")
        if seq != expected:
            where = expected if expected is not None and (seq > expected) else seq
            raise Failure(where, f"position {where}: expected the event of position {expected}, found "
                          f"{seq} (an event is missing, reordered or inserted)")
        try:
            _n, proof_line = next(lines)
            path = [bytes.fromhex(h) for h in json.loads(proof_line)["proof"]]
        except (StopIteration, ValueError, KeyError, TypeError):
            raise Failure(seq, f"position {seq}: no readable inclusion proof after the event") from None
        leaf = merkle.leaf_hash(line)
        if not merkle.verify_inclusion(seq - 1, checkpoint.size, leaf, path, checkpoint.root):
            raise Failure(seq, f"position {seq}: the inclusion proof does not verify against the "
                          "checkpoint (the event was edited or replaced)")
        count += 1
    if count < len(positions):
        raise Failure(positions[count], f"position {positions[count]}: the export ends before this "
                      "event (truncated or deleted)")
    return count
