"""Rendering the web UI: Jinja2 templates (autoescaped), the security headers every page
carries, and the one place UI errors become pages.

``PageRoute`` is the route class of every /ui route: a domain error becomes an HTML page
with the status the API gives the same error (its row in ``api/errors.py``), a bad query a
422 page, and a missing session a redirect to the sign-in form (back to the same URL).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from api.web.sessions import CSRF_FIELD, SignInRequired
from api.errors import row_of
from ledger.errors import LedgerError

HERE = Path(__file__).parent
STATIC = HERE / "static"

#: No other host, ever: scripts, styles, images, fetches and form targets are this origin's.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def when(value: Any) -> Markup:
    """An instant as ``<time>``: UTC in the page, the viewer's zone once app.js runs, and
    UTC on hover (the title)."""
    if value is None or value == "":
        return Markup('<span class="muted">—</span>')
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(utc.isoformat(), text, text)


def version_text(value: Any) -> str:
    return "none" if value is None else f"v{value}"


def query(**params: Any) -> str:
    """``?a=1&b=2`` from the parameters that are set (for stable, pasteable links)."""
    kept = {k: v for k, v in params.items() if v not in (None, "", [], False)}
    return "?" + urlencode(kept, doseq=True) if kept else ""


templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(("html", "svg")),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["when"] = when
templates.filters["v"] = version_text
templates.globals["query"] = query
templates.globals["CSRF_FIELD"] = CSRF_FIELD


def page(request: Request, template_name: str, status_code: int = 200, /, **context: Any) -> HTMLResponse:
    """Render ``name``; an htmx request for a fragment gets only the template's ``fragment``
    block when it has one."""
    template = templates.get_template(template_name)
    if context.get("visitor") is None:
        context["visitor"] = getattr(request.state, "web_visitor", None)
    context.update(request=request, path=request.url.path, here=str(request.url.path) +
                   (f"?{request.url.query}" if request.url.query else ""))
    if request.headers.get("HX-Request") and "fragment" in template.blocks:
        body = "".join(template.blocks["fragment"](template.new_context(context)))
    else:
        body = template.render(context)
    return HTMLResponse(body, status_code=status_code, headers=HEADERS)


def download(body: str, media_type: str, filename: str, csp: str = CSP) -> Response:
    headers = {**HEADERS, "Content-Security-Policy": csp,
               "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


def error_page(request: Request, status: int, title: str, message: str, visitor: Any = None) -> HTMLResponse:
    return page(request, "error.html", status, title=title, message=message, status=status,
                visitor=visitor)


def sign_in_redirect(request: Request, message: str = "") -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = request.headers.get("referer", "") or "/ui/scripts"
    location = "/ui/sign-in" + query(next=target, message=message or None)
    if request.headers.get("HX-Request"):  # htmx follows this header with a full page load
        return Response(status_code=204, headers={**HEADERS, "HX-Redirect": location})
    return RedirectResponse(location, status_code=303, headers=HEADERS)


class PageRoute(APIRoute):
    """Errors of a /ui route as pages (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as missing:
                return sign_in_redirect(request, missing.message)
            except LedgerError as error:
                row = row_of(error)
                return error_page(request, row.status, row.title, error.message)
            except RequestValidationError as invalid:
                first = invalid.errors()[0] if invalid.errors() else {"msg": "invalid request", "loc": ()}
                where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
                return error_page(request, 422, "Invalid input", f"{where}: {first['msg']}" if where else first["msg"])

        return run


def quoted(text: str) -> str:
    return quote(text, safe="")


templates.filters["quoted"] = quoted
__all__ = ["PageRoute", "download", "error_page", "escape", "page", "templates", "when"]
