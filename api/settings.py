"""All settings, read in one place from the environment (prefix ``REVLEDGER_``)."""

from __future__ import annotations

import getpass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REVLEDGER_", extra="ignore")

    #: Data directory: the event store and the read models live here.
    home: Path = Path(".revledger")
    #: Organization used when a command is given no ``--org``.
    org: str = "default"
    #: Who is recorded as the actor when a command is given no ``--actor`` (default: OS user).
    actor: str | None = None
    #: Event store backend. Only the embedded SQLite store ships today.
    store: Literal["sqlite"] = "sqlite"
    #: ``postgresql://USER:PASSWORD@HOST:PORT/DB`` selects PostgreSQL as the event store (the
    #: read models stay in ``home``); unset, the store is the SQLite file ``home/ledger.db``.
    database_url: str | None = None
    #: Most seconds a request carrying ``X-Revledger-Min-Position`` waits for the read models.
    min_position_wait: float = 2.0
    #: Seconds a writer waits for the SQLite write lock before giving up.
    sqlite_lock_timeout: int = 30
    #: Command that runs a version for `revledger run` (overrides the org's `runner` policy).
    runner: str | None = None

    # HTTP API ---------------------------------------------------------------------
    #: Remote mode: the URL of a ``revledger serve`` (commands then talk HTTP to it).
    server: str | None = None
    #: Bearer token sent to ``server`` (``revledger token create`` prints one).
    token: str | None = None
    #: Remote mode: a file where the CLI remembers its last write's log position between runs,
    #: so a read after a write on another node behind a load balancer still sees it.
    #: Unset: only within one command (remote mode writes nothing locally by default).
    remote_positions: Path | None = None
    #: Seconds the HTTP client waits for the server.
    http_timeout: float = 30.0
    #: Where ``revledger serve`` listens.
    host: str = "127.0.0.1"
    port: int = 8080
    #: Largest request body the server accepts (bytes).
    max_body_bytes: int = 1024 * 1024
    #: Seconds between the server's catch-ups of the read models with the log.
    catch_up_interval: float = 0.5
    #: /ready answers 503 when the read models are more than this many events behind…
    ready_max_lag: int = 1000
    #: …or when an unapplied event has waited longer than this many seconds.
    ready_max_lag_seconds: float = 10.0
    #: Largest total size of a request's headers (bytes) and most headers in one request.
    max_header_bytes: int = 16 * 1024
    max_headers: int = 100
    #: Seconds a client may take to send a request's headers, and then its body.
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    #: Seconds an idle keep-alive connection stays open.
    keep_alive_timeout: float = 5.0
    #: Where ``revledger serve`` also serves gRPC (ScriptumService); None: gRPC is off.
    grpc_port: int | None = None
    #: A PEM certificate chain and its key: ``revledger serve`` then speaks TLS (HTTP and gRPC).
    tls_cert: Path | None = None
    tls_key: Path | None = None

    # Secrets at rest -------------------------------------------------------------
    #: The master key that wraps every organization's data keys (32 bytes, base64 on one line:
    #: `openssl rand -base64 32`). Keep it outside the data directory in production. Unset: the
    #: embedded default $REVLEDGER_HOME/keys/master.key, created on first use (mode 0600).
    master_key_file: Path | None = None

    # Verifiable log ---------------------------------------------------------------
    #: Sign a checkpoint every this many events (0: only on `revledger checkpoint` and exports).
    checkpoint_every: int = 1000
    #: The Ed25519 signing key (`revledger keys create`); keep it outside the data directory.
    #: Without one, no checkpoint is signed.
    signing_key_file: Path | None = None
    #: The witness file every checkpoint is appended to (default: $REVLEDGER_HOME/checkpoints.log).
    checkpoint_log: Path | None = None

    @property
    def witness_path(self) -> Path:
        return self.checkpoint_log or self.home / "checkpoints.log"

    @property
    def tree_path(self) -> Path:
        return self.home / "tree.db"

    @property
    def default_master_key_path(self) -> Path:
        return self.home / "keys" / "master.key"

    @property
    def master_key_path(self) -> Path:
        return self.master_key_file or self.default_master_key_path

    @property
    def ledger_path(self) -> Path:
        return self.home / "ledger.db"

    @property
    def projections_path(self) -> Path:
        return self.home / "projections.db"

    def default_actor(self) -> str:
        if self.actor:
            return self.actor
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "unknown"

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def store_label(self) -> str:
        """Where the events live, for output: the SQLite path or the URL without its password."""
        if self.database_url:
            return masked_url(self.database_url)
        return str(self.ledger_path)

    def eventsourcing_env(self, *, create_table: bool = False) -> dict[str, str]:
        """The eventsourcing environment mapping for the configured store.

        On PostgreSQL tables are never created on the way (concurrent `CREATE OR REPLACE
        FUNCTION`s race): `revledger db init` creates them once (``create_table=True``).
        """
        common = {"ARCHIVE_DIR": str(self.home / "archive"), "RUNNER": self.runner or "",
                  "MASTER_KEY_FILE": str(self.master_key_file or ""),
                  "MASTER_KEY_DEFAULT": str(self.default_master_key_path)}
        if self.database_url:
            return {**common, **postgres_env(self.database_url),
                    "CREATE_TABLE": "yes" if create_table else "no"}
        return {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.ledger_path),
            "SQLITE_LOCK_TIMEOUT": str(self.sqlite_lock_timeout),
        }


def parse_database_url(url: str) -> dict[str, str]:
    """``postgresql://user:password@host:port/db?schema=s`` as its parts (ValueError if not)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"database URL must start with postgresql:// (got {parts.scheme or 'no'} scheme)")
    dbname = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not dbname or not parts.username:
        raise ValueError("database URL needs a user, a host and a database: postgresql://USER:PASSWORD@HOST:PORT/DB")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ValueError("database URL has an invalid port") from None
    query = parse_qs(parts.query)
    return {
        "host": parts.hostname, "port": str(port), "user": unquote(parts.username),
        "password": unquote(parts.password or ""), "dbname": dbname,
        "schema": query.get("schema", [""])[0],
    }


def postgres_env(url: str) -> dict[str, str]:
    p = parse_database_url(url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": p["dbname"], "POSTGRES_HOST": p["host"], "POSTGRES_PORT": p["port"],
        "POSTGRES_USER": p["user"], "POSTGRES_PASSWORD": p["password"],
        "POSTGRES_CONNECT_TIMEOUT": "5", "POSTGRES_POOL_SIZE": "4", "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_PRE_PING": "yes",
    }
    if p["schema"]:
        env["POSTGRES_SCHEMA"] = p["schema"]
    return env


def masked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@lru_cache
def get_settings() -> Settings:
    return Settings()
