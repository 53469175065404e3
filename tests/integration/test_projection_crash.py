"""A projector killed midway (a real OS process, SIGKILL) loses nothing and repeats nothing.

A child process catches the read models up over a log of a few thousand events in small
pages, and is killed with SIGKILL once a read model's position is past 0 and short of the
head: either while it runs freely, or deterministically in the middle of a page (its write
transaction open, rows written but not committed). A fresh catch-up then finishes, and
every event is applied exactly once: the rows are exactly those of a clean rebuild.
"""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.content import from_value
from ledger.deployment import Deployment
from ledger.names import ENVIRONMENTS
from ledger.script import Script
from ledger.variables import Overlay, TenantVariables
from projections.service import Projections
from tests.integration.test_point_in_time import contents, raw_events, sqlite_env

ROOT = Path(__file__).resolve().parents[2]
ORG = "acme"
SCRIPTS = 12
ROUNDS = 60  # about 4,000 events
DEADLINE = 60.0  # seconds any one child may take before the test gives up

#: The projector: catches every read model up in pages of PAGE; with PAUSE_IN set, it stops
#: inside the page holding its PAUSE_AFTER-th event of that read model (transaction open)
#: and waits to be killed. With DROP set it first drops the read models, as a rebuild does.
CHILD = """
import sys
from ledger.application import Ledger
from projections.runner import catch_up
from projections.service import Projections
from projections.view import exclusive

ledger_path, projections_path, page, pause_in, pause_after, drop = sys.argv[1:7]
ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ledger_path})
projections = Projections(ledger, projections_path)
if pause_in:
    projection = projections.all[pause_in]
    real = projection.process_event
    seen = [0]

    def process(event, tracking):
        real(event, tracking)
        seen[0] += 1
        if seen[0] == int(pause_after):
            print("paused", tracking.notification_id, flush=True)
            sys.stdin.readline()  # never answered: the parent kills us here

    projection.process_event = process
for projection in projections.all.values():
    if drop:
        with exclusive(projections.db):
            projection.view.drop()
    catch_up(ledger, projection, page_size=int(page))
print("done", flush=True)
"""

#: The events the audit trail records, named independently of its own topic list.
AUDITED = (
    Script.Registered, Script.DraftSaved, Script.VersionPublished, Deployment.Moved,
    TenantVariables.VariablesSet, TenantVariables.VariablesDeleted, Overlay.OverlayUpdated,
)
#: The events that change a configuration aggregate's version (what revision timestamps index).
CONFIG_REVISIONS = (
    TenantVariables.Started, TenantVariables.VariablesSet, TenantVariables.VariablesDeleted,
    Overlay.Started, Overlay.OverlayUpdated,
)


def seed(path: Path) -> None:
    """A log of a few thousand events, written in batches (one transaction per round)."""
    ledger = Ledger(env=sqlite_env(path))
    scripts = [Script(org=ORG, script=f"svc-{i}", actor="alice", description="", tags=[]) for i in range(SCRIPTS)]
    pointers = {(s.name, e): Deployment(org=ORG, script=s.name, environment=e) for s in scripts for e in ENVIRONMENTS}
    overlays = [Overlay(org=ORG, script=s.name) for s in scripts]
    tenant = TenantVariables(org=ORG)
    for r in range(ROUNDS):
        for s in scripts:
            s.save_draft(from_value({"round": r}, "json"), actor="alice")
            version = s.publish(actor="alice")
            for environment in ENVIRONMENTS:
                pointers[(s.name, environment)].promote(version, actor="bob", reason=f"round {r}")
            if r % 7 == 6:
                pointers[(s.name, "production")].rollback(0, actor="carol", reason="spike", incident=f"INC-{r}")
        tenant.set_values(None, {"MODEL": f"m{r}", "API_TOKEN": f"secret-{r}"}, ["API_TOKEN"], actor="carol")
        if r % 10 == 9:
            tenant.delete_keys(None, ["MODEL"], actor="carol")
        overlays[r % SCRIPTS].update("production", {"TEMPERATURE": str(r)}, [], actor="carol")
        ledger.save(tenant, *scripts, *pointers.values(), *overlays)
    ledger.close()


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "ledger.db"
    seed(path)
    return path


