"""``revledger release show``: what ran in an environment at an instant, and with what."""

from typing import Annotated, Any

import typer

from api.commands.common import OrgOpt, OutputOpt, emit, invocation
from api.output import Output

release_app = typer.Typer(help="Releases: a version run with one effective configuration.", no_args_is_help=True)


@release_app.command("show")
def release_show(
    name: Annotated[str, typer.Argument(help="Script name.")],
    environment: Annotated[str, typer.Option("--environment", "-e", help="development, staging or production.")],
    at: Annotated[str | None, typer.Option("--at", help="As it was at this instant (ISO 8601 with offset, or a relative time); default now.")] = None,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show the release of a script in an environment: the version, its effective
    configuration (secrets masked) and both fingerprints (content_sha256, config_sha256),
    exactly as they were at --at.

    Example: revledger release show invoice-parser --environment production --at 2026-11-25T14:03:00Z
    """
    from api.commands.queries import read_models
    from ledger.times import parse_instant

    inv = invocation(org)
    instant = parse_instant(at) if at else None
    answer = read_models(inv).release(org=inv.org, name=name, environment=environment, time=instant)
    if output != Output.table:
        emit(answer, output)
        return
    typer.echo(describe(answer))
    if answer["variables"]:
        rows = [{"key": k, **v} for k, v in answer["variables"].items()]
        emit(rows, output, columns=["key", "value", "layer", "secret", "fingerprint"])


def describe(answer: dict[str, Any]) -> str:
    if answer["version"] is None:
        return f"{answer['environment']} ran no release of {answer['script']} at {answer['time']}"
    label = f" ({answer['label']})" if answer["label"] else ""
    set_by = answer["set_by"]
    until = f"until {answer['until']}" if answer["until"] else "still running"
    return (
        f"{answer['environment']} ran {answer['script']} release {answer['release']}: version "
        f"{answer['version']}{label}, content {answer['content_sha256'][:12]}, config "
        f"{answer['config_sha256'][:12]}; since {answer['since']} ({set_by['kind']} by "
        f"{set_by['actor']}), {until}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(release_app, name="release")
