"""Wake-ups from PostgreSQL: LISTEN on the channel every insert into the event table NOTIFYs.

Each API node keeps its own read models and catches them up from the log; on PostgreSQL it
need not poll for other nodes' writes: a thread LISTENs and calls ``wake`` on each
notification (bursts arrive together and cost one catch-up). A notification carries no
position and none is counted: the catch-up reads the log after the last id it applied, so
ids skipped by failed transactions never matter. Lost connections are re-opened; the
node's timed catch-up covers the moments without one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

log = logging.getLogger("revledger.projections")


class LogWakeups:
    """A daemon thread that calls ``wake()`` whenever the event table is written."""

    def __init__(self, env: Mapping[str, str], channel: str, wake: Callable[[], None]) -> None:
        self.conninfo = {
            "host": env.get("POSTGRES_HOST"), "port": int(env.get("POSTGRES_PORT") or 5432),
            "user": env.get("POSTGRES_USER"), "password": env.get("POSTGRES_PASSWORD", ""),
            "dbname": env.get("POSTGRES_DBNAME"), "connect_timeout": 5,
        }
        self.channel = channel
        self.wake = wake
        self.stopping = threading.Event()
        self.listening = threading.Event()
        self.thread = threading.Thread(target=self._run, name="revledger-listen", daemon=True)

    def start(self) -> LogWakeups:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2)

    def _run(self) -> None:
        import psycopg
        from psycopg import sql

        while not self.stopping.is_set():
            try:
                with psycopg.connect(autocommit=True, **self.conninfo) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening.set()
                    self.wake()  # whatever was written while we were not listening
                    while not self.stopping.is_set():
                        if any(True for _ in conn.notifies(timeout=0.5, stop_after=1)):
                            self.wake()
            except Exception:  # noqa: BLE001 - keep listening; the timed catch-up covers the gap
                self.listening.clear()
                log.warning("LISTEN %s lost; reconnecting", self.channel, exc_info=True)
                self.stopping.wait(1.0)
