"""The web UI's writes: signing in and out, and promote / roll back through the dry-run plan
and a confirm step.

A plan is the API's ``dry_run`` answer (``Ledger.plan_promotion`` / ``plan_rollback``); the
confirm form sends the move with the plan's current version as the expected one, so a move
made meanwhile by someone else is refused (409), never overwritten. The roles are the API's:
``Caller.require`` with the same role the routes ask for.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import ServicesDep, mover_role
from api.web.render import HEADERS, PageRoute, page, query
from api.web.sessions import COOKIE, COOKIE_PATH, MAX_AGE, WriterDep, VisitorDep, sessions_of, sign_in
from ledger.access import ForbiddenError
from ledger.application import UNSET
from ledger.errors import InvalidInputError
from ledger.names import ENVIRONMENTS

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

#: Before a session exists, the sign-in form's CSRF token is double-submitted: a cookie and a
#: hidden field that must match (a page on another site can set neither).
SIGN_IN_COOKIE = "revledger_sign_in"

Reason = Annotated[str, Form(max_length=10_000)]


def _safe_next(target: str | None) -> str:
    """Only a path of this UI (never another host) to go back to after signing in."""
    if target and target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/scripts"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("")
async def home() -> Response:
    return RedirectResponse("/ui/scripts", status_code=303, headers=HEADERS)


@router.get("/sign-in")
async def sign_in_form(
    request: Request,
    next: Annotated[str | None, Query(max_length=2000)] = None,  # noqa: A002
    message: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    check = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "sign_in.html", next=_safe_next(next), message=message, check=check)
    response.set_cookie(SIGN_IN_COOKIE, check, max_age=600, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


@router.post("/sign-in")
async def sign_in_submit(
    request: Request, services: ServicesDep,
    token: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/scripts",  # noqa: A002
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf_token.encode(), expected.encode()):
        raise ForbiddenError("the sign-in form's CSRF token is missing or wrong: reload the sign-in page")
    try:
        session = await sign_in(services, sessions_of(request), token)
    except Exception as refused:  # noqa: BLE001 - shown on the form, and re-raised if not a refusal
        from ledger.errors import LedgerError

        if not isinstance(refused, LedgerError):
            raise
        return page(request, "sign_in.html", 401, next=_safe_next(next), message=refused.message,
                    check=expected)
    response = RedirectResponse(_safe_next(next), status_code=303, headers=HEADERS)
    response.set_cookie(COOKIE, session.id, max_age=MAX_AGE, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=_secure(request))
    response.delete_cookie(SIGN_IN_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, visitor: WriterDep) -> Response:
    sessions_of(request).close(visitor.session.id)
    response = RedirectResponse("/ui/sign-in" + query(message="signed out"), status_code=303, headers=HEADERS)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


# Promote -------------------------------------------------------------------------


def _expected(text: str) -> int | None:
    """The confirm form's ``expect_current``: the plan's current version, or ``none``."""
    if text == "none":
        return None
    if not text.isdigit():
        raise InvalidInputError("expect_current must be a version number or 'none'")
    return int(text)


def _check_environment(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise InvalidInputError(f"unknown environment {environment!r}: use one of {', '.join(ENVIRONMENTS)}")


@router.get("/scripts/{name}/promote")
async def promote_plan(
    request: Request, name: str, visitor: VisitorDep, services: ServicesDep,
    environment: Annotated[str, Query(max_length=20)],
    version: Annotated[int, Query(ge=0, le=2**31)],
) -> Response:
    """The dry-run plan (gates, configuration changes, the CLI command) and the confirm form."""
    _check_environment(environment)
    visitor.caller.require(mover_role(environment), f"moving the {environment} pointer")
    plan = await services.read(services.ledger.plan_promotion, org=visitor.caller.org, name=name,
                               version=version, environment=environment)
    return page(request, "plan.html", visitor=visitor, plan=plan, name=name, environment=environment,
                may_override=visitor.may("deployer"))


@router.post("/scripts/{name}/promote")
async def promote(
    request: Request, name: str, visitor: WriterDep, services: ServicesDep,
    environment: Annotated[str, Form(max_length=20)],
    version: Annotated[int, Form(ge=0, le=2**31)],
    expect_current: Annotated[str, Form(max_length=20)],
    reason: Reason = "",
    override_gates: Annotated[bool, Form()] = False,
) -> Response:
    _check_environment(environment)
    caller = visitor.caller
    caller.require(mover_role(environment), f"moving the {environment} pointer")
    if override_gates:
        caller.require("deployer", "overriding promotion gates")
    move = await services.command(partial(
        services.ledger.promote, org=caller.org, name=name, version=version, environment=environment,
        actor=caller.actor, reason=reason.strip() or None, expect_current=_expected(expect_current),
        override_gates=override_gates,
    ))
    return page(request, "moved.html", visitor=visitor, move=move, name=name)


# Roll back -----------------------------------------------------------------------


@router.get("/scripts/{name}/rollback")
async def rollback_plan(
    request: Request, name: str, visitor: VisitorDep, services: ServicesDep,
    environment: Annotated[str, Query(max_length=20)],
    to: Annotated[int, Query(ge=0, le=2**31)] = 0,
    incident: Annotated[str, Query(max_length=63)] = "",
    reason: Annotated[str, Query(max_length=10_000)] = "",
) -> Response:
    """First the incident id (and reason); then the plan and the confirm form."""
    _check_environment(environment)
    visitor.caller.require(mover_role(environment), f"moving the {environment} pointer")
    org = visitor.caller.org
    plan: dict[str, Any] | None = None
    versions = await services.read(lambda: services.projections().list_versions(org=org, name=name))
    if incident.strip():
        plan = await services.read(
            services.ledger.plan_rollback, org=org, name=name, to=to, environment=environment,
            incident=incident.strip(), reason=reason.strip() or None, force=False,
        )
    return page(request, "rollback.html", visitor=visitor, plan=plan, name=name, environment=environment,
                to=to, incident=incident, reason=reason, versions=versions)


@router.post("/scripts/{name}/rollback")
async def rollback(
    request: Request, name: str, visitor: WriterDep, services: ServicesDep,
    environment: Annotated[str, Form(max_length=20)],
    to: Annotated[int, Form(ge=0, le=2**31)],
    incident: Annotated[str, Form(max_length=63)],
    expect_current: Annotated[str, Form(max_length=20)],
    reason: Reason = "",
) -> Response:
    _check_environment(environment)
    caller = visitor.caller
    caller.require(mover_role(environment), f"moving the {environment} pointer")
    if not incident.strip():
        raise InvalidInputError("a rollback from the web UI names its incident: enter the incident id")
    expected = _expected(expect_current) if expect_current else UNSET
    move = await services.command(partial(
        services.ledger.rollback, org=caller.org, name=name, to=to, actor=caller.actor,
        environment=environment, reason=reason.strip() or None, incident=incident.strip(),
        expect_current=expected,
    ))
    return page(request, "moved.html", visitor=visitor, move=move, name=name)
