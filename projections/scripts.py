"""Every organization's scripts as ``script get`` and ``script list`` show them: description,
tags, who registered each and when, the latest version and whether the draft differs from it;
and their versions as ``version list`` and ``version get`` show them.

One row per script, updated by its drafts and publications; the environment pointers come
from the pointers read model. Reading a script is a seek, not an aggregate load.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


from ledger.script import Script
from ledger.times import utc_text
from ledger.views import ScriptView
from projections.view import RowProjection, TrackedView, topics_of


class ScriptsView(TrackedView):
    tables = ("script_catalog", "script_versions")
    layout = 3  # 2: the versions; 3: the draft's format

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS script_catalog ("
            " org TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, tags TEXT NOT NULL,"
            " created_at TEXT NOT NULL, created_by TEXT NOT NULL, latest_version INTEGER,"
            " latest_sha256 TEXT, draft_sha256 TEXT, draft_content_at INTEGER, draft_format TEXT,"
            " PRIMARY KEY (org, name)) WITHOUT ROWID"
        )
        # content_at: where the content is kept, as the Script aggregate says (ledger/contents.py).
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS script_versions ("
            " org TEXT NOT NULL, script TEXT NOT NULL, version INTEGER NOT NULL, format TEXT NOT NULL,"
            " content_sha256 TEXT NOT NULL, content_at INTEGER, label TEXT, note TEXT, author TEXT NOT NULL,"
            " published_at TEXT NOT NULL, PRIMARY KEY (org, script, version)) WITHOUT ROWID"
        )

    def registered(self, e: Script.Registered) -> None:  # type: ignore[name-defined]
        self.db.execute(
            "INSERT INTO script_catalog (org, name, description, tags, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [e.org, e.script, e.description, json.dumps(list(e.tags)), utc_text(e.timestamp), e.actor],
        )

    def draft_saved(self, e: Script.DraftSaved) -> None:
        self.db.execute(
            "UPDATE script_catalog SET draft_sha256 = ?, draft_content_at = ?, draft_format = ?"
            " WHERE org = ? AND name = ?",
            [e.content_sha256, None if e.content is None else e.originator_version, e.format, e.org, e.script],
        )

    def published(self, e: Script.VersionPublished) -> None:
        if e.content is not None:
            content_at = e.originator_version
        else:  # the content of the draft it was published from (as Script.VersionPublished.apply)
            draft = self.db.execute("SELECT draft_sha256, draft_content_at FROM script_catalog"
                                    " WHERE org = ? AND name = ?", [e.org, e.script]).fetchone()
            content_at = draft[1] if draft and draft[0] == e.content_sha256 else None
        self.db.execute(
            "UPDATE script_catalog SET latest_version = ?, latest_sha256 = ? WHERE org = ? AND name = ?",
            [e.version, e.content_sha256, e.org, e.script],
        )
        self.db.execute(
            "INSERT INTO script_versions (org, script, version, format, content_sha256, content_at, label,"
            " note, author, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [e.org, e.script, e.version, e.format, e.content_sha256, content_at, e.label, e.note, e.actor,
             utc_text(e.timestamp)],
        )

    def labelled(self, e: Script.VersionLabelled) -> None:
        self.db.execute("UPDATE script_versions SET label = ? WHERE org = ? AND script = ? AND version = ?",
                        [e.label, e.org, e.script, e.version])

    def versions(self, org: str, name: str) -> list[dict[str, Any]]:
        """The script's versions, 1 first: ``format``, ``content_sha256``, ``content_at`` (where
        the content is kept), ``label``, ``note``, ``author`` and ``published_at``."""
        return list(self.db.query("SELECT * FROM script_versions WHERE org = ? AND script = ? ORDER BY version",
                                  [org, name]))

    def get(self, org: str, name: str, environments: dict[str, int | None]) -> ScriptView | None:
        row = next(iter(self.db.query(
            "SELECT * FROM script_catalog WHERE org = ? AND name = ?", [org, name])), None)
        return None if row is None else self.of(row, environments)

    def draft(self, org: str, name: str) -> dict[str, Any] | None:
        """The saved draft's ``format``, ``content_sha256`` and ``content_at``, or None."""
        row = self.db.execute("SELECT draft_format, draft_sha256, draft_content_at FROM script_catalog"
                              " WHERE org = ? AND name = ?", [org, name]).fetchone()
        if row is None or row[1] is None:
            return None
        return {"format": row[0], "content_sha256": row[1], "content_at": row[2]}

    def rows(self, org: str) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM script_catalog WHERE org = ? ORDER BY name", [org]))

    @staticmethod
    def of(row: dict[str, Any], environments: dict[str, int | None]) -> ScriptView:
        """As ``Ledger.get_script`` answers (the draft: none, unchanged or modified)."""
        if row["draft_sha256"] is None:
            draft = "none"
        elif row["latest_sha256"] == row["draft_sha256"]:
            draft = "unchanged"
        else:
            draft = "modified"
        return ScriptView(
            name=row["name"], description=row["description"], tags=json.loads(row["tags"]),
            latest_version=row["latest_version"], draft=draft,
            draft_base_version=row["latest_version"] if draft == "modified" and row["latest_version"] else None,
            environments=environments, created_at=datetime.fromisoformat(row["created_at"]),
            created_by=row["created_by"],
        )


class Scripts(RowProjection[ScriptsView]):
    name = "script_catalog"
    handlers = {Script.Registered: "registered", Script.DraftSaved: "draft_saved",
                Script.VersionPublished: "published", Script.VersionLabelled: "labelled"}
    topics = topics_of(handlers)
