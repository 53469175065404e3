"""How ``revledger serve`` runs uvicorn: limits on what a connection may send, and when.

* Headers: at most ``max_header_bytes`` in all (h11's incomplete-event limit: a larger
  header block is refused with 431 before it is buffered) and at most ``max_headers``
  fields (431 problem, from :class:`api.edge.Edge`).
* Time: a client has ``header_timeout`` seconds from its first byte (or from connecting)
  to finish a request's headers, then ``body_timeout`` seconds to finish its body; past
  either the connection is closed. Idle keep-alive connections close after
  ``keep_alive_timeout``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.settings import Settings


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with deadlines for a request's headers and its body."""

    header_timeout = 10.0
    body_timeout = 30.0

    _guard: asyncio.TimerHandle | None = None
    _phase: str | None = None

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm("headers", self.header_timeout)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._phase != "headers":
                self._arm("headers", self.header_timeout)  # a new request has started arriving
        elif state is h11.SEND_BODY:
            if self._phase != "body":
                self._arm("body", self.body_timeout)
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, phase: str, seconds: float) -> None:
        self._disarm()
        self._phase = phase
        self._guard = self.loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self._guard is not None:
            self._guard.cancel()
        self._guard, self._phase = None, None

    def _expire(self) -> None:
        self._guard = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()


def uvicorn_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration for ``app`` with the settings' limits."""
    protocol = type("Protocol", (GuardedH11Protocol,), {
        "header_timeout": settings.header_timeout, "body_timeout": settings.body_timeout,
    })
    return uvicorn.Config(
        app, http=protocol, h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=max(1, round(settings.keep_alive_timeout)), log_level="warning", **options,
    )
