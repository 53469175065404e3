"""The web UI at ``/ui``: server-rendered Jinja2 pages over the API's own operations.

``router`` holds every /ui route (none in the OpenAPI document). Assets are served from
``api/web/static`` by this process: the vendored htmx (``htmx.min.js``, its version in
``htmx.VERSION`` and licence in ``htmx.LICENSE``), ``app.js`` and ``app.css``. See docs/web-ui.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.web import actions, pages, requests
from api.web.diffs import stylesheet
from api.web.render import HEADERS, STATIC, PageRoute

#: The assets, by name (nothing else under static/ is served).
ASSETS = {
    "htmx.min.js": "text/javascript; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "htmx.LICENSE": "text/plain; charset=utf-8",
}

static = APIRouter(prefix="/ui/static", route_class=PageRoute, include_in_schema=False)


@static.get("/code.css")
async def code_css() -> Response:
    return Response(stylesheet(), media_type="text/css; charset=utf-8",
                    headers={**HEADERS, "Cache-Control": "max-age=3600"})


@static.get("/{asset}")
async def asset(asset: str) -> Response:
    if asset not in ASSETS:
        return Response("not found\n", status_code=404, media_type="text/plain", headers=HEADERS)
    return Response((STATIC / asset).read_bytes(), media_type=ASSETS[asset],
                    headers={**HEADERS, "Cache-Control": "max-age=3600"})


router = APIRouter()
router.include_router(static)
router.include_router(actions.router)
router.include_router(pages.router)
router.include_router(requests.router)

__all__ = ["router"]
