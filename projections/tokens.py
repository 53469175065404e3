"""Each organization's active API tokens, by name: ``revledger token list`` and ``GET /v1/tokens``.

Names, roles and who issued each when; never a token or its hash (those stay with the
``ApiToken`` aggregates the server authenticates against).
"""

from __future__ import annotations

from datetime import datetime


from ledger.access import TokenView
from ledger.times import utc_text
from ledger.tokens import TokenDirectory
from projections.view import RowProjection, TrackedView, topics_of


class TokensView(TrackedView):
    tables = ("api_tokens",)

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS api_tokens ("
            " org TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL,"
            " created_by TEXT NOT NULL, PRIMARY KEY (org, name)) WITHOUT ROWID"
        )

    def listed(self, e: TokenDirectory.Listed) -> None:
        self.db.execute(
            "INSERT INTO api_tokens (org, name, role, created_at, created_by) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (org, name) DO UPDATE SET role = excluded.role, created_at = excluded.created_at,"
            " created_by = excluded.created_by",
            [e.org, e.name, e.role, utc_text(e.timestamp), e.actor],
        )

    def delisted(self, e: TokenDirectory.Delisted) -> None:
        self.db.execute("DELETE FROM api_tokens WHERE org = ? AND name = ?", [e.org, e.name])

    def list(self, org: str) -> list[TokenView]:
        """The active tokens by name, as ``Ledger.list_tokens`` shows them."""
        return [
            TokenView(name=row["name"], org=org, role=row["role"],
                      created_at=datetime.fromisoformat(row["created_at"]), created_by=row["created_by"])
            for row in self.db.query("SELECT * FROM api_tokens WHERE org = ? ORDER BY name", [org])
        ]


class Tokens(RowProjection[TokensView]):
    name = "api_tokens"
    handlers = {TokenDirectory.Listed: "listed", TokenDirectory.Delisted: "delisted"}
    topics = topics_of(handlers)
