"""``revledger request …``: change requests waiting for two-person approvals."""

from typing import Annotated, Any

import typer

from api.commands.common import ActorOpt, OrgOpt, OutputOpt, emit, invocation
from api.output import Output
from ledger.errors import ConflictError

request_app = typer.Typer(
    help="Change requests: covered changes waiting for approvals (see `policy set approvals.production 2`).",
    no_args_is_help=True,
)

COLUMNS = ["id", "environment", "operation", "script", "requester", "state", "approvers", "required",
           "expires_at"]

IdArg = Annotated[str, typer.Argument(help="The request id (`request list` shows it), or a unique prefix of at least 6 characters.")]


def full_id(inv: Any, text: str) -> str:
    """The request id ``text`` names (the id or a unique prefix); remotely, the server resolves it."""
    if inv.remote:
        return text
    from api.commands.queries import read_models

    return read_models(inv).resolve_request_id(inv.org, text)  # type: ignore[no-any-return]


def view_dict(view: Any) -> dict[str, Any]:
    data: dict[str, Any] = view.to_dict() if hasattr(view, "to_dict") else dict(view)
    data.setdefault("approvers", [a["actor"] for a in data.get("approvals", [])])
    return data


def describe(view: Any) -> str:
    """One line saying what a request is and what it waits for."""
    from ledger.change_request import CONFIG_OPERATIONS  # the aggregate: not at start-up

    data = view_dict(view)
    what = f"{data['operation']} of {data['script']} in {data['environment']}"
    if data["operation"] in CONFIG_OPERATIONS:
        command, changes = data["command"], (data.get("plan") or {}).get("changes", [])
        keys = ", ".join(sorted({*command.get("set", {}), *command.get("delete", []),
                                 *(c["key"] for c in changes)}))
        where = f"the overlay of {data['script']}" if data["script"] else "tenant variables"
        what = f"{data['operation']} of {keys} in {where}, {data['environment']}"
    count = f"{len(data['approvers'])}/{data['required']} approvals"
    if data["state"] == "open":
        return (f"Change request {data['id']} ({what}) is open: {count}, approvers need the "
                f"{data['role']} role and may not be {data['requester']!r}; nothing moved yet.")
    if data["state"] == "applied":
        return f"Change request {data['id']} ({what}) approved by {', '.join(data['approvers'])}: applied."
    return f"Change request {data['id']} ({what}) is {data['state']}: {data.get('outcome') or ''}".rstrip(": ")


@request_app.command("list")
def list_(
    environment: Annotated[str | None, typer.Option("--environment", "-e", help="Only this environment.")] = None,
    state: Annotated[str | None, typer.Option(help="open, approved, applied, rejected or expired.")] = None,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """List change requests, newest first.

    Example: revledger request list --environment production --state open
    """
    from api.commands.queries import read_models

    inv = invocation(org, None)
    rows = read_models(inv).requests(org=inv.org, environment=environment, state=state)
    emit(rows, output, columns=COLUMNS)


@request_app.command("show")
def show(request_id: IdArg, org: OrgOpt = None, output: OutputOpt = Output.table) -> None:
    """Show one change request: the command, its plan when requested and as it would apply now.

    Example: revledger request show 0b7c3f3e
    """
    inv = invocation(org, None)
    view = inv.ledger.get_request(org=inv.org, request_id=full_id(inv, request_id))
    if output != Output.table:
        emit(view_dict(view), output)
        return
    typer.echo(describe(view))
    for approval in view_dict(view)["approvals"]:
        typer.echo(f"  approved by {approval['actor']}" + (f": {approval['reason']}" if approval.get("reason") else ""))
    typer.echo(f"  requested by {view.requester} at {view.requested_at}, expires {view.expires_at}")
    from ledger.change_request import CONFIG_OPERATIONS

    if view.operation in CONFIG_OPERATIONS:
        from api.commands.config import change_line

        for change in view.plan["changes"]:  # fingerprints only, never values
            typer.echo(f"  requested: {change_line(change)}")
        if view.plan_now and "error" in view.plan_now:
            typer.echo(f"  as it would apply now: {view.plan_now['error']}")
        return
    if view.plan_now:
        from api.commands.environments import print_plan

        if "error" in view.plan_now:
            typer.echo(f"  as it would apply now: {view.plan_now['error']}")
        else:
            print_plan(view.plan_now, Output.table)


@request_app.command("approve")
def approve(
    request_id: IdArg,
    reason: Annotated[str | None, typer.Option(help="Why (recorded with the approval).")] = None,
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Approve a change request; the last approval applies the change (gates evaluated then).

    Exits 3 when the approval was recorded but the change no longer holds (the pointer moved,
    a gate now fails): the request says why, and nothing moved.

    Example: revledger request approve 0b7c3f3e-5d1a-4f7e-9a43-2a1d8c9e6b10 --reason "reviewed the diff"
    """
    inv = invocation(org, actor)
    view = inv.ledger.approve_request(org=inv.org, request_id=full_id(inv, request_id), actor=inv.actor,
                                      reason=reason)
    emit(view_dict(view), output, columns=COLUMNS, message=describe(view))
    if view.state == "approved":
        raise ConflictError(f"approved, but not applied: {view.outcome}")


@request_app.command("reject")
def reject(
    request_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why (required).")],
    org: OrgOpt = None,
    actor: ActorOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Reject a change request: it is closed and nothing moves.

    Example: revledger request reject 0b7c3f3e-5d1a-4f7e-9a43-2a1d8c9e6b10 --reason "wrong version"
    """
    inv = invocation(org, actor)
    view = inv.ledger.reject_request(org=inv.org, request_id=full_id(inv, request_id), actor=inv.actor,
                                     reason=reason)
    emit(view_dict(view), output, columns=COLUMNS, message=describe(view))


def register(app: typer.Typer) -> None:
    app.add_typer(request_app, name="request")
