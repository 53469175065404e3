"""Each organization's policy settings (gates, runner, approvals): ``revledger policy get``.

One row per setting an organization changed; the others read as their defaults.
"""

from __future__ import annotations

import json
from typing import Any


from ledger.policy import Policy
from ledger.policy_settings import SETTINGS
from projections.view import RowProjection, TrackedView, topics_of


class PoliciesView(TrackedView):
    tables = ("policies",)

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS policies ("
            " org TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (org, name)) WITHOUT ROWID"
        )

    def changed(self, e: Policy.PolicyChanged) -> None:  # type: ignore[name-defined]
        self.db.execute(
            "INSERT INTO policies (org, name, value) VALUES (?, ?, ?)"
            " ON CONFLICT (org, name) DO UPDATE SET value = excluded.value",
            [e.org, e.name, json.dumps(e.value)],
        )

    def settings(self, org: str) -> dict[str, Any]:
        """Every setting, in the order of ``SETTINGS``: the organization's value, else the default."""
        changed = {row["name"]: json.loads(row["value"])
                   for row in self.db.query("SELECT name, value FROM policies WHERE org = ?", [org])}
        return {name: changed.get(name, spec[1]) for name, spec in SETTINGS.items()}


class Policies(RowProjection[PoliciesView]):
    name = "policies"
    handlers = {Policy.PolicyChanged: "changed"}
    topics = topics_of(handlers)
