"""Shared fixtures: a Ledger on a temporary SQLite file, a CLI runner on a temporary home,
and random-suffix names so tests never depend on each other's data."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.testing import CliRunner, Result

from ledger.application import Ledger
from ledger.content import from_value
from tests import postgres
from tests.postgres import STORES, pg_database  # noqa: F401 (a fixture for every test)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests about the SQLite file itself run on SQLite only."""
    kept = [i for i in items if not (i.get_closest_marker("sqlite_only") and on_postgres(i))]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgresql" in callspec.params.values()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    postgres.close()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The event store a test runs on: None for the SQLite file, else a new PostgreSQL
    database's URL (with the schema, no events)."""
    if request.param == "sqlite":
        yield None
        return
    factory = postgres.databases()
    url = factory.create()
    yield url
    factory.drop(url)


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


# Names ---------------------------------------------------------------------------


@pytest.fixture
def random_name() -> Callable[[str], str]:
    """``random_name("svc")`` → ``svc-1a2b3c``: a valid, unique slug."""

    def make(prefix: str = "script") -> str:
        return f"{prefix}-{secrets.token_hex(3)}"

    return make


# The application on a temporary SQLite file -------------------------------------


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def open_ledger(db_path: Path) -> Iterator[Callable[[], Ledger]]:
    """Opens (another) Ledger on the same SQLite file; all are closed at teardown."""
    opened: list[Ledger] = []

    def open_() -> Ledger:
        app = Ledger(env=sqlite_env(db_path))
        opened.append(app)
        return app

    yield open_
    for app in opened:
        app.close()


@pytest.fixture
def ledger(open_ledger: Callable[[], Ledger]) -> Ledger:
    return open_ledger()


@pytest.fixture
def fresh_db(db_path: Path) -> Path:
    """A path where no store exists yet."""
    assert not db_path.exists()
    return db_path


