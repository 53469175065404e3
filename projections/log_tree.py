"""The log's Merkle tree: a gap-free position per event, its leaf hash, the tree's nodes and checkpoints.

A read model fed from the ordered notification log (so PostgreSQL's gaps in notification ids
never reach it): the n-th event in log order gets position n, and the tree is grown
incrementally (each append stores the leaf plus the interior nodes it completes, one on
average), so a write costs the same on a long history. Every answer about the past — a root,
an inclusion or consistency proof — is O(log n) node lookups. It can be thrown away and
rebuilt with identical results; ``verify --store`` never trusts it before checking it against
the signed checkpoints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.application import Application

from ledger.files import private_file
from ledger.canonical import canonical_line, decode_state
from ledger.checkpoints import Checkpointer
from ledger.errors import InvalidInputError
from revledger_verify import merkle

PAGE = 1000
ORG_CACHE = 100_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS leaves (
    seq INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL UNIQUE, org TEXT, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS originators (id TEXT PRIMARY KEY, org TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, time TEXT NOT NULL, note TEXT NOT NULL);
"""


def originator_org(decoded: Any) -> str | None:
    org = decoded.get("org") if isinstance(decoded, dict) else None
    return org if isinstance(org, str) else None


class LogTree:
    """The tree of one ledger's log, in its own SQLite file."""

    def __init__(self, path: str | Path) -> None:
        private_file(path)  # owner-only, like every file of the data directory (and its -wal/-shm)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # rebuildable; the witness file is fsynced
        self.db.executescript(SCHEMA)
        #: (size, last notification id, frontier) after this connection's last append: the next
        #: append starts from it unless another process grew the tree meanwhile.
        self._head: tuple[int, int, merkle.Frontier] | None = None
        #: Checkpoints signed by this connection so far.
        self.signed = 0
        #: The organization of each aggregate seen (an aggregate's first event names it).
        self._orgs: dict[str, str | None] = {}

    def close(self) -> None:
        self.db.close()

    # Reading -------------------------------------------------------------------

    def size(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM leaves").fetchone()[0])

    def _last_notification(self) -> int:
        row = self.db.execute("SELECT notification_id FROM leaves ORDER BY seq DESC LIMIT 1").fetchone()
        return int(row[0]) if row else 0

    def node(self, level: int, index: int) -> bytes:
        if level == 0:
            row = self.db.execute("SELECT hash FROM leaves WHERE seq = ?", [index + 1]).fetchone()
        else:
            row = self.db.execute("SELECT hash FROM nodes WHERE level = ? AND idx = ?", [level, index]).fetchone()
        if row is None:
            raise LookupError(f"the tree has no node ({level}, {index})")
        return bytes(row[0])

    def subtree(self, start: int, end: int) -> bytes:
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            level = width.bit_length() - 1
            return self.node(level, start >> level)
        k = merkle.split(width)
        return merkle.node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def frontier(self, size: int) -> merkle.Frontier:
        stack, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                stack.append(self.node(level, start >> level))
                start += 1 << level
        return merkle.Frontier(size, stack)

    def root(self, size: int | None = None) -> bytes:
        return self.frontier(self.size() if size is None else size).root()

    def _check_size(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise InvalidInputError(f"tree size {size} is not between 0 and the log's size {current}")
        return size

    def inclusion(self, position: int, size: int | None = None) -> dict[str, Any]:
        size = self._check_size(size)
        if not 1 <= position <= size:
            raise InvalidInputError(f"position {position} is not in a tree of {size} events (1 … {size})")
        path = merkle.inclusion_proof(position - 1, size, self.subtree)
        return {"position": position, "tree_size": size, "leaf_hash": self.node(0, position - 1).hex(),
                "path": [p.hex() for p in path]}

    def consistency(self, old: int, new: int | None = None) -> dict[str, Any]:
        new = self._check_size(new)
        if not 0 <= old <= new:
            raise InvalidInputError(f"from ({old}) must be between 0 and to ({new})")
        path = merkle.consistency_proof(old, new, self.subtree)
        return {"from": old, "to": new, "path": [p.hex() for p in path]}

    def leaves(self, start: int, end: int) -> list[tuple[int, int, bytes]]:
        """(position, notification id, leaf hash) for positions start … end."""
        rows = self.db.execute(
            "SELECT seq, notification_id, hash FROM leaves WHERE seq BETWEEN ? AND ? ORDER BY seq", [start, end]
        )
        return [(int(s), int(n), bytes(h)) for s, n, h in rows]

    def positions(self, org: str) -> list[tuple[int, int]]:
        """(position, notification id) of one organization's events."""
        rows = self.db.execute("SELECT seq, notification_id FROM leaves WHERE org = ? ORDER BY seq", [org])
        return [(int(s), int(n)) for s, n in rows]

    def checkpoints(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT size, time, note FROM checkpoints ORDER BY size")
        return [{"size": s, "time": t, "note": n} for s, t, n in rows]

    def latest_checkpoint(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT size, time, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
        return None if row is None else {"size": row[0], "time": row[1], "note": row[2]}

    # Growing -------------------------------------------------------------------

    def catch_up(self, app: Application, checkpointer: Checkpointer | None = None,
                 page: int = PAGE, progress: Callable[[int], None] | None = None) -> int:
        """Append every new event of the log; sign a checkpoint at each multiple of ``every``.

        With nothing new it only reads: no write lock, so a command's answer never waits on
        another process holding this file."""
        while True:
            if not self._behind(app):
                return self.size()
            self.db.execute("BEGIN IMMEDIATE")
            try:
                appended = self._append_page(app, checkpointer, page)
            except BaseException:
                self.db.execute("ROLLBACK")
                self._head = None
                raise
            self.db.execute("COMMIT")
            if progress is not None:
                progress(self.size())
            if appended < page:
                return self._head[0] if self._head is not None else self.size()

    def _behind(self, app: Application) -> bool:
        """Whether the log has events this tree lacks (a read, outside any transaction)."""
        head = self._head
        last = head[1] if head is not None and head[0] == self.size() else self._last_notification()
        return (app.recorder.max_notification_id() or 0) > last

    def _append_page(self, app: Application, checkpointer: Checkpointer | None, page: int) -> int:
        size = self.size()
        head = self._head
        if head is not None and head[0] == size:
            last, frontier = head[1], head[2].copy()
        else:
            last, frontier = self._last_notification(), self.frontier(size)
        notifications = app.recorder.select_notifications(start=last, limit=page, inclusive_of_start=False)
        if not notifications:
            self._head = (size, last, frontier)
            return 0
        self._append(notifications, size, frontier, checkpointer)
        return len(notifications)

    def append_saved(self, notifications: Sequence[Any], checkpointer: Checkpointer | None = None) -> bool:
        """Append the notifications a save just wrote, without reading them back from the store.

        Only when they are exactly the next ones after this connection's last append (their
        ids follow its last notification id, and no other process grew the tree meanwhile);
        otherwise nothing is done and False says to :meth:`catch_up` instead. For a store
        whose notification ids have no gaps and are given in commit order (SQLite).
        """
        head = self._head
        if head is None or not notifications:
            return False
        first = head[1] + 1
        if any(n.id != first + i for i, n in enumerate(notifications)):
            return False
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.size() != head[0]:  # another process appended: catch up from the table
                self.db.execute("ROLLBACK")
                self._head = None
                return False
            self._append(notifications, head[0], head[2].copy(), checkpointer)
        except BaseException:
            self.db.execute("ROLLBACK")
            self._head = None
            raise
        self.db.execute("COMMIT")
        return True

    def _append(self, notifications: Sequence[Any], size: int, frontier: merkle.Frontier,
                checkpointer: Checkpointer | None) -> None:
        """Append notifications after leaf ``size`` (inside the caller's transaction)."""
        leaves, nodes, created, signed = [], [], [], []
        for n in notifications:
            size += 1
            line = canonical_line(size, n.originator_id, n.originator_version, n.topic, n.state)
            leaf = merkle.leaf_hash(line)
            originator = str(n.originator_id)
            if n.originator_version == 1:
                org = self._orgs[originator] = originator_org(decode_state(n.state))
                created.append((originator, org))
            else:
                org = self._org_of(originator)
            leaves.append((size, n.id, org, leaf))
            nodes.extend(frontier.append_nodes(leaf))
            if checkpointer is not None and checkpointer.every > 0 and size % checkpointer.every == 0:
                time, note = checkpointer.sign(size, frontier.root())
                signed.append((size, time, note))
        self.db.executemany("INSERT INTO leaves (seq, notification_id, org, hash) VALUES (?, ?, ?, ?)", leaves)
        self.db.executemany("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
        if created:
            self.db.executemany("INSERT OR IGNORE INTO originators (id, org) VALUES (?, ?)", created)
        if signed:
            self._record(checkpointer, signed)
            self.signed += len(signed)
        self._head = (size, notifications[-1].id, frontier)

    def _org_of(self, originator: str) -> str | None:
        try:
            return self._orgs[originator]
        except KeyError:
            pass
        row = self.db.execute("SELECT org FROM originators WHERE id = ?", [originator]).fetchone()
        if len(self._orgs) >= ORG_CACHE:
            self._orgs.clear()
        org = self._orgs[originator] = row[0] if row else None
        return org

    def _record(self, checkpointer: Checkpointer | None, signed: list[tuple[int, str, str]]) -> None:
        assert checkpointer is not None
        # The witness first: a witness line without its row here is harmless, the reverse is not.
        checkpointer.append_to_witness(signed)
        self.db.executemany("INSERT OR REPLACE INTO checkpoints (size, time, note) VALUES (?, ?, ?)", signed)

    def checkpoint(self, app: Application, checkpointer: Checkpointer) -> dict[str, Any]:
        """Catch up, then sign a checkpoint of the whole log now (unless one of this size exists)."""
        self.catch_up(app, checkpointer)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            size = self.size()
            existing = self.latest_checkpoint()
            if existing is None or existing["size"] != size:
                time, note = checkpointer.sign(size, self.root(size))
                self._record(checkpointer, [(size, time, note)])
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        latest = self.latest_checkpoint()
        assert latest is not None
        return latest
