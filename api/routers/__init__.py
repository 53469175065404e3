"""One router per resource. Each route parses input, calls one service method, returns a schema."""

from __future__ import annotations

from typing import Any

from api.schemas import ProblemPublic


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can give (401 and 403 always)."""
    described = {
        400: "Missing x-organization-id header.",
        401: "Missing, unknown or revoked token.",
        403: "Token of another organization, or role too low.",
        404: "Not found in this organization.",
        409: "Conflict or refusal in the current state.",
        413: "Request body over the size limit.",
        422: "Invalid input.",
    }
    return {
        status: {"model": ProblemPublic, "description": described[status]}
        for status in sorted({400, 401, 403, 422, *statuses})
    }
