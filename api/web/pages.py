"""The web UI's read pages: scripts, a script (lanes, what ran at T, versions), diffs, the
audit trail (with CSV), an incident's timeline and the compliance report.

Each page calls the operations the API routes call (``Ledger`` queries and the read models'
``Projections``, ``Timelines`` and ``Compliance``), as the signed-in token, so a page shows
exactly what the API would answer that token, and refuses what the API refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.commands.queries import AUDIT_COLUMNS
from api.dependencies import ServicesDep
from api.output import to_csv
from api.reports import MEDIA_TYPES, render_compliance, render_timeline
from api.reports.html import chart_svg
from api.routers.audit import MAX_PAGE, audit_row
from api.routers.scripts import split_tags
from api.web.diffs import highlighted
from api.web.lanes import draw
from api.web.render import HEADERS, PageRoute, download, page
from api.web.sessions import VisitorDep
from ledger.access import change_role
from ledger.names import ENVIRONMENTS
from ledger.times import parse_instant
from projections.audit_trail import KINDS
from projections.buckets import parse_duration
from projections.compliance import Compliance
from projections.timelines import Timelines

router = APIRouter(prefix="/ui", route_class=PageRoute, include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200)]


def _instant(text: str | None) -> datetime | None:
    return parse_instant(text) if text and text.strip() else None


@router.get("/scripts")
async def scripts(request: Request, visitor: VisitorDep, services: ServicesDep, tag: Text = None) -> Response:
    org = visitor.caller.org
    tags = split_tags(tag)

    def read() -> tuple[list[Any], dict[str, dict[str, Any]], dict[str, dict[int, Any]]]:
        found = services.projections().list_scripts(org=org, tags=tags)
        now = {(r["script"], r["environment"]): r for r in services.projections().current(org=org)}
        running: dict[str, dict[str, Any]] = {}
        labels: dict[str, dict[int, Any]] = {}
        for script in found:
            running[script.name] = {env: now.get((script.name, env)) for env in ENVIRONMENTS}
            if any(running[script.name].values()):
                labels[script.name] = {
                    v.version: v.label for v in services.projections().list_versions(org=org, name=script.name)
                }
        return found, running, labels

    found, running, labels = await services.read(read)
    every_tag = sorted({t for s in found for t in s.tags})
    return page(request, "scripts.html", visitor=visitor, scripts=found, running=running, labels=labels,
                tag=tag or "", tags=every_tag, environments=ENVIRONMENTS)


@router.get("/scripts/{name}")
async def script(
    request: Request, name: str, visitor: VisitorDep, services: ServicesDep, at: Text = None,
) -> Response:
    org = visitor.caller.org
    moment = _instant(at)

    def read() -> dict[str, Any]:
        found = services.projections().get_script(org=org, name=name)
        projections = services.projections()
        history = projections.history(org=org, name=name)
        answers = [projections.at(org=org, name=name, environment=env, time=moment)
                   for env in ENVIRONMENTS] if moment else []
        versions = services.projections().list_versions(org=org, name=name)
        return {"script": found, "history": history, "answers": answers,
                "versions": list(reversed(versions))}

    data = await services.read(read)
    now = datetime.now(UTC)
    lanes = draw(data["history"], now, data["script"].created_at, moment)
    movable = {env: visitor.may(change_role(env)) for env in ENVIRONMENTS}
    return page(request, "script.html", visitor=visitor, lanes=lanes, at=at or "", moment=moment,
                movable=movable, environments=ENVIRONMENTS, **data)


@router.get("/scripts/{name}/diff")
async def diff(
    request: Request, name: str, visitor: VisitorDep, services: ServicesDep,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Two versions, the draft, or environments (``from=staging&to=production``): blocks,
    the highlighted unified diff and, between environments, configuration differences."""
    org = visitor.caller.org

    def read() -> dict[str, Any]:
        found = services.projections().get_script(org=org, name=name)
        left = from_ or (str(found.latest_version - 1) if (found.latest_version or 0) > 1 else "1")
        right = to or str(found.latest_version or 1)
        if left in ENVIRONMENTS and right in ENVIRONMENTS:
            compared = services.ledger.diff_environments(org=org, name=name, left=left, right=right)
            content, config = compared["content"], compared["config"]
            title = f"{left} (v{compared['left_version']}) → {right} (v{compared['right_version']})"
        else:
            content = services.projections().diff(org=org, name=name, old=left, new=right, view="code")
            config = None
            title = f"{content['from']} → {content['to']}"
        versions = [v.version for v in services.projections().list_versions(org=org, name=name)]
        return {"script": found, "left": left, "right": right, "content": content, "config": config,
                "title": title, "versions": versions}

    data = await services.read(read)
    code = highlighted(data["content"].get("unified") or "")
    return page(request, "diff.html", visitor=visitor, code=code, environments=ENVIRONMENTS, **data)


