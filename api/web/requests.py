"""The web UI's change requests (two-person approvals): the list, filtered by state and
environment, and one request with its command, plan, approvals and outcome. Read-only:
approving stays with the CLI and ``POST /v1/requests/{id}/approve``, as the token's principal.

The pages call what ``GET /v1/requests`` and ``GET /v1/requests/{id}`` call, as the signed-in
token. A configuration request's secret values are masked in its command (they are sealed in
the store); the page shows them by fingerprint only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.dependencies import ServicesDep
from api.web.render import PageRoute, page
from api.web.sessions import VisitorDep
from ledger.change_request import CONFIG_OPERATIONS, STATES
from ledger.names import ENVIRONMENTS

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

Choice = Annotated[str, Query(max_length=20)]


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

    found = await services.read(read)
    return page(request, "request.html", visitor=visitor, r=found, config=found.operation in CONFIG_OPERATIONS)
