"""HTTP writes: one request's command on the node's writer, recorded under its
Idempotency-Key (a retry with the same key is answered with the first response)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.caller import Caller, ViewerDep
from api.idempotency import IdempotencyKeyError, check_key, fingerprint
from api.node import POSITION_HEADER, Services, ServicesDep
from api.schemas import RequestPublic
from ledger.approvals import RequestView
from ledger.idempotency import RecordedResponse


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
        schema: type[BaseModel] | None,
        status_code: int = 200,
        *,
        remember: bool = True,
        held: bool = True,
    ) -> JSONResponse:
        """``schema=None``: the command answers JSON-ready already. ``remember=False`` keeps
        the response out of the idempotency store (new tokens). ``held=False``: a command too
        long to hold one transaction for (a run records its start, waits for the runner, then
        records its end) runs alone on the writer, not in its batch's transaction: see
        :meth:`_execute`."""
        stored, replayed = await self.services.command(
            lambda: self._execute(command, schema, status_code, remember, held), alone=not held
        )
        headers = {POSITION_HEADER: str(self.position(stored.body))}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return JSONResponse(stored.body, status_code=stored.status, headers=headers)

    def _execute(
        self, command: Callable[[], Any], schema: type[BaseModel] | None, status_code: int, remember: bool,
        held: bool = True,
    ) -> tuple[RecordedResponse, bool]:
        """Held: the command's events and the key's response commit in one transaction. Not
        held (a run): the key is looked up before the command runs outside any transaction, and
        its response recorded after. Both happen on this node's one writer, so a retry sent here
        while the first attempt runs waits for it and gets its response; two first attempts on
        two nodes at once may then both run (the response recorded first answers both)."""
        ledger = self.services.ledger
        if self.key is None or not remember:
            # (the writer catches the read models up once the batch is committed)
            return RecordedResponse(self.fingerprint, *self._body(command, schema, status_code)), False
        scope = {"org": self.caller.org, "token": self.caller.token_scope, "key": self.key}
        response: RecordedResponse | None = None
        try:
            if not held:
                first = ledger.recorded_response(**scope)
                if first is not None:
                    return self._replay(first), True
                response = RecordedResponse(self.fingerprint, *self._body(command, schema, status_code))
            with ledger.transaction():
                first = ledger.recorded_response(**scope)  # on PostgreSQL: the key's lock
                if first is not None:
                    return self._replay(first), True
                if response is None:
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
    def _body(command: Callable[[], Any], schema: type[BaseModel] | None, status_code: int) -> tuple[int, Any]:
        """The status and body; a change request instead of the change (approvals on) is 202."""
        result = command()
        if schema is None:
            return status_code, result
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