def log_size(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.fixture
def make_script(ledger: Ledger) -> Callable[..., str]:
    """``make_script("svc", versions=2)``: create a script with versions {"v": 1}, {"v": 2} …"""

    def make(name: str, versions: int = 1, org: str = "acme", app: Ledger | None = None) -> str:
        app = app or ledger
        app.create_script(org=org, name=name, actor="alice")
        for number in range(1, versions + 1):
            app.save_draft(
                org=org, name=name, content=from_value({"v": number}, "json"), actor="alice"
            )
            app.publish(org=org, name=name, actor="alice")
        return name

    return make


@pytest.fixture
def ship(ledger: Ledger) -> Callable[..., Any]:
    """``ship(2)``: promote version 2 of svc to staging, then to production (the product's path:
    production may require that staging ran a version first). Returns the production move."""

    def ship_(
        version: int, name: str = "svc", org: str = "acme", actor: str = "alice", **kwargs: Any
    ) -> Any:
        ledger.promote(org=org, name=name, version=version, environment="staging", actor=actor)
        return ledger.promote(
            org=org, name=name, version=version, environment="production", actor=actor, **kwargs
        )

    return ship_


# The CLI on a temporary home ------------------------------------------------------

_build_command = typer.testing._get_command
_commands: dict[int, Any] = {}


def _cached_command(app: Any) -> Any:
    """Typer rebuilds the click command tree on every invoke (most of its cost): build it once."""
    if id(app) not in _commands:
        _commands[id(app)] = _build_command(app)
    return _commands[id(app)]


class Cli:
    """Runs ``revledger`` in-process against one data directory."""

    def __init__(self, home: Path, workdir: Path, database_url: str | None = None) -> None:
        self.home = home
        self.workdir = workdir
        self.database_url = database_url
        self.runner = CliRunner()

    def open(self) -> Ledger:
        """The store the CLI uses, opened directly."""
        from api.services import open_ledger
        from api.settings import Settings

        return open_ledger(Settings(home=self.home, database_url=self.database_url))

    def fingerprint(self, value: str, org: str = "default") -> str:
        """The fingerprint outputs show for ``value`` in ``org`` (keyed per organization)."""
        ledger = self.open()
        try:
            return ledger.secrets.fingerprint_of(org, value)
        finally:
            ledger.close()

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        from api.cli import app

        if (self.database_url is None and not (self.home / "ledger.db").exists()) or not (
                self.home / "keys" / "master.key").exists():
            # (and the master key, made on first opening and announced once: issue 16)
            # Create the store first, so commands do not say they created it (a new SQLite
            # store is announced once on stderr: tests/e2e/test_cli_new_store.py checks that).
            from ledger.errors import LedgerError

            try:
                self.open().close()
            except LedgerError:
                pass  # a store refusing to open: the command itself reports it
        return self.runner.invoke(app, list(args), env=env)

    def ok(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        result = self(*args, env=env)
        assert result.exit_code == 0, (
            result.exit_code,
            result.stdout,
            result.stderr,
            result.exception,
        )
        assert result.stderr == ""
        return result

    def json(self, *args: str, env: dict[str, str | None] | None = None) -> Any:
        return json.loads(self.ok(*args, "-o", "json", env=env).stdout)

    def fails(self, *args: str, code: int = 1, env: dict[str, str | None] | None = None) -> str:
        """Run a command that must be refused: one ``error:`` line on stderr, nothing on stdout."""
        result = self(*args, env=env)
        assert result.exit_code == code, (
            result.exit_code,
            result.stdout,
            result.stderr,
            result.exception,
        )
        assert isinstance(result.exception, SystemExit), result.exception  # not a crash
        assert "Traceback" not in result.output
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")
        return lines[0].removeprefix("error: ")

    def write(self, name: str, text: str | bytes) -> str:
        path = self.workdir / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)

    def log_size(self) -> int:
        """How many events the store holds (0 if it was never created)."""
        if (self.database_url is None and not (self.home / "ledger.db").exists()) or not (
                self.home / "keys" / "master.key").exists():
            # (and the master key, made on first opening and announced once: issue 16)
            return 0
        app = self.open()
        try:
            return log_size(app)
        finally:
            app.close()

    def ship(self, name: str, version: int | str, *options: str) -> Any:
        """Promote via staging to production (the product's path); the production move as JSON."""
        self.ok("promote", name, "--version", str(version), "--to", "staging")
        return self.json("promote", name, "--version", str(version), "--to", "production", *options)

    def given_script(
        self, name: str, versions: int = 1, org: str = "default", shipped: tuple[int, ...] = ()
    ) -> str:
        """Seed the store directly: ``name`` with versions {"v": 1} … and ``shipped`` versions
        promoted to staging then production, in order."""
        self.home.mkdir(parents=True, exist_ok=True)
        app = self.open()
        try:
            app.create_script(org=org, name=name, actor="seed")
            for number in range(1, versions + 1):
                app.save_draft(
                    org=org, name=name, content=from_value({"v": number}, "json"), actor="seed"
                )
                app.publish(org=org, name=name, actor="seed")
            for number in shipped:
                for environment in ("staging", "production"):
                    app.promote(
                        org=org, name=name, version=number, environment=environment, actor="seed"
                    )
        finally:
            app.close()
        return name

    def events(self) -> list[Any]:
        app = self.open()
        try:
            return [
                app.mapper.to_domain_event(n)
                for n in app.recorder.select_notifications(start=1, limit=10_000)
            ]
        finally:
            app.close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str | None) -> Cli:
    """The CLI with ``REVLEDGER_HOME`` in a temporary directory, run from another one, on each
    store: the SQLite file in that home, and a new PostgreSQL database."""
    home = tmp_path / "home"
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("REVLEDGER_HOME", str(home))
    monkeypatch.setenv("REVLEDGER_ACTOR", "tester")
    monkeypatch.delenv("REVLEDGER_ORG", raising=False)
    monkeypatch.setattr(typer.testing, "_get_command", _cached_command)
    if store is None:
        monkeypatch.delenv("REVLEDGER_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("REVLEDGER_DATABASE_URL", store)
    return Cli(home, workdir, store)
