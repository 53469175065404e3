"""Point-in-time reads: what an environment ran at T (``at``, ``snapshot``) and the effective
config at T (``config_at``), checked against a brute-force replay of the raw events up to T.

The property tests play random histories of publishes, promotes, rollbacks (``to=0`` and
forced) and config changes across two organizations, two scripts and every environment,
on a temporary SQLite file, catching the read models up in small steps along the way.
Event timestamps come from a controlled clock that hypothesis advances by 0, 1 µs, 1 s or
5 min per command, so ties and boundaries are exercised on purpose.

The helpers here (the clock, ``HISTORIES``, ``History``, ``raw_events``, ``dump``,
``contents``) are reused by the other projection tests and ``tests/e2e/test_cli_queries.py``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from eventsourcing.domain import CanCreateTimestamp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.config import MASK, looks_secret
from ledger.content import from_value
from ledger.deployment import Deployment
from ledger.errors import NotFoundError, RefusedError
from ledger.gates import GateError
from ledger.names import ENVIRONMENTS
from ledger.secrets import place
from ledger.times import utc_text
from ledger.variables import Overlay, TenantVariables
from projections.runner import catch_up
from projections.service import Projections

ORGS = ("acme", "globex")
SCRIPTS = ("billing", "search")
SCOPES = (None, *ENVIRONMENTS)
KEYS = ("HOST", "MODEL", "API_TOKEN", "MODE")
VALUES = ("", "a", "b", "c")
ACTORS = ("alice", "bob")
EPOCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
EXPECTED_REFUSALS = (RefusedError, NotFoundError, GateError)


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


# A controlled clock -----------------------------------------------------------------


class Clock:
    """Every event stamped while it is installed gets ``now`` (tests move it explicitly)."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@contextmanager
def installed(clock: Clock) -> Iterator[Clock]:
    with mock.patch.object(CanCreateTimestamp, "create_timestamp", staticmethod(clock)):
        yield clock


# Random histories ------------------------------------------------------------------

TICKS = st.sampled_from(
    [timedelta(0), timedelta(microseconds=1), timedelta(seconds=1), timedelta(minutes=5)]
)
org_ = st.sampled_from(ORGS)
script_ = st.sampled_from(SCRIPTS)
env_ = st.sampled_from(ENVIRONMENTS)
scope_ = st.sampled_from(SCOPES)
key_ = st.sampled_from(KEYS)
value_ = st.sampled_from(VALUES)
actor_ = st.sampled_from(ACTORS)
reason_ = st.sampled_from([None, "ship it", "error spike"])
incident_ = st.sampled_from([None, "INC-7"])


@dataclass(frozen=True)
class Publish:
    tick: timedelta
    org: str
    script: str
    actor: str

    def apply(self, h: History) -> None:
        if (self.org, self.script) not in h.scripts:
            h.ledger.create_script(org=self.org, name=self.script, actor=self.actor)
            h.scripts.add((self.org, self.script))
        h.content += 1
        content = from_value({"n": h.content}, "json")
        h.ledger.save_draft(org=self.org, name=self.script, content=content, actor=self.actor)
        h.ledger.publish(org=self.org, name=self.script, actor=self.actor, label=f"v{h.content}")


# Operations below name a script, version, environment or key by an index into what exists
# when they run, so that most of them do something rather than being refused.


@dataclass(frozen=True)
class Promote:
    tick: timedelta
    which: int
    environment: str
    pick: int  # 0 = the version production runs (rare), else one of the published versions
    actor: str
    reason: str | None
    override: bool  # override failing gates (staging first, quarantine), with a reason

    def apply(self, h: History) -> None:
        org, script = h.script(self.which)
        version = 0 if self.pick == 0 else (self.pick - 1) % h.latest(org, script) + 1
        reason = (self.reason or "override") if self.override else self.reason
        h.ledger.promote(
            org=org, name=script, version=version, environment=self.environment,
            actor=self.actor, reason=reason, override_gates=self.override,
        )