@pytest.fixture
def ledger(log: Path) -> Iterator[Ledger]:
    app = Ledger(env=sqlite_env(log))
    yield app
    app.close()


@pytest.fixture
def clean(ledger: Ledger, tmp_path: Path) -> Iterator[Projections]:
    """The read models rebuilt in one go, in a file of their own: what every crash must end at."""
    p = Projections(ledger, tmp_path / "clean.db")
    p.rebuild()
    yield p
    p.db.conn.close()


@pytest.fixture
def start(log: Path) -> Iterator[Any]:
    """Starts projector processes; any still running when the test ends is killed."""
    children: list[subprocess.Popen[str]] = []

    def start_(projections_path: Path, page: int, pause_in: str = "", pause_after: int = 0,
               drop: bool = False) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(log), str(projections_path), str(page), pause_in,
             str(pause_after), "1" if drop else ""],
            cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        children.append(child)
        return child

    yield start_
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=DEADLINE)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def first_line(child: subprocess.Popen[str]) -> str:
    """The child's first line of output, waiting at most DEADLINE seconds for it."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], DEADLINE)
    if not ready:
        pytest.fail("the projector printed nothing in time")
    return child.stdout.readline()


def position_of(projections_path: Path, view: str) -> int:
    """A read model's committed position, read as another process would (0 before it exists)."""
    if not projections_path.exists():
        return 0
    with sqlite3.connect(projections_path, timeout=DEADLINE) as db:
        try:
            row = db.execute("SELECT notification_id FROM tracking WHERE view = ?", [view]).fetchone()
        except sqlite3.OperationalError:  # the child has not created its tables yet
            return 0
    return 0 if row is None else int(row[0])


