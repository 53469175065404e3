"""What routes depend on: the services, the caller and its role, and the one writer.

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

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.idempotency import IdempotencyKeyError, check_key, fingerprint
from api.problems import BadRequestError
from api.schemas import RequestPublic
from api.services import master_key_notice, open_ledger, verifiable_log
from api.writer import BatchWriter
from api.settings import Settings
from ledger.access import Principal, UnauthenticatedError, change_role
from ledger.application import Ledger
from ledger.approvals import RequestView
from ledger.idempotency import RecordedResponse
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
        self.writer = BatchWriter(self.catch_up)

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

    async def command(self, work: Callable[[], T]) -> T:
        """Run a command on the writer thread; answer once the read models include it (one
        catch-up per batch of queued commands: read-your-writes). HTTP and gRPC commands both
        come this way; HTTP adds idempotency keys."""
        return await self.writer.run(work, then_catch_up=True)

    async def read(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``work`` in the thread pool."""
        return await run_in_threadpool(work, *args, **kwargs)

    def catch_up(self) -> int:
        """Apply new events to the log tree and the read models (call on the writer thread only)."""
        if self.log.catch_up():
            self.verify_later()
        head = self.projections().catch_up()
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


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


def get_ledger(services: ServicesDep) -> Ledger:
    return services.ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def get_projections(services: ServicesDep) -> Callable[[], Projections]:
    """The read models, as a callable: call it on the thread that queries them."""
    return services.projections


ProjectionsDep = Annotated[Callable[[], Projections], Depends(get_projections)]


class PositionNotReachedError(Exception):
    """This node's read models did not reach the asked position in time (503 + Retry-After)."""

    def __init__(self, wanted: int, position: int) -> None:
        super().__init__(
            f"this node's read models are at position {position}, not yet at {wanted}: retry shortly"
        )
        self.wanted = wanted
        self.position = position


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
        raise PositionNotReachedError(wanted, services.position)


# The caller ---------------------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, description="A token printed by `revledger token create`.")


@dataclass(frozen=True)
class Caller:
    """The authenticated token and the organization the request is for."""

    principal: Principal
    org: str

    @property
    def actor(self) -> str:
        """Recorded as the actor of every change the request makes: the token's name."""
        return self.principal.name

    @property
    def token_scope(self) -> str:
        """What Idempotency-Keys are scoped to (with the org): this token."""
        return self.principal.token_id or self.principal.name

    def require(self, role: str, action: str) -> None:
        self.principal.check(self.org, role, action)

    def require_config_write(self, environment: str | None) -> None:
        """Production-scoped configuration needs a deployer, as production's pointer does."""
        self.require(change_role(environment), f"changing {environment or 'base'} configuration")


async def get_caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_organization_id: Annotated[
        str | None, Header(description="The organization (tenant) the request is for.")
    ] = None,
) -> Caller:
    """401 without a valid token, 400 without an organization, 403 for another org's token."""
    principal = getattr(request.state, "principal", None)  # authenticated at the edge
    token = credentials.credentials if credentials else None
    return await authenticate(services, token, x_organization_id, principal)


async def authenticate(
    services: Services, token: str | None, org: str | None, principal: Principal | None = None
) -> Caller:
    """The caller a bearer token and an organization stand for (HTTP and gRPC alike).

    Refuses a missing or unknown token, a missing organization, and a token of another
    organization, in that order, so a refusal never says whether another org's data exists.
    ``principal``: the token already authenticated (by the HTTP edge).
    """
    # Never authenticate from a history that failed verification (a deleted revocation, say).
    services.log.check_writable()
    if principal is None:
        if token is None:
            raise UnauthenticatedError("missing bearer token: send 'Authorization: Bearer <token>'")
        principal = await services.read(services.ledger.authenticate, token=token)
    if not org:
        raise BadRequestError("missing x-organization-id header: name the organization")
    caller = Caller(principal, org)
    caller.require("viewer", "reading")
    return caller


get_caller.role = "viewer"  # type: ignore[attr-defined]  # read by api/operations/routes.py