@dataclass(frozen=True)
class Rollback:
    tick: timedelta
    which: int
    where: int  # one of the environments the script runs in
    pick: int  # 0 = the version active before the current one, else one of the published versions
    force: bool
    actor: str
    reason: str | None
    incident: str | None

    def apply(self, h: History) -> None:
        org, script = h.script(self.which)
        running = [e for e, v in h.ledger.pointers(org=org, name=script).items() if v is not None]
        if not running:
            return
        to = 0 if self.pick == 0 else (self.pick - 1) % h.latest(org, script) + 1
        h.ledger.rollback(
            org=org, name=script, to=to, actor=self.actor,
            environment=running[self.where % len(running)],
            reason=self.reason, incident=self.incident, force=self.force,
        )


@dataclass(frozen=True)
class SetVariable:
    tick: timedelta
    org: str
    scope: str | None
    key: str
    value: str
    secret: bool
    actor: str

    def apply(self, h: History) -> None:
        h.ledger.set_variable(
            org=self.org, key=self.key, value=self.value or "x", actor=self.actor,
            environment=self.scope, secret=self.secret,
        )


@dataclass(frozen=True)
class ImportVariables:
    tick: timedelta
    org: str
    scope: str | None
    values: dict[str, str]
    actor: str

    def apply(self, h: History) -> None:
        text = "".join(f"{k}={v}\n" for k, v in self.values.items())
        h.ledger.import_variables(org=self.org, text=text, actor=self.actor, environment=self.scope)


@dataclass(frozen=True)
class DeleteVariable:
    tick: timedelta
    org: str
    scope: str | None
    which: int  # one of the keys set in that scope
    actor: str

    def apply(self, h: History) -> None:
        keys = [v.key for v in h.ledger.list_variables(org=self.org, environment=self.scope)]
        if keys:
            key = keys[self.which % len(keys)]
            h.ledger.delete_variable(org=self.org, key=key, actor=self.actor, environment=self.scope)


@dataclass(frozen=True)
class UpdateOverlay:
    tick: timedelta
    which: int
    scope: str | None
    set_: dict[str, str]
    delete: int  # how many of the keys in the overlay's scope to delete
    actor: str

    def apply(self, h: History) -> None:
        org, script = h.script(self.which)
        present = sorted(h.ledger.get_overlay(org=org, name=script, environment=self.scope).variables)
        delete = [k for k in present if k not in self.set_][: self.delete]
        set_ = self.set_ if (self.set_ or delete) else {KEYS[0]: "a"}
        h.ledger.update_overlay(
            org=org, name=script, actor=self.actor, set_=set_, delete=delete, environment=self.scope,
        )


@dataclass(frozen=True)
class CatchUp:
    """Catch every read model up to ``behind`` events short of the head, in small pages."""

    tick: timedelta
    page_size: int
    behind: int

    def apply(self, h: History) -> None:
        head = h.ledger.recorder.max_notification_id() or 0
        for projection in h.projections.all.values():
            catch_up(h.ledger, projection, page_size=self.page_size, stop=max(0, head - self.behind))


index_ = st.integers(0, 5)
pick_ = st.integers(0, 12)  # 0 (a relative target) about one time in thirteen
STRATEGIES = {
    "publish": st.builds(Publish, TICKS, org_, script_, actor_),
    "promote": st.builds(Promote, TICKS, index_, env_, pick_, actor_, reason_, st.booleans()),
    "rollback": st.builds(Rollback, TICKS, index_, index_, st.integers(0, 3), st.booleans(), actor_,
                          reason_, incident_),
    "set": st.builds(SetVariable, TICKS, org_, scope_, key_, value_, st.booleans(), actor_),
    "import": st.builds(ImportVariables, TICKS, org_, scope_,
                        st.dictionaries(key_, value_, min_size=1, max_size=3), actor_),
    "delete": st.builds(DeleteVariable, TICKS, org_, scope_, index_, actor_),
    "overlay": st.builds(UpdateOverlay, TICKS, index_, scope_, st.dictionaries(key_, value_, max_size=2),
                         st.integers(0, 2), actor_),
    "catch_up": st.builds(CatchUp, TICKS, st.integers(1, 7), st.integers(0, 5)),
}
#: Pointer moves are what ``at`` is about: make them the most common operations.
#: (Hypothesis leans towards the first entry, so promote comes first.)
WEIGHTS = {"promote": 6, "rollback": 4, "publish": 2, "overlay": 2, "catch_up": 2, "set": 1,
           "import": 1, "delete": 1}