def kill_midway(child: subprocess.Popen[str], projections_path: Path, view: str, head: int) -> int:
    """Poll the view's position until it is past 0 and short of the head, then SIGKILL the child."""
    deadline = time.monotonic() + DEADLINE
    while not 0 < (position := position_of(projections_path, view)) < head:
        try:
            child.wait(timeout=0.002)  # the poll interval; returns early only if the child ended
        except subprocess.TimeoutExpired:
            pass
        else:
            pytest.fail(f"the projector ended (exit {child.returncode}) before it could be killed midway: "
                        f"{child.stderr.read() if child.stderr else ''}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"{view} never got midway (position {position} of {head})")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=DEADLINE)
    assert child.returncode == -signal.SIGKILL
    return position


def assert_applied_exactly_once(projections: Projections, ledger: Ledger, clean: Projections) -> None:
    """Rows are exactly those of every event in the log: none twice, none missing."""
    events = raw_events(ledger)
    audit = [r[0] for r in projections.db.execute("SELECT position FROM audit ORDER BY position")]
    starts = [r[0] for r in projections.db.execute(
        "SELECT start_position FROM pointer_intervals ORDER BY start_position"
    )]
    versions = projections.db.execute("SELECT COUNT(*) FROM revision_timestamps").fetchone()[0]

    assert audit == [p for p, e in events if isinstance(e, AUDITED)]
    assert starts == [p for p, e in events if isinstance(e, Deployment.Moved)]
    assert versions == sum(isinstance(e, CONFIG_REVISIONS) for _, e in events)
    # Row for row (a crashed rebuild re-creates tracking rows in another order, so not byte for byte).
    assert contents(projections) == contents(clean)


def finish(ledger: Ledger, projections_path: Path) -> Projections:
    projections = Projections(ledger, projections_path)
    projections.catch_up()
    return projections


def test_the_log_is_long_enough_to_be_killed_in_the_middle_of(ledger: Ledger) -> None:
    events = raw_events(ledger)

    assert len(events) > 3000
    assert sum(isinstance(e, Deployment.RolledBack) for _, e in events) > 50


@pytest.mark.parametrize("view", ["environment_pointers", "audit_trail"])
def test_a_projector_killed_while_catching_up_leaves_every_event_applied_once_after_the_next_catch_up(
    start: Any, ledger: Ledger, clean: Projections, tmp_path: Path, view: str,
) -> None:
    path = tmp_path / "projections.db"
    head = ledger.recorder.max_notification_id()
    child = start(path, page=1)

    killed_at = kill_midway(child, path, view, head)

    crashed = Projections(ledger, path)
    position = crashed.all[view].view.max_tracking_id(ledger.name)
    assert killed_at <= position < head
    assert_applied_exactly_once_for(crashed, ledger, view, position)
    crashed.catch_up()
    assert_applied_exactly_once(crashed, ledger, clean)
    crashed.db.conn.close()


@pytest.mark.parametrize("view", ["environment_pointers", "audit_trail", "revision_timestamps"])
@pytest.mark.parametrize("rebuilding", [False, True], ids=["catching-up", "rebuilding"])
def test_a_projector_killed_in_the_middle_of_a_page_commits_none_of_that_page(
    start: Any, ledger: Ledger, clean: Projections, tmp_path: Path, view: str, rebuilding: bool,
) -> None:
    path = tmp_path / "projections.db"
    if rebuilding:
        finish(ledger, path).db.conn.close()  # a complete read model, dropped again by the child
    page = 20
    child = start(path, page=page, pause_in=view, pause_after=2 * page + page // 2, drop=rebuilding)
    line = first_line(child)  # the child stops here, with 2 pages committed and a third open
    assert line.startswith("paused"), (line, child.stderr.read() if child.stderr else "")
    head = ledger.recorder.max_notification_id()

    kill_midway(child, path, view, head)

    crashed = Projections(ledger, path)
    followed = ledger.recorder.select_notifications(start=1, limit=10_000, topics=crashed.all[view].topics)
    committed = followed[2 * page - 1].id  # the last event of the second page
    assert crashed.all[view].view.max_tracking_id(ledger.name) == committed
    assert int(line.split()[1]) > committed  # that event was applied, but never committed
    assert_applied_exactly_once_for(crashed, ledger, view, committed)
    crashed.catch_up()
    assert_applied_exactly_once(crashed, ledger, clean)
    crashed.db.conn.close()


def test_two_projector_processes_catching_up_at_once_apply_every_event_once(
    start: Any, ledger: Ledger, clean: Projections, tmp_path: Path,
) -> None:
    path = tmp_path / "projections.db"
    children = [start(path, page=7) for _ in range(2)]

    for child in children:
        _, err = child.communicate(timeout=DEADLINE)
        assert child.returncode == 0, err

    together = Projections(ledger, path)
    assert together.lag() == 0
    assert_applied_exactly_once(together, ledger, clean)
    together.db.conn.close()


def assert_applied_exactly_once_for(projections: Projections, ledger: Ledger, view: str, upto: int) -> None:
    """The crashed view holds the rows of exactly the events up to its committed position."""
    events = [(p, e) for p, e in raw_events(ledger) if p <= upto]
    rows: dict[str, tuple[str, list[Any]]] = {
        "audit_trail": ("SELECT position FROM audit ORDER BY position",
                        [p for p, e in events if isinstance(e, AUDITED)]),
        "environment_pointers": ("SELECT start_position FROM pointer_intervals ORDER BY start_position",
                                 [p for p, e in events if isinstance(e, Deployment.Moved)]),
        "revision_timestamps": ("SELECT originator_id, originator_version FROM revision_timestamps"
                                " ORDER BY originator_id, originator_version",
                                sorted((str(e.originator_id), e.originator_version) for _, e in events
                                       if isinstance(e, CONFIG_REVISIONS))),
    }
    sql, expected = rows[view]
    found = [r[0] if len(r) == 1 else tuple(r) for r in projections.db.execute(sql).fetchall()]
    assert found == expected