def _requires(role: str, action: str) -> Callable[..., Any]:
    async def check(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        caller.require(role, action)
        return caller

    check.role = role  # type: ignore[attr-defined]
    return check


ViewerDep = Annotated[Caller, Depends(get_caller)]
EditorDep = Annotated[Caller, Depends(_requires("editor", "this change"))]
AdminDep = Annotated[Caller, Depends(_requires("admin", "managing tokens"))]


def mover_role(environment: str) -> str:
    """Editors move development and staging; production needs a deployer."""
    return change_role(environment)


async def get_mover(env: str, caller: ViewerDep) -> Caller:
    caller.require(mover_role(env), f"moving the {env} pointer")
    return caller


get_mover.role = "environment"  # type: ignore[attr-defined]  # editor, deployer for production
MoverDep = Annotated[Caller, Depends(get_mover)]


def check_reveal(caller: Caller, reveal: bool) -> None:
    if reveal:
        caller.require("admin", "revealing secrets")


def revealed_keys(view: Any) -> list[str]:
    """The secret keys an answer shows in full (a variable, a list of them, an overlay, a config)."""
    if isinstance(view, list):
        return sorted({k for item in view for k in revealed_keys(item)})
    variables = getattr(view, "variables", None)
    if isinstance(variables, dict):
        return sorted(k for k, v in variables.items() if v.get("secret"))
    return [view.key] if getattr(view, "secret", False) else []


async def record_reveal(services: Services, caller: Caller, view: Any, what: str,
                        script: str | None = None, environment: str | None = None) -> Any:
    """Record a reveal over HTTP in the audit trail (who, which keys, when), then answer."""
    keys = revealed_keys(view)
    if keys:
        await services.command(lambda: services.ledger.record_reveal(
            org=caller.org, actor=caller.actor, keys=keys, what=what, script=script,
            environment=environment))
    return view


# Commands -----------------------------------------------------------------------------


@dataclass
class Commands:
    """Runs one request's command on the writer, answering a retried Idempotency-Key."""

    services: Services
    caller: Caller
    key: str | None
    fingerprint: str

    async def run(
        self,
        command: Callable[[], Any],
        schema: type[BaseModel],
        status_code: int = 200,
        *,
        remember: bool = True,
    ) -> JSONResponse:
        """``remember=False`` keeps the response out of the idempotency store (new tokens)."""
        stored, replayed = await self.services.command(
            lambda: self._execute(command, schema, status_code, remember)
        )
        headers = {POSITION_HEADER: str(self.position(stored.body))}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return JSONResponse(stored.body, status_code=stored.status, headers=headers)

    def _execute(
        self, command: Callable[[], Any], schema: type[BaseModel], status_code: int, remember: bool
    ) -> tuple[RecordedResponse, bool]:
        ledger = self.services.ledger
        if self.key is None or not remember:
            response = RecordedResponse(self.fingerprint, *self._body(command, schema, status_code))
            self.services.catch_up()
            return response, False
        scope = {"org": self.caller.org, "token": self.caller.token_scope, "key": self.key}
        try:
            with ledger.transaction():  # the events and the response commit together
                first = ledger.recorded_response(**scope)  # on PostgreSQL: the key's lock
                if first is not None:
                    return self._replay(first), True
                response = RecordedResponse(self.fingerprint, *self._body(command, schema, status_code))
                ledger.record_response(**scope, response=response)
        except IntegrityError:
            # Another node recorded this key first (nothing of ours was committed): theirs.
            first = ledger.recorded_response(**scope)
            if first is None:
                raise
            return self._replay(first), True
        return response, False

    def _replay(self, first: RecordedResponse) -> RecordedResponse:
        if first.fingerprint != self.fingerprint:
            raise IdempotencyKeyError(
                "this Idempotency-Key was used for a different request: nothing was done"
            )
        return first

    @staticmethod
    def _body(command: Callable[[], Any], schema: type[BaseModel], status_code: int) -> tuple[int, Any]:
        """The status and body; a change request instead of the change (approvals on) is 202."""
        result = command()
        if isinstance(result, RequestView) and schema is not RequestPublic:
            schema, status_code = RequestPublic, 202
        return status_code, schema.model_validate(result, from_attributes=True).model_dump(mode="json")

    def position(self, body: Any) -> int:
        """The write's position: the body's own, else how far this node's read models got
        right after it (at or past the write, so waiting for it reads the write)."""
        own = body.get("position") if isinstance(body, dict) else None
        return own if isinstance(own, int) else self.services.position


async def get_commands(
    request: Request,
    services: ServicesDep,
    caller: ViewerDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="Retrying with the same key returns the first response and records nothing new."),
    ] = None,
) -> Commands:
    key = check_key(idempotency_key) if idempotency_key is not None else None
    body = await request.body()
    return Commands(services, caller, key, fingerprint(request.method, request.url.path, request.url.query, body))


CommandsDep = Annotated[Commands, Depends(get_commands)]
