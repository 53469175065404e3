"""Read-your-writes in the CLI, as over HTTP: a local command that recorded anything returns
only once the log tree and every read model have taken it in (one policy for both)."""

from __future__ import annotations

import sys
from typing import Any

from api.settings import Settings
from projections.service import Projections


def lags(cli: Any) -> dict[str, int]:
    """Each read model's lag behind the log, read without catching anything up."""
    ledger = cli.open()
    try:
        settings = Settings(home=cli.home, database_url=cli.database_url)
        return {row["projection"]: row["lag"] for row in Projections(ledger, settings.projections_path).status()}
    finally:
        ledger.close()


def test_every_local_write_leaves_the_read_models_caught_up(cli: Any) -> None:
    cli.given_script("svc", versions=2)  # recorded on the store directly: the read models are behind
    assert set(lags(cli).values()) == {9}
    writes = [
        ["promote", "svc", "--version", "1", "--to", "staging"],
        ["env", "set", "DB_HOST", "db.internal"],
        ["overlay", "update", "svc", "--set", "MODEL=gpt-4"],
        ["policy", "set", "runner", f"{sys.executable} -c 'import sys; sys.exit(1)'"],
        ["incident", "open", "INC-1", "--title", "totals missing"],
        ["version", "label", "svc", "2", "next"],
    ]
    for args in writes:
        cli.ok(*args)
        assert set(lags(cli).values()) == {0}, args
    # A command that records something and then fails (the run is recorded as failed) too.
    before = cli.log_size()
    failed = cli("run", "svc", "--version", "1")
    assert failed.exit_code == 1 and cli.log_size() > before, failed.output
    assert set(lags(cli).values()) == {0}
    # The head the CLI reached is what the read models answer at once, with no catch-up.
    ledger = cli.open()
    try:
        settings = Settings(home=cli.home, database_url=cli.database_url)
        rows = Projections(ledger, settings.projections_path).pointers.view.current("default", "staging")
        assert [(r["script"], r["version"]) for r in rows] == [("svc", 1)]
    finally:
        ledger.close()
