"""Liveness and readiness: ``/health`` and ``/ready``, without a token."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, Request

from api.dependencies import VERSION, ServicesDep
from api.problems import problem, problem_response
from api.schemas import HealthPublic, ProblemPublic, ReadyPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, summary="Liveness: the process is up")
async def health(services: ServicesDep) -> Any:
    uptime = round(time.monotonic() - services.started, 3)
    return {"status": "ok", "version": VERSION, "uptime_seconds": uptime}


@dataclass
class LagWatch:
    """Since when the read models have been behind a given head of the log."""

    behind_head: int = 0
    since: float = 0.0

    def seconds_behind(self, head: int, position: int) -> float:
        """How long the oldest event noticed unapplied (and not yet applied) has waited."""
        now = time.monotonic()
        if position >= head:
            self.behind_head = 0
            return 0.0
        if self.behind_head == 0 or position >= self.behind_head:
            self.behind_head, self.since = head, now  # caught up past the last one noticed
        return now - self.since


@router.get(
    "/ready", response_model=ReadyPublic,
    summary="Readiness: the store answers, read models within the lag bounds",
    description="200 while the read models are at most `REVLEDGER_READY_MAX_LAG` events behind the "
    "log and no unapplied event has waited longer than `REVLEDGER_READY_MAX_LAG_SECONDS`; "
    "the body reports the lag either way.",
    responses={503: {"model": ProblemPublic, "description": "Not ready, with the reason."}},
)
async def ready(request: Request, services: ServicesDep) -> Any:
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
    watch = request.app.state.__dict__.setdefault("lag_watch", LagWatch())
    waited = watch.seconds_behind(head, head - lag)
    settings = services.settings
    if lag > settings.ready_max_lag:
        return problem_response(problem(
            503, f"the read models are {lag} events behind the log (more than {settings.ready_max_lag})",
            head=head, projections_lag=lag, position=position))
    if lag and waited > settings.ready_max_lag_seconds:
        return problem_response(problem(
            503, f"the read models are {lag} events behind the log, for {waited:.1f} s "
            f"(more than {settings.ready_max_lag_seconds:g} s)",
            head=head, projections_lag=lag, position=position))
    latest = await services.read(services.log.latest)
    checkpoint = None if latest is None else {"size": latest["size"], "time": latest["time"]}
    return {"status": "ready", "head": head, "projections_lag": lag, "position": position,
            "backend": services.settings.backend, "lag_seconds": round(waited, 3), "checkpoint": checkpoint,
            "verified": None if verdict is None else verdict.ok}
