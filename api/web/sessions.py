"""Web UI sessions: a token signs in once; the browser then holds only a session cookie.

The cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` over TLS, ``Path=/ui``) carries a
random session id. The token itself stays in this process's memory: never in the cookie, a
page, a log or a file. Each request authenticates the token again (through the same
``authenticate`` as the API), so a revoked token ends its sessions at once. Every form that
writes carries the session's CSRF token, checked in constant time.

Sessions live in one server process: signing in again is needed after a restart, and on
each node behind a load balancer without sticky sessions.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import Caller, Services, ServicesDep, authenticate
from ledger.access import ForbiddenError, Principal, UnauthenticatedError

COOKIE = "revledger_session"
COOKIE_PATH = "/ui"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
#: A session ends after this long without a request, and after ``MAX_AGE`` in any case.
IDLE_SECONDS = 8 * 3600
MAX_AGE = 24 * 3600


class SignInRequired(Exception):
    """No session (or an expired one): the page sends the browser to the sign-in form."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Session:
    id: str
    token: str = field(repr=False)
    org: str
    csrf: str = field(repr=False)
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)

    def expired(self, now: float) -> bool:
        return now - self.seen > IDLE_SECONDS or now - self.created > MAX_AGE


class Sessions:
    """The signed-in browsers of this process, by session id."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, token: str, org: str) -> Session:
        session = Session(secrets.token_urlsafe(32), token, org, secrets.token_urlsafe(32))
        with self._lock:
            now = time.monotonic()
            for stale in [s.id for s in self._sessions.values() if s.expired(now)]:
                del self._sessions[stale]
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            now = time.monotonic()
            if session is None or session.expired(now):
                self._sessions.pop(session_id, None)
                return None
            session.seen = now
            return session

    def close(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)


def sessions_of(request: Request) -> Sessions:
    state = request.app.state
    if getattr(state, "web_sessions", None) is None:
        state.web_sessions = Sessions()
    return state.web_sessions  # type: ignore[no-any-return]


async def sign_in(services: Services, sessions: Sessions, token: str) -> Session:
    """Check the token as the API does (unknown or revoked: refused) and open a session in
    the token's organization."""
    token = token.strip()
    if not token:
        raise UnauthenticatedError("enter an API token (revledger token create prints one)")
    principal: Principal = await services.read(services.ledger.authenticate, token=token)
    await authenticate(services, token, principal.org, principal)  # the same checks as the API
    return sessions.open(token, principal.org)


@dataclass(frozen=True)
class Visitor:
    """A signed-in browser: the API caller it stands for, and its session."""

    caller: Caller
    session: Session

    @property
    def role(self) -> str:
        return self.caller.principal.role

    def may(self, role: str) -> bool:
        """Whether this visitor's role reaches ``role`` (buttons it may not use are not shown)."""
        return self.caller.principal.has_role(role)


async def get_visitor(request: Request, services: ServicesDep) -> Visitor:
    session = sessions_of(request).get(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired()
    try:
        caller = await authenticate(services, session.token, session.org)
    except UnauthenticatedError as refused:
        sessions_of(request).close(session.id)
        raise SignInRequired(f"signed out: {refused.message}") from None
    visitor = Visitor(caller, session)
    request.state.web_visitor = visitor  # the page's navigation shows who is signed in
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


async def check_csrf(request: Request, visitor: VisitorDep) -> Visitor:
    """A write must carry the session's CSRF token (form field or header): else 403."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent.encode(), visitor.session.csrf.encode()):
        raise ForbiddenError("the form's CSRF token is missing or wrong: reload the page and try again")
    return visitor


WriterDep = Annotated[Visitor, Depends(check_csrf)]