OPERATIONS = st.sampled_from([name for name, n in WEIGHTS.items() for _ in range(n)]).flatmap(
    STRATEGIES.__getitem__
)
# Publishes first, so every history has versions to move pointers to.
HISTORIES = st.builds(
    lambda first, rest: first + rest,
    st.lists(STRATEGIES["publish"], min_size=2, max_size=5),
    st.lists(OPERATIONS, min_size=15, max_size=40),
)


class History:
    """A Ledger and its read models on temporary SQLite files, driven by a controlled clock."""

    def __init__(self, directory: Path, clock: Clock) -> None:
        self.directory = directory
        self.clock = clock
        self.ledger = Ledger(env=sqlite_env(directory / "ledger.db"))
        self.projections = Projections(self.ledger, directory / "projections.db")
        self.scripts: set[tuple[str, str]] = set()
        self.content = 0

    def script(self, which: int) -> tuple[str, str]:
        """One of the scripts created so far (histories start with a publish)."""
        created = sorted(self.scripts)
        return created[which % len(created)]

    def latest(self, org: str, script: str) -> int:
        return self.ledger.get_script(org=org, name=script).latest_version or 0

    def play(self, operations: list[Any]) -> History:
        for operation in operations:
            self.clock.advance(operation.tick)
            try:
                operation.apply(self)
            except EXPECTED_REFUSALS:
                pass  # a refused command records nothing
        return self

    def describe(self) -> None:
        """Label the example for ``--hypothesis-show-statistics``: how much history it made."""
        events = raw_events(self.ledger)
        moves = sum(isinstance(e, Deployment.Moved) for _, e in events)
        rollbacks = sum(isinstance(e, Deployment.RolledBack) for _, e in events)
        config = sum(isinstance(e, (TenantVariables.Changed, Overlay.OverlayUpdated)) for _, e in events)
        event(f"pointer moves: {'0' if not moves else '1-4' if moves < 5 else '5+'}")
        event(f"rollbacks: {'0' if not rollbacks else '1+'}")
        event(f"config changes: {'0' if not config else '1-4' if config < 5 else '5+'}")

    def close(self) -> None:
        self.projections.db.conn.close()
        self.ledger.close()


@contextmanager
def history(operations: list[Any]) -> Iterator[History]:
    with tempfile.TemporaryDirectory() as directory, installed(Clock()) as clock:
        h = History(Path(directory), clock)
        try:
            yield h.play(operations)
        finally:
            h.close()


# Brute force ------------------------------------------------------------------------


def raw_events(ledger: Ledger) -> list[tuple[int, Any]]:
    """Every event in the log with its position, decoded, in log order."""
    events: list[tuple[int, Any]] = []
    start = 1
    while page := ledger.recorder.select_notifications(start=start, limit=500):
        events += [(n.id, ledger.mapper.to_domain_event(n)) for n in page]
        start = page[-1].id + 1
    return events


def replayed_at(events: list[tuple[int, Any]], org: str, script: str, environment: str,
                instant: datetime) -> dict[str, Any]:
    """What ``at`` must answer, from the raw events: the last move made by ``instant``."""
    moves = [
        (position, e) for position, e in events
        if isinstance(e, Deployment.Moved) and (e.org, e.script, e.environment) == (org, script, environment)
    ]
    made = [i for i, (_, e) in enumerate(moves) if e.timestamp <= instant]
    answer: dict[str, Any] = {
        "script": script, "environment": environment, "time": utc_text(instant),
        "version": None, "since": None, "until": None, "set_by": None,
    }
    if made:
        i = made[-1]
        position, e = moves[i]
        answer.update(
            version=e.version,
            since=utc_text(e.timestamp),
            until=utc_text(moves[i + 1][1].timestamp) if i + 1 < len(moves) else None,
            set_by={"kind": e.kind, "actor": e.actor, "time": utc_text(e.timestamp),
                    "reason": e.reason, "incident": e.incident, "position": position},
        )
    return answer


