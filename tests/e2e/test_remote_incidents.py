"""Incidents, timelines and compliance reports in remote mode: against a live `revledger serve`,
`incident open/show/close/timeline`, `timeline` and `report compliance` print what they print on
the local store (every format), with the same exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_api_server import LiveServer
from tests.e2e.test_remote_cli import local, remote, server  # noqa: F401
from tests.e2e.test_remote_runs import masked

SINCE = "2026-01-01T00:00:00+00:00"


def sequence() -> list[list[str]]:
    steps: list[list[str]] = [
        ["script", "create", "svc"],
        ["incident", "open", "INC-7", "--title", "totals wrong", "--started", "2026-06-01T10:00:00+00:00"],
        ["incident", "open", "INC-7", "--title", "again"],  # refused: exit 1
        ["incident", "show", "INC-7", "-o", "json"],
        ["incident", "show", "INC-7"],
        ["incident", "show", "NOPE"],
        ["incident", "close", "INC-7", "--resolution", "rolled back", "-o", "yaml"],
        ["incident", "show", "INC-7", "-o", "yaml"],
    ]
    for fmt in ("json", "md", "html"):
        steps.append(["incident", "timeline", "INC-7", "-o", fmt])
        steps.append(["timeline", "--since", SINCE, "--until", "2026-12-01T00:00:00+00:00", "-o", fmt])
    steps.append(["incident", "timeline", "NOPE"])
    for fmt in ("json", "yaml", "table"):
        steps.append(["logs", "summary", "svc", "--since", SINCE, "--until", "2026-12-01T00:00:00+00:00", "-o", fmt])
    steps.append(["logs", "summary", "nope", "--since", SINCE])
    steps.append(["logs", "summary", "svc", "--since", SINCE, "--bucket", "soon"])
    for fmt in ("json", "md", "csv", "html"):
        steps.append(["report", "compliance", "--since", SINCE, "--until", "2026-12-01T00:00:00+00:00", "-o", fmt])
    return steps


@pytest.mark.parametrize("args", sequence(), ids=" ".join)
def test_incident_commands_print_the_same_remotely_as_locally(
    server: LiveServer, tmp_path_factory: pytest.TempPathFactory, args: list[str], orgs: Any  # noqa: F811
) -> None:
    (here, here_org), (there, there_org) = orgs
    mine, theirs = here(*args), there(*args)
    assert (theirs.exit_code, masked(theirs.stdout, there_org)) == (mine.exit_code, masked(mine.stdout, here_org))
    assert masked(theirs.stderr, there_org) == masked(mine.stderr, here_org)


@pytest.fixture(scope="module")
def orgs(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    """Two organizations of the same length, one written and read locally, one remotely; each
    parametrized case runs the next command of the sequence (pytest keeps their order)."""
    workdir: Path = tmp_path_factory.mktemp("incidents")
    return (local(server, "inc-here", workdir), "inc-here"), (remote(server, "inc-away", workdir), "inc-away")
