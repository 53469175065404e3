"""Who a bearer token stands for, without replaying its aggregate.

A token's aggregate has at most two events (issued, revoked), and the last one says it all:
it names the org, name and role, and whether the token is revoked. So a check reads one row
of the event store by primary key, newest first, and decodes it: no snapshot lookup, no
replay, no cache to invalidate. A revocation is seen by the very next request, on every
process or node that shares the store. This is the one interface the HTTP edge calls.
"""

from __future__ import annotations

from typing import Any

from ledger.tokens import ApiToken, token_hash


class TokenCheck:
    """``principal_of(token)``: (org, name, role) of an active token, or None."""

    def __init__(self, recorder: Any, mapper: Any) -> None:
        self.recorder = recorder
        self.mapper = mapper

    def principal_of(self, token: str) -> tuple[str, str, str] | None:
        if not token:
            return None
        records = self.recorder.select_events(
            ApiToken.create_id(token_hash(token)), desc=True, limit=1
        )
        if not records:
            return None
        last = self.mapper.to_domain_event(records[0])
        if isinstance(last, ApiToken.TokenRevoked):
            return None
        return last.org, last.name, last.role
