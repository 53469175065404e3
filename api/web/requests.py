"""The web UI's change requests (two-person approvals): the list, filtered by state and
environment; one request with its command, plan, approvals and outcome; and approving or
rejecting it, as the signed-in token's principal (the ledger checks the role the change needs,
the requester, and one principal counting once, as for ``POST /v1/requests/{id}/approve``).

The pages call what the ``/v1/requests`` routes call, as the signed-in token. A configuration request's secret values are masked in its command (they are sealed in
the store); the page shows them by fingerprint only.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response

from api.dependencies import ServicesDep
from api.web.render import PageRoute, page
from api.web.sessions import Visitor, VisitorDep, WriterDep
from ledger.errors import InvalidInputError
from ledger.change_request import CONFIG_OPERATIONS, STATES
from ledger.names import ENVIRONMENTS

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

Choice = Annotated[str, Query(max_length=20)]
Reason = Annotated[str, Form(max_length=10_000)]


@router.get("/requests")
async def requests(
    request: Request, visitor: VisitorDep, services: ServicesDep, state: Choice = "open", environment: Choice = "",
) -> Response:
    """Open requests by default; ``state=`` (empty) for every state."""
    org = visitor.caller.org
    rows = await services.read(lambda: services.projections().requests(
        org=org, environment=environment or None, state=state or None))
    return page(request, "requests.html", visitor=visitor, rows=rows, state=state, environment=environment,
                states=STATES, environments=ENVIRONMENTS)


@router.get("/requests/{request_id}")
async def change_request(request: Request, request_id: str, visitor: VisitorDep, services: ServicesDep) -> Response:
    """One request (by its id or a unique prefix)."""
    org = visitor.caller.org

    def read():  # noqa: ANN202 (a RequestView)
        full = services.projections().resolve_request_id(org, request_id)
        return services.ledger.get_request(org=org, request_id=full)

    return shown(request, visitor, await services.read(read))


def shown(request: Request, visitor: Visitor, found: Any, done: str | None = None) -> Response:
    may_decide = (found.state == "open" and visitor.may(found.role) and visitor.caller.actor != found.requester
                  and visitor.caller.actor not in found.approvers)
    return page(request, "request.html", visitor=visitor, r=found, config=found.operation in CONFIG_OPERATIONS,
                may_decide=may_decide, done=done)


@router.post("/requests/{request_id}/approve")
async def approve(request: Request, request_id: str, visitor: WriterDep, services: ServicesDep,
                  reason: Reason = "") -> Response:
    """Approve as the signed-in principal; the last approval applies the change."""
    caller = visitor.caller
    caller.require("editor", "approving a change request")
    full = await services.read(lambda: services.projections().resolve_request_id(caller.org, request_id))
    found = await services.command(partial(
        services.ledger.approve_request, org=caller.org, request_id=full, actor=caller.actor,
        role=caller.principal.role, reason=reason.strip() or None))
    done = {"applied": "Approved: the change is applied.", "open": "Approved: it waits for more approvals.",
            }.get(found.state, f"Approved, but not applied: {found.outcome}")
    return shown(request, visitor, found, done)


@router.post("/requests/{request_id}/reject")
async def reject(request: Request, request_id: str, visitor: WriterDep, services: ServicesDep,
                 reason: Reason = "") -> Response:
    caller = visitor.caller
    caller.require("editor", "rejecting a change request")
    if not reason.strip():
        raise InvalidInputError("rejecting a change request needs a reason saying why")
    full = await services.read(lambda: services.projections().resolve_request_id(caller.org, request_id))
    found = await services.command(partial(
        services.ledger.reject_request, org=caller.org, request_id=full, actor=caller.actor,
        role=caller.principal.role, reason=reason.strip()))
    return shown(request, visitor, found, "Rejected: nothing will change.")
