"""PostgreSQL for the tests: one server per session (``REVLEDGER_TEST_DATABASE_URL``, started by
``scripts/postgres.sh``), one template database with the schema made by `db init`, and a new
database per test copied from it (``CREATE DATABASE … TEMPLATE``: about as cheap as a file).

Without a server the PostgreSQL parameters are skipped locally; under ``CI=true`` they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

URL_VARIABLE = "REVLEDGER_TEST_DATABASE_URL"


def server_url() -> str | None:
    return os.environ.get(URL_VARIABLE) or None


def require_server() -> str:
    url = server_url()
    if url is None:
        message = f"no PostgreSQL server: set {URL_VARIABLE} (eval \"$(scripts/postgres.sh start)\")"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; under CI a missing server is a failure, not a skip")
        pytest.skip(message)
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Databases:
    """Creates databases on the session's server from one initialised template."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.admin = psycopg.connect(url, autocommit=True)
        self.template = f"revledger_tpl_{os.getpid()}_{secrets.token_hex(3)}"
        self.admin.execute(f'CREATE DATABASE "{self.template}"')
        from ledger.stores import init_store
        from api.settings import Settings

        init_store(Settings(database_url=with_database(url, self.template)).eventsourcing_env())
        self.made: list[str] = []

    def create(self) -> str:
        """A new database holding the schema and no events; its URL."""
        name = f"revledger_t_{secrets.token_hex(5)}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return with_database(self.url, name)

    def create_empty(self) -> str:
        """A new database without the revledger schema."""
        name = f"revledger_e_{secrets.token_hex(5)}"
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return with_database(self.url, name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)

    def close(self) -> None:
        for name in [*self.made, self.template]:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


_databases: Databases | None = None


def databases() -> Databases:
    """The session's database factory (made on first use)."""
    global _databases
    if _databases is None:
        _databases = Databases(require_server())
    return _databases


def close() -> None:
    global _databases
    if _databases is not None:
        _databases.close()
        _databases = None


@pytest.fixture
def pg_database() -> Iterator[str]:
    """The URL of a new, initialised PostgreSQL database (dropped afterwards)."""
    factory = databases()
    url = factory.create()
    yield url
    factory.drop(url)


#: ``params`` for a fixture parametrized by store.
STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
