"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification (standard library only).

Leaves are numbered from 0 here, as in the RFCs; the ledger's positions are ``index + 1``.
Proof generation takes ``subtree(start, end)``, a callable giving the hash of the leaves
``[start, end)``, so the same code serves an in-memory list and a table of stored nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()

Subtree = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.

    ``append`` costs O(1) amortized, ``root`` O(log n); memory is O(log n).
    """

    __slots__ = ("size", "stack")

    def __init__(self, size: int = 0, stack: Sequence[bytes] = ()) -> None:
        if len(stack) != bin(size).count("1"):
            raise ValueError("a frontier holds one hash per set bit of its size")
        self.size = size
        self.stack = list(stack)

    def append(self, leaf: bytes) -> None:
        stack = self.stack
        index = self.size
        node = leaf
        while index & 1:
            node = _sha256(b"\x01" + stack.pop() + node).digest()
            index >>= 1
        stack.append(node)
        self.size += 1

    def append_nodes(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf and return the interior nodes it completes as (level, index, hash)."""
        completed = []
        index, level, node = self.size, 0, leaf
        while index & 1:
            node = node_hash(self.stack.pop(), node)
            index >>= 1
            level += 1
            completed.append((level, index, node))
        self.stack.append(node)
        self.size += 1
        return completed

    def append_subtree(self, level: int, node: bytes) -> None:
        """Append the root of a perfect subtree of ``2**level`` leaves (the size must be a multiple of it)."""
        if self.size & ((1 << level) - 1):
            raise ValueError(f"a subtree of 2**{level} leaves cannot start at leaf {self.size}")
        stack = self.stack
        index = self.size >> level
        while index & 1:
            node = _sha256(b"\x01" + stack.pop() + node).digest()
            index >>= 1
        stack.append(node)
        self.size += 1 << level

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        node = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            node = node_hash(left, node)
        return node

    def copy(self) -> Frontier:
        return Frontier(self.size, self.stack)


def root(leaves: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def perfect_root(nodes: Sequence[bytes]) -> bytes:
    """The root over ``2**k`` consecutive nodes of one level, aligned as in the tree (k >= 0)."""
    level = nodes
    sha256 = _sha256
    while len(level) > 1:
        pairs = iter(level)
        level = [sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs)]
    return level[0]


def compact_range(start: int, leaves: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """The perfect subtrees covering leaves ``[start, start + len(leaves))``, left to right,
    as (level, root): the largest aligned subtree at each step, O(log n) of them."""
    nodes = []
    position, offset, end = start, 0, start + len(leaves)
    while position < end:
        level = (position & -position).bit_length() - 1 if position else (end - position).bit_length() - 1
        while 1 << level > end - position:
            level -= 1
        width = 1 << level
        nodes.append((level, perfect_root(leaves[offset:offset + width])))
        position += width
        offset += width
    return nodes


def list_subtree(leaves: Sequence[bytes]) -> Subtree:
    """``subtree`` over leaf hashes held in memory."""

    def subtree(start: int, end: int) -> bytes:
        return root(leaves[start:end])

    return subtree


# Proofs (RFC 6962 section 2.1) ------------------------------------------------------


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[0:size]): sibling hashes from the leaf up (RFC 9162 order)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(old: int, new: int, subtree: Subtree) -> list[bytes]:
    """PROOF(old, D[0:new]) (RFC 6962 2.1.2); empty when old is 0 or equals new."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} to {new}")
    if old == 0 or old == new:
        return []
    path: list[bytes] = []
    start, end, m, complete = 0, new, old, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                path.append(subtree(start, end))
            break
        k = split(n)
        if m <= k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
            m -= k
            complete = False
    path.reverse()
    return path


# Verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root a valid inclusion proof implies, or None when the proof cannot be one."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root_: bytes) -> bool:
    return root_from_inclusion(index, size, leaf, path) == root_


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> bool:
    if not 0 <= old <= new:
        return False
    if old == new:
        return not path and old_root == new_root
    if old == 0:
        return not path  # the empty tree is a prefix of every tree
    if not path:
        return False
    nodes = list(path)
    if old & (old - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        nodes.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
