"""Liveness and readiness: ``/health`` and ``/ready``, without a token."""

from __future__ import annotations

import time
from typing import Any

from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter

from api.dependencies import VERSION, ServicesDep
from api.problems import problem, problem_response
from api.schemas import HealthPublic, ProblemPublic, ReadyPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Liveness: the process is up")
async def health(services: ServicesDep) -> Any:
    uptime = round(time.monotonic() - services.started, 3)
    return {"status": "ok", "version": VERSION, "uptime_seconds": uptime}


@router.get(
    "/ready", response_model=ReadyPublic, summary="Readiness: the store answers, read models caught up",
    responses={503: {"model": ProblemPublic, "description": "Not ready, with the reason."}},
)
async def ready(services: ServicesDep) -> Any:
    def probe() -> tuple[int, int, int]:
        head = services.ledger.recorder.max_notification_id() or 0
        status = services.projections().status()
        position = min((row["position"] for row in status), default=head)
        return head, max((row["lag"] for row in status), default=0), position

    try:
        head, lag, position = await services.read(probe)
    except (PersistenceError, OSError) as error:
        return problem_response(problem(503, f"the event store does not answer: {error}"))
    verdict = services.log.verdict
    if verdict is not None and not verdict.ok:
        return problem_response(problem(
            503, f"the event store failed verification at position {verdict.first_bad_position}: "
            f"{verdict.reason}", first_bad_position=verdict.first_bad_position, reason=verdict.reason,
        ))
    if lag > 0:
        return problem_response(problem(
            503, f"the read models are {lag} events behind the log",
            head=head, projections_lag=lag, position=position))
    latest = await services.read(services.log.latest)
    checkpoint = None if latest is None else {"size": latest["size"], "time": latest["time"]}
    return {"status": "ready", "head": head, "projections_lag": lag, "position": position,
            "backend": services.settings.backend, "checkpoint": checkpoint,
            "verified": None if verdict is None else verdict.ok}
