"""RFC 9457 problem details: every error over HTTP has one shape.

The server turns every ``LedgerError`` into ``application/problem+json`` with the status,
``type`` and ``title`` of its row in the error table (``api/errors.py``); the HTTP client
turns that ``type`` back into the same class, so the CLI prints the same line and exit code
in remote mode. FastAPI is imported only by :func:`install`, so the client stays light.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from api.errors import TYPE_PREFIX, BadRequestError, error_class, row_of
from ledger.access import UnauthenticatedError
from ledger.errors import InvalidInputError, LedgerError

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
BLANK = "about:blank"

__all__ = ["BLANK", "PROBLEM_JSON", "TYPE_PREFIX", "BadRequestError", "error_class", "install",
           "invalid_request", "ledger_problem", "problem", "problem_response", "problem_type"]


def problem_type(error: type[LedgerError]) -> str:
    """``NotFoundError`` → ``urn:revledger:problem:not-found`` (from the error table)."""
    return row_of(error).type


def problem(status: int, detail: str, *, title: str | None = None, type_: str = BLANK,
            **extensions: Any) -> dict[str, Any]:
    return {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extensions,
    }


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    from starlette.responses import JSONResponse

    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def ledger_problem(error: LedgerError) -> dict[str, Any]:
    """The problem for a domain error, with its structured detail (``extra()``) as members."""
    row = row_of(error)
    return problem(row.status, error.message, title=row.title, type_=row.type, **error.extra())


async def _ledger_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, UnauthenticatedError) else None
    return problem_response(ledger_problem(exc), headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    raw: list[dict[str, Any]] = list(exc.errors())  # type: ignore[attr-defined]
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in raw]
    first = raw[0] if raw else {"msg": "invalid request"}
    where = ".".join(str(part) for part in first.get("loc", ()))
    reason = first.get("ctx", {}).get("error") if first.get("type") == "json_invalid" else None
    message = f"{first['msg']}: {reason}" if reason else first["msg"]
    detail = f"{where}: {message}" if where else message
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return problem_response(invalid_request(detail, errors))


#: What FastAPI says when a body cannot even be decoded (invalid UTF-8, say).
_UNPARSABLE_BODY = "There was an error parsing the body"


def invalid_request(detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The one shape of every refused request body (422, ``invalid-request``)."""
    return problem(422, detail, title="Invalid request", type_=TYPE_PREFIX + "invalid-request", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code  # type: ignore[attr-defined]
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).description  # type: ignore[attr-defined]
    if status == 405:
        from api.edge import method_not_allowed

        return method_not_allowed(request.app, request.scope)  # type: ignore[no-any-return]
    if status == 400 and detail == _UNPARSABLE_BODY:
        error = {"loc": ["body"], "msg": "the body is not UTF-8 JSON", "type": "json_invalid"}
        return problem_response(invalid_request("body: the body is not UTF-8 JSON", [error]))
    return problem_response(problem(status, detail), getattr(exc, "headers", None))


async def _not_unicode(request: Request, exc: Exception) -> JSONResponse:
    """A lone surrogate that got past the checks (JSON allows ``\\udfff``): bad input, not a 500."""
    return problem_response(ledger_problem(InvalidInputError(
        "the request holds a lone surrogate, which is not Unicode text: nothing was done")))


def install(app: FastAPI) -> None:
    """Register the handlers: domain errors, request validation, and HTTP errors."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(UnicodeEncodeError, _not_unicode)