def audit_filters(
    visitor: VisitorDep, script: Text = None, environment: Text = None, actor: Text = None,
    kind: Annotated[list[str] | None, Query()] = None, since: Text = None, until: Text = None,
    incident: Text = None, after: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    """The audit filters, as the API's ``/v1/audit`` and the CLI's ``audit`` take them."""
    kinds = [k.strip() for item in (kind or []) for k in item.split(",") if k.strip()]
    return {
        "org": visitor.caller.org, "script": script or None, "environment": environment or None,
        "actor": actor or None, "kind": kinds, "since": _instant(since), "until": _instant(until),
        "incident": incident or None, "after": after, "limit": limit,
    }


AuditFilters = Annotated[dict[str, Any], Depends(audit_filters)]


@router.get("/audit")
async def audit(request: Request, visitor: VisitorDep, services: ServicesDep, filters: AuditFilters) -> Response:
    rows = [audit_row(r) for r in await services.read(lambda: services.projections().audit(**filters))]
    params = request.query_params
    shown = {key: params.get(key, "") for key in ("script", "environment", "actor", "since", "until", "incident")}
    shown["kind"] = filters["kind"]
    limit = filters["limit"]
    following = rows[-1]["position"] if len(rows) == limit else None
    return page(request, "audit.html", visitor=visitor, rows=rows, filters=shown, limit=limit,
                after=filters["after"], following=following, kinds=KINDS, environments=ENVIRONMENTS)


@router.get("/audit.csv")
async def audit_csv(services: ServicesDep, filters: AuditFilters) -> Response:
    """The filtered rows as the API's ``format=csv`` gives them (one page: ``limit`` up to 1000)."""
    rows = [audit_row(r) for r in await services.read(lambda: services.projections().audit(**filters))]
    return download(to_csv(rows, AUDIT_COLUMNS), "text/csv; charset=utf-8", "audit.csv")


@router.get("/incidents")
async def incidents(
    request: Request, visitor: VisitorDep, services: ServicesDep,
    id: Annotated[str | None, Query(max_length=63)] = None,  # noqa: A002 - the form's field
) -> Response:
    if id and id.strip():
        return RedirectResponse(f"/ui/incidents/{quote(id.strip(), safe='')}", status_code=303, headers=HEADERS)
    org = visitor.caller.org
    rows = await services.read(
        lambda: services.projections().audit(org=org, kind=["incident"], limit=MAX_PAGE)
    )
    opened: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["incident"]:
            opened.setdefault(row["incident"], row)
    return page(request, "incidents.html", visitor=visitor, incidents=list(opened.values()))


@router.get("/incidents/{incident}")
async def incident(
    request: Request, incident: str, visitor: VisitorDep, services: ServicesDep,
    before: Annotated[str, Query(max_length=20)] = "2h",
    after: Annotated[str, Query(max_length=20)] = "1h",
) -> Response:
    org = visitor.caller.org
    ahead, behind = parse_duration(before, "before"), parse_duration(after, "after")
    story = await services.read(
        lambda: Timelines(services.projections()).incident(org=org, incident=incident, before=ahead, after=behind)
    )
    return page(request, "incident.html", visitor=visitor, story=story, chart=chart_svg(story),
                postmortem=render_timeline(story, "md"), incident=incident, before=before, after=after)


async def _compliance(visitor: VisitorDep, services: ServicesDep, since: str, until: str,
                      environment: str) -> dict[str, Any]:
    start, end = parse_instant(since), parse_instant(until)
    return await services.read(lambda: Compliance(services.projections()).report(
        org=visitor.caller.org, since=start, until=end, environment=environment))


@router.get("/compliance")
async def compliance(
    request: Request, visitor: VisitorDep, services: ServicesDep,
    since: Annotated[str, Query(max_length=60)] = "-30d",
    until: Annotated[str, Query(max_length=60)] = "now",
    environment: Annotated[str, Query(max_length=20)] = "production",
) -> Response:
    report = await _compliance(visitor, services, since, until, environment)
    return page(request, "compliance.html", visitor=visitor, report=report, since=since, until=until,
                environment=environment, environments=ENVIRONMENTS)


@router.get("/compliance.{fmt}")
async def compliance_file(
    fmt: str, visitor: VisitorDep, services: ServicesDep,
    since: Annotated[str, Query(max_length=60)] = "-30d",
    until: Annotated[str, Query(max_length=60)] = "now",
    environment: Annotated[str, Query(max_length=20)] = "production",
) -> Response:
    """The report as the API's ``format=csv`` / ``format=html`` gives it, as a download."""
    if fmt not in ("csv", "html"):
        from ledger.errors import NotFoundError

        raise NotFoundError(f"no compliance.{fmt}: download compliance.csv or compliance.html")
    report = await _compliance(visitor, services, since, until, environment)
    # The HTML report is one self-contained page: its own inline styles, nothing else.
    csp = "default-src 'none'; style-src 'unsafe-inline'" if fmt == "html" else "default-src 'none'"
    return download(render_compliance(report, fmt), MEDIA_TYPES[fmt], f"compliance-{environment}.{fmt}", csp)
