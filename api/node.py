"""The long-lived objects of one server process (a node): the ledger, the read models, the
one writer, and how far the read models have caught up (read-your-writes across nodes).

Every command runs on a single writer thread, so SQLite never sees two writers from this
process (concurrent writers busy-wait and push tail latency up); reads run in the thread
pool. A command's response is sent only after the read models have applied it.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from api.errors import PositionNotReachedError
from api.problems import BadRequestError
from api.services import catch_up, master_key_notice, open_ledger, verifiable_log
from api.writer import BatchWriter
from api.settings import Settings
from ledger.application import Ledger
from projections.service import Projections
from projections.transparency import VerifiableLog

T = TypeVar("T")

#: Every write answers with its position in the log; a request carrying the second header is
#: answered only once this node's read models have reached that position.
POSITION_HEADER = "X-Revledger-Position"
MIN_POSITION_HEADER = "X-Revledger-Min-Position"

#: The installed distribution's version, reported by /health and the OpenAPI document.
VERSION = importlib.metadata.version("revision-ledger")


@dataclass
class Services:
    """The long-lived objects of one server process."""

    settings: Settings
    ledger: Ledger
    started: float = field(default_factory=time.monotonic)
    #: Every read model of this node has applied the log up to here (only grows).
    position: int = 0
    #: Set to ask the follower for a catch-up now (a NOTIFY, or a request waiting for a position).
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _local: threading.local = field(default_factory=threading.local)
    writer: BatchWriter = field(init=False)

    def __post_init__(self) -> None:
        self.writer = BatchWriter(self.catch_up, transaction=self.ledger.transaction)

    verifier: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="revledger-verifier")
    )

    @property
    def log(self) -> VerifiableLog:
        return verifiable_log(self.ledger)

    def verify(self) -> None:
        """Check the store against the witness file (when a signing key is configured)."""
        if self.settings.signing_key_file is not None:
            self.log.verify_store()

    def verify_later(self) -> None:
        """After a new checkpoint: verify again, off the writer thread."""
        self.verifier.submit(self._verify_logged)

    def _verify_logged(self) -> None:
        try:
            self.verify()
        except Exception:  # noqa: BLE001 - a verifier crash must not pass for a verdict
            logging.getLogger("revledger.api").exception("verifying the store failed")

    def projections(self) -> Projections:
        """This thread's handle on the read models (SQLite connections stay in their thread)."""
        handle = getattr(self._local, "projections", None)
        if handle is None:
            handle = self._local.projections = Projections(self.ledger, self.settings.projections_path)
        return handle  # type: ignore[no-any-return]

    async def write(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the writer thread."""
        return await self.writer.run(work)

    async def command(self, work: Callable[[], T], *, alone: bool = False) -> T:
        """Run a command on the writer thread; answer once the read models include it (one
        commit and one catch-up per batch of queued commands: read-your-writes). HTTP and gRPC
        commands both come this way; HTTP adds idempotency keys. ``alone``: not in a shared
        transaction (a command that waits on something outside, such as a run)."""
        return await self.writer.run(work, then_catch_up=True, alone=alone)

    async def read(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``work`` in the thread pool."""
        return await run_in_threadpool(work, *args, **kwargs)

    def catch_up(self) -> int:
        """Apply new events to the log tree and the read models (call on the writer thread only)."""
        head, signed = catch_up(self.ledger, self.projections())
        if signed:
            self.verify_later()
        self.position = max(self.position, head)
        return head

    async def reached(self, wanted: int, patience: float) -> bool:
        """Whether the read models reach ``wanted`` within ``patience`` seconds (catching up
        meanwhile): read-your-writes across nodes."""
        deadline = time.monotonic() + patience
        pause = 0.002
        while self.position < wanted:
            if time.monotonic() >= deadline:
                return False
            self.wake.set()
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)
        return True

    def close(self) -> None:
        self.writer.shutdown()
        self.verifier.shutdown(wait=True)
        self.log.close()
        self.ledger.close()


def open_services(settings: Settings) -> Services:
    ledger = open_ledger(settings)
    notice = master_key_notice(ledger)
    if notice:
        print(f"note: {notice}", file=sys.stderr, flush=True)
    services = Services(settings, ledger)
    services.log.on_checkpoint = services.verify_later
    return services


# The dependencies below do no I/O: ``async def``, so FastAPI calls them on the event loop
# instead of handing each to the thread pool (two thread hops per request saved).
async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_ledger(services: ServicesDep) -> Ledger:
    return services.ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


async def get_projections(services: ServicesDep) -> Callable[[], Projections]:
    """The read models, as a callable: call it on the thread that queries them."""
    return services.projections


ProjectionsDep = Annotated[Callable[[], Projections], Depends(get_projections)]


async def wait_for_position(
    request: Request,
    x_revledger_min_position: Annotated[
        str | None,
        Header(description="Answer only once this node's read models have reached this log "
                           "position (the X-Revledger-Position of an earlier write); else 503.",
               pattern=r"^[0-9]{1,18}$"),
    ] = None,
) -> None:
    if x_revledger_min_position is None:
        return
    text = x_revledger_min_position.strip()
    if not text.isdigit() or len(text) > 18:
        raise BadRequestError("X-Revledger-Min-Position must be a log position: a whole number >= 0")
    services: Services = request.app.state.services
    wanted = int(text)
    if not await services.reached(wanted, services.settings.min_position_wait):
        raise PositionNotReachedError(
            f"this node's read models are at position {services.position}, not yet at {wanted}: retry shortly",
            wanted, services.position)