def deployed_scripts(events: list[tuple[int, Any]], org: str, environment: str) -> list[str]:
    return sorted({
        e.script for _, e in events
        if isinstance(e, Deployment.Moved) and (e.org, e.environment) == (org, environment)
    })


def replayed_config(events: list[tuple[int, Any]], org: str, script: str, environment: str,
                    instant: datetime, ledger: Ledger) -> dict[str, tuple[str, str]]:
    """Key → (value, layer) of the effective config at ``instant``, from the raw events.

    Layers, lowest to highest: tenant → tenant[ENV] → overlay → overlay[ENV]; an empty
    overlay value defers to the layer below.
    """
    tenant: dict[str | None, dict[str, str]] = {}
    overlay: dict[str | None, dict[str, str]] = {}
    reader = ledger.secrets.reader(org)

    def opened(aggregate: Any, scope: str | None, values: dict[str, str]) -> dict[str, str]:
        """Secret values are sealed in the events: open them where they belong."""
        return {k: reader.plain(v, place(org, aggregate, scope, k)) for k, v in values.items()}

    for _, e in events:
        if e.timestamp > instant or getattr(e, "org", None) != org:
            continue
        if isinstance(e, TenantVariables.VariablesSet):
            tenant.setdefault(e.environment, {}).update(opened(e.originator_id, e.environment, e.values))
        elif isinstance(e, TenantVariables.VariablesDeleted):
            for key in e.keys:
                tenant.setdefault(e.environment, {}).pop(key, None)
        elif isinstance(e, Overlay.OverlayUpdated) and e.script == script:
            scope = overlay.setdefault(e.environment, {})
            for key in e.delete:
                scope.pop(key, None)
            scope.update(opened(e.originator_id, e.environment, e.set))
    merged: dict[str, tuple[str, str]] = {}
    layers = [
        ("tenant", tenant.get(None, {})), (f"tenant[{environment}]", tenant.get(environment, {})),
        ("overlay", overlay.get(None, {})), (f"overlay[{environment}]", overlay.get(environment, {})),
    ]
    for layer, values in layers:
        for key, value in values.items():
            if not (layer.startswith("overlay") and value == ""):
                merged[key] = (value, layer)
    return merged


def marked_secret(events: list[tuple[int, Any]], org: str, key: str, instant: datetime) -> bool:
    """Whether ``key`` was marked secret in some scope of the tenant variables at ``instant``."""
    marks: dict[str | None, bool] = {}
    for _, e in events:
        if e.timestamp > instant or getattr(e, "org", None) != org:
            continue
        if isinstance(e, TenantVariables.VariablesSet) and key in e.values:
            marks[e.environment] = key in e.secret_keys
        elif isinstance(e, TenantVariables.VariablesDeleted) and key in e.keys:
            marks.pop(e.environment, None)
    return any(marks.values())


def instants(events: list[tuple[int, Any]]) -> list[datetime]:
    """Before the first event, at, just before and just after every event, after the last."""
    stamps = sorted({e.timestamp for _, e in events})
    tick = timedelta(microseconds=1)
    around = {t + d for t in stamps for d in (-tick, timedelta(0), tick)}
    return sorted(around | {stamps[0] - timedelta(days=1), stamps[-1] + timedelta(days=1)})


def dump(projections: Projections) -> str:
    """The whole projections database as SQL text: schema, every row and every position."""
    return "\n".join(projections.db.conn.iterdump())


