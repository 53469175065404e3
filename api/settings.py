"""All settings, read in one place from the environment (prefix ``REVLEDGER_``)."""

from __future__ import annotations

import getpass
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    #: Seconds a writer waits for the SQLite write lock before giving up.
    sqlite_lock_timeout: int = 30
    #: Command that runs a version for `revledger run` (overrides the org's `runner` policy).
    runner: str | None = None

    # HTTP API ---------------------------------------------------------------------
    #: Remote mode: the URL of a ``revledger serve`` (commands then talk HTTP to it).
    server: str | None = None
    #: Bearer token sent to ``server`` (``revledger token create`` prints one).
    token: str | None = None
    #: Seconds the HTTP client waits for the server.
    http_timeout: float = 30.0
    #: Where ``revledger serve`` listens.
    host: str = "127.0.0.1"
    port: int = 8080
    #: Largest request body the server accepts (bytes).
    max_body_bytes: int = 1024 * 1024
    #: Seconds between the server's catch-ups of the read models with the log.
    catch_up_interval: float = 0.5
    #: Where ``revledger serve`` also serves gRPC (ScriptumService); None: gRPC is off.
    grpc_port: int | None = None
    #: A PEM certificate chain and its key: ``revledger serve`` then speaks TLS (HTTP and gRPC).
    tls_cert: Path | None = None
    tls_key: Path | None = None

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
    def ledger_path(self) -> Path:
        return self.home / "ledger.db"

    @property
    def projections_path(self) -> Path:
        return self.home / "projections.db"

    @property
    def idempotency_path(self) -> Path:
        return self.home / "idempotency.db"

    def default_actor(self) -> str:
        if self.actor:
            return self.actor
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "unknown"

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing environment mapping for the configured store."""
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.ledger_path),
            "SQLITE_LOCK_TIMEOUT": str(self.sqlite_lock_timeout),
            "ARCHIVE_DIR": str(self.home / "archive"),
            "RUNNER": self.runner or "",
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