def contents(projections: Projections) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted: equal whatever order the rows were written in."""
    names = [r[0] for r in projections.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()]
    return {
        name: sorted(projections.db.execute(f"SELECT * FROM [{name}]").fetchall(), key=repr)
        for name in names
    }


# Properties -----------------------------------------------------------------------

PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(operations=HISTORIES)
def test_what_an_environment_ran_at_any_instant_is_what_a_replay_of_the_events_up_to_then_says(
    operations: list[Any],
) -> None:
    with history(operations) as h:
        h.describe()
        h.projections.catch_up()
        events = raw_events(h.ledger)
        for instant in instants(events):
            for org in ORGS:
                for environment in ENVIRONMENTS:
                    expected = [
                        replayed_at(events, org, script, environment, instant)
                        for script in deployed_scripts(events, org, environment)
                    ]
                    snapshot = h.projections.snapshot(org=org, environment=environment, time=instant)
                    assert [strip(a) for a in snapshot] == expected, (org, environment, instant)
        for org, script in sorted(h.scripts):
            for environment in ENVIRONMENTS:
                for instant in instants(events)[::7]:  # `snapshot` above covers every instant
                    answer = h.projections.at(org=org, name=script, environment=environment, time=instant)
                    assert strip(answer) == replayed_at(events, org, script, environment, instant)


@PROPERTY
@given(operations=HISTORIES, data=st.data())
def test_the_config_at_any_instant_is_what_a_replay_of_the_config_events_up_to_then_resolves_to(
    operations: list[Any], data: st.DataObject,
) -> None:
    with history(operations) as h:
        h.describe()
        h.projections.catch_up()
        events = raw_events(h.ledger)
        chosen = data.draw(st.lists(st.sampled_from(instants(events)), min_size=1, max_size=6, unique=True))
        for instant in chosen:
            for org, script in sorted(h.scripts):
                for environment in ENVIRONMENTS:
                    expected = replayed_config(events, org, script, environment, instant, h.ledger)
                    revealed = h.projections.config_at(
                        org=org, name=script, environment=environment, time=instant, reveal=True
                    ).variables
                    assert {k: (v["value"], v["layer"]) for k, v in revealed.items()} == expected
                    assert {k: v["fingerprint"] for k, v in revealed.items()} == {
                        k: h.ledger.secrets.fingerprint_of(org, value) for k, (value, _) in expected.items()
                    }
                    masked = h.projections.config_at(
                        org=org, name=script, environment=environment, time=instant
                    ).variables
                    for key, (value, _) in expected.items():
                        if looks_secret(key) or marked_secret(events, org, key, instant):
                            assert masked[key]["value"] == MASK, key
                        else:
                            assert masked[key]["value"] in (value, MASK), key


def strip(answer: dict[str, Any]) -> dict[str, Any]:
    """The keys the issue specifies for one ``at`` answer (others may be added)."""
    keys = ("script", "environment", "time", "version", "since", "until", "set_by")
    return {k: answer[k] for k in keys}


# Examples -------------------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[Clock]:
    with installed(Clock()) as c:
        yield c


@pytest.fixture
def h(tmp_path: Path, clock: Clock) -> Iterator[History]:
    hist = History(tmp_path, clock)
    yield hist
    hist.close()


def at(h: History, instant: datetime, environment: str = "staging", script: str = "billing") -> dict[str, Any]:
    h.projections.catch_up()
    return h.projections.at(org="acme", name=script, environment=environment, time=instant)


def published(h: History, versions: int) -> None:
    for _ in range(versions):
        Publish(timedelta(seconds=1), "acme", "billing", "alice").apply(h)


def test_before_the_first_promotion_nothing_was_deployed(h: History, clock: Clock) -> None:
    published(h, 1)
    before = clock.advance(timedelta(seconds=1))
    clock.advance(timedelta(seconds=1))
    h.ledger.promote(org="acme", name="billing", version=1, environment="staging", actor="alice")

    answer = at(h, before)

    assert (answer["version"], answer["since"], answer["until"], answer["set_by"]) == (None, None, None, None)
    assert at(h, clock.now)["version"] == 1


def test_an_instant_on_a_move_belongs_to_the_interval_the_move_starts(h: History, clock: Clock) -> None:
    published(h, 2)
    first = clock.advance(timedelta(minutes=1))
    h.ledger.promote(org="acme", name="billing", version=1, environment="staging", actor="alice")
    second = clock.advance(timedelta(minutes=1))
    h.ledger.promote(org="acme", name="billing", version=2, environment="staging", actor="bob", reason="next")

    just_before = at(h, second - timedelta(microseconds=1))
    on_the_move = at(h, second)

    assert (just_before["version"], just_before["since"], just_before["until"]) == (
        1, utc_text(first), utc_text(second),
    )
    assert (on_the_move["version"], on_the_move["since"], on_the_move["until"]) == (2, utc_text(second), None)
    assert (on_the_move["set_by"]["actor"], on_the_move["set_by"]["reason"]) == ("bob", "next")


def test_an_instant_means_the_same_in_any_utc_offset(h: History, clock: Clock) -> None:
    published(h, 1)
    moved = clock.advance(timedelta(minutes=1))
    h.ledger.promote(org="acme", name="billing", version=1, environment="staging", actor="alice")
    in_india = moved.astimezone(timezone(timedelta(hours=5, minutes=30)))
    in_new_york = (moved - timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=-5)))

    assert at(h, in_india)["version"] == 1
    assert at(h, in_india)["time"] == utc_text(moved)
    assert at(h, in_new_york)["version"] is None


def test_two_moves_in_the_same_microsecond_leave_the_later_one_in_force(h: History, clock: Clock) -> None:
    published(h, 2)
    clock.advance(timedelta(minutes=1))
    h.ledger.promote(org="acme", name="billing", version=1, environment="staging", actor="alice")
    h.ledger.promote(org="acme", name="billing", version=2, environment="staging", actor="alice")

    answer = at(h, clock.now)

    assert (answer["version"], answer["until"]) == (2, None)
    assert answer["set_by"]["position"] == h.ledger.recorder.max_notification_id()


def test_a_writer_clock_running_backwards_never_makes_two_intervals_of_one_pointer_overlap(
    h: History, clock: Clock,
) -> None:
    published(h, 2)
    late = clock.advance(timedelta(minutes=10))
    h.ledger.promote(org="acme", name="billing", version=1, environment="staging", actor="alice")
    clock.now = late - timedelta(minutes=5)  # another writer whose clock is behind
    h.ledger.promote(org="acme", name="billing", version=2, environment="staging", actor="bob")
    h.projections.catch_up()

    intervals = list(h.projections.db.query(
        "SELECT version, valid_from, valid_to FROM pointer_intervals ORDER BY start_position"
    ))

    assert intervals == [
        {"version": 1, "valid_from": utc_text(late), "valid_to": utc_text(late)},
        {"version": 2, "valid_from": utc_text(late), "valid_to": None},
    ]
    assert at(h, late - timedelta(minutes=1))["version"] is None
    assert at(h, late)["version"] == 2


def test_config_at_an_instant_shows_the_values_of_that_instant(h: History, clock: Clock) -> None:
    published(h, 1)
    clock.advance(timedelta(minutes=1))
    h.ledger.set_variable(org="acme", key="MODEL", value="gpt-4", actor="alice")
    h.ledger.update_overlay(org="acme", name="billing", actor="alice", set_={"TEMPERATURE": "0.2"},
                            environment="production")
    then = clock.advance(timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    h.ledger.set_variable(org="acme", key="MODEL", value="gpt-5", actor="bob")
    h.ledger.update_overlay(org="acme", name="billing", actor="bob", delete=["TEMPERATURE"],
                            environment="production")
    h.projections.catch_up()

    past = h.projections.config_at(org="acme", name="billing", environment="production", time=then)
    now = h.projections.config_at(org="acme", name="billing", environment="production", time=clock.now)

    assert {k: (v["value"], v["layer"]) for k, v in past.variables.items()} == {
        "MODEL": ("gpt-4", "tenant"), "TEMPERATURE": ("0.2", "overlay[production]"),
    }
    assert {k: v["value"] for k, v in now.variables.items()} == {"MODEL": "gpt-5"}


def test_config_at_an_instant_before_any_config_is_empty(h: History, clock: Clock) -> None:
    published(h, 1)
    before = clock.advance(timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    h.ledger.set_variable(org="acme", key="MODEL", value="gpt-4", actor="alice")
    h.projections.catch_up()

    config = h.projections.config_at(org="acme", name="billing", environment="production", time=before)

    assert config.variables == {}


def test_a_value_whose_key_was_marked_secret_later_stays_masked_in_the_config_of_earlier_instants(
    h: History, clock: Clock,
) -> None:
    published(h, 1)
    clock.advance(timedelta(minutes=1))
    h.ledger.set_variable(org="acme", key="DB_URL", value="postgres://app:hunter2@db/app", actor="alice")
    then = clock.advance(timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))  # someone notices, and marks it secret
    h.ledger.set_variable(org="acme", key="DB_URL", value="postgres://app:hunter2@db/app", actor="alice",
                          secret=True)
    h.projections.catch_up()

    today = h.ledger.resolve_config(org="acme", name="billing", environment="production")
    past = h.projections.config_at(org="acme", name="billing", environment="production", time=then)

    assert today.variables["DB_URL"]["value"] == MASK
    assert past.variables["DB_URL"]["value"] == MASK


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        ("pointer_intervals",
         "SELECT * FROM pointer_intervals WHERE org = 'a' AND script = 's' AND environment = 'production'"
         " AND valid_from <= 'T' ORDER BY valid_from DESC, start_position DESC LIMIT 1"),
        ("revision_timestamps",
         "SELECT originator_version FROM revision_timestamps WHERE originator_id = 'x' AND timestamp <= 'T'"
         " ORDER BY timestamp DESC, originator_version DESC LIMIT 1"),
    ],
)
def test_a_lookup_by_instant_is_one_index_seek_without_sorting(h: History, table: str, sql: str) -> None:
    """The plan of the lookups ``interval_at`` and ``version_at`` run: O(log n) in the history."""
    plan = " | ".join(row[3] for row in h.projections.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())

    assert "SEARCH" in plan and "USING" in plan and "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert "SCAN" not in plan, plan


def test_the_lookup_queries_are_the_ones_the_views_run(h: History) -> None:
    """Guards the plan test above: the SQL checked there is the SQL the views execute."""
    seen: list[str] = []
    h.projections.db.conn.set_trace_callback(seen.append)
    h.projections.pointers.view.interval_at("a", "s", "production", "T")
    h.projections.timestamps.view.version_at(TenantVariables.create_id("a"), "T")
    h.projections.db.conn.set_trace_callback(None)

    flat = [" ".join(s.split()) for s in seen]
    assert any("FROM pointer_intervals" in s and "ORDER BY valid_from DESC, start_position DESC LIMIT 1" in s
               for s in flat), flat
    assert any("FROM revision_timestamps" in s and "ORDER BY timestamp DESC, originator_version DESC LIMIT 1" in s
               for s in flat), flat


def test_at_answers_from_the_read_model_without_loading_the_scripts_pointers(
    h: History, clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reads use views, not replays: loading the Deployment aggregates makes `at` cost grow
    with the pointers' histories (their snapshots hold every move), not O(log n)."""
    published(h, 2)
    for n in range(30):
        clock.advance(timedelta(minutes=1))
        h.ledger.promote(org="acme", name="billing", version=1 + n % 2, environment="staging", actor="ci")
    h.projections.catch_up()
    loaded: list[type] = []
    get = h.ledger.repository.get

    def spy(*args: Any, **kwargs: Any) -> Any:
        aggregate = get(*args, **kwargs)
        loaded.append(type(aggregate))
        return aggregate

    monkeypatch.setattr(h.ledger.repository, "get", spy)

    answer = h.projections.at(org="acme", name="billing", environment="staging", time=clock.now)

    assert answer["version"] == 2
    assert Deployment not in loaded, loaded
