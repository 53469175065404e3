"""Safe promotion commands: ``diff``, ``policy``, ``run``, ``runs`` and ``archive``."""

import contextlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from api.commands.common import ActorOpt, OrgOpt, OutputOpt, emit, invocation, parse_version
from api.output import Output
from ledger.errors import InvalidInputError
from ledger.policy_settings import SETTINGS

policy_app = typer.Typer(help="Promotion gates and the runner, per organization.", no_args_is_help=True)
runs_app = typer.Typer(help="Recorded smoke runs.", no_args_is_help=True)
archive_app = typer.Typer(help="The content-addressed archive of run outputs and step files.", no_args_is_help=True)

RUN_COLUMNS = ["run_id", "script", "version", "environment", "status", "duration_ms", "actor", "started_at"]


def diff(
    name: Annotated[str, typer.Argument(help="Script name.")],
    old: Annotated[str | None, typer.Argument(help="Version number, 'draft' or an environment.")] = None,
    new: Annotated[str | None, typer.Argument(help="Version number, 'draft' or an environment.")] = None,
    view: Annotated[str, typer.Option("--view", help="blocks (structure) or code (unified diff + JSON paths).")] = "blocks",
    env: Annotated[list[str] | None, typer.Option("--env", help="Compare two environments: --env staging --env production.")] = None,
    org: OrgOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Compare two versions (or the draft, or what an environment runs), or two environments.

    Example: revledger diff invoice-parser 3 4 --view code
    Example: revledger diff invoice-parser --env staging --env production
    """
    inv = invocation(org)
    if env:
        if len(env) != 2 or old or new:
            raise InvalidInputError("give exactly two --env options and no versions to compare environments")
        result = inv.ledger.diff_environments(org=inv.org, name=name, left=env[0], right=env[1])
        if output == Output.table:
            _print_env_diff(result)
        else:
            emit(result, output)
        return
    if old is None or new is None:
        raise InvalidInputError("give two sides to compare (versions, 'draft' or environments), or --env twice")
    from api.commands.queries import read_models

    result = read_models(inv, warn=False).diff(org=inv.org, name=name, old=old, new=new, view=view)
    if output == Output.table:
        _print_diff(result)
    else:
        emit(result, output)


def _print_diff(result: dict[str, Any]) -> None:
    typer.echo(f"{result['script']}: {result['from']} → {result['to']}" + (" (identical)" if result["identical"] else ""))
    blocks = result.get("blocks")
    if blocks:
        for block_id in blocks["added"]:
            typer.echo(f"  + block {block_id}")
        for block_id in blocks["removed"]:
            typer.echo(f"  - block {block_id}")
        for change in blocks["changed"]:
            typer.echo(f"  ~ block {change['id']}: {', '.join(change['fields'])}")
        for a, b in result["connections"]["added"]:
            typer.echo(f"  + connection {a} → {b}")
        for a, b in result["connections"]["removed"]:
            typer.echo(f"  - connection {a} → {b}")
    if result.get("note"):
        typer.echo(f"  ({result['note']})")
    if "unified" in result:
        typer.echo(result["unified"], nl=False)


def _print_env_diff(result: dict[str, Any]) -> None:
    left, right = result["left"], result["right"]
    typer.echo(f"{result['script']}: {left} runs {result['left_version']}, {right} runs {result['right_version']}")
    if result["content"].get("unified"):
        typer.echo(result["content"]["unified"], nl=False)
    rows = []
    for item in result["config"]:
        def side(value: dict[str, Any] | None) -> str:
            if value is None:
                return "-"
            shown = value.get("value", f"secret {value['fingerprint']}")
            return f"{shown} ({value['layer']})"
        rows.append({"key": item["key"], "status": item["status"], left: side(item[left]), right: side(item[right])})
    emit(rows, Output.table, columns=["key", "status", left, right], title="effective config")


@policy_app.command("get")
def policy_get(org: OrgOpt = None, output: OutputOpt = Output.table) -> None:
    """Show the organization's gates and runner.

    Example: revledger policy get -o json
    """
    inv = invocation(org)
    from api.commands.queries import read_models

    values = read_models(inv, warn=False).get_policy(org=inv.org)
    if output == Output.table:
        rows = [{"name": k, "value": v, "meaning": SETTINGS[k][2]} for k, v in values.items()]
        emit(rows, output, columns=["name", "value", "meaning"])
    else:
        emit(values, output)


@policy_app.command("set")
def policy_set(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SETTINGS)}.")],
    value: Annotated[str, typer.Argument(help="true/false for gates; a command for runner.")],
    org: OrgOpt = None, actor: ActorOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Change one policy setting (recorded as an event).

    Example: revledger policy set smoke_passed true
    """
    inv = invocation(org, actor)
    result = inv.ledger.set_policy(org=inv.org, name=name, value=value, actor=inv.actor)
    message = f"{name} is now {result['value']}." if result["changed"] else f"{name} already is {result['value']}: nothing changed."
    emit(result, output, message=message)


def _parse_input(text: str | None) -> Any:
    if text is None:
        return None
    source = "--input"
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise InvalidInputError(f"--input file {path} does not exist")
        source, text = str(path), path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{source}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None


def run(
    name: Annotated[str, typer.Argument(help="Script name.")],
    environment: Annotated[str, typer.Option("--environment", "-e", help="Environment whose version (and config) to run.")] = "production",
    version: Annotated[str | None, typer.Option("--version", "-v", help="Pin this version (0 = active) instead of the environment's.")] = None,
    input_: Annotated[str | None, typer.Option("--input", "-i", help="Input JSON, or @FILE.")] = None,
    env: Annotated[bool, typer.Option("--env", help="Hand the runner the environment's effective config.")] = False,
    result: Annotated[bool, typer.Option("--result", help="Print the runner's output.")] = False,
    save: Annotated[Path | None, typer.Option("--save", help="Write output.json and step files to this directory.", file_okay=False)] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the run is failed.")] = 300.0,
    org: OrgOpt = None, actor: ActorOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Run an exact version with the configured runner and record the run. Exits 1 if it failed.

    Example: revledger run invoice-parser --environment staging --version 4 --input @smoke.json --env --result
    """
    inv = invocation(org, actor)
    pinned = None if version is None else parse_version(version)
    with _sigterm_interrupts():
        outcome = inv.ledger.run(
            org=inv.org, name=name, actor=inv.actor, environment=environment, version=pinned,
            input=_parse_input(input_), with_env=env, timeout=timeout,
        )
    raw = outcome.pop("output_bytes")
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / "output.json").write_bytes(raw)
        for step in outcome["steps"]:
            target = save / "steps" / step["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(inv.ledger.archive.get(step["sha256"]))
    if result:
        try:
            outcome["output"] = json.loads(raw or b"null")
        except ValueError:
            outcome["output"] = raw.decode("utf-8", "replace")
    columns = [*RUN_COLUMNS, "input_sha256", "output_sha256", "error"] + (["output"] if result else [])
    emit(outcome, output, columns=columns,
         message=f"Run {outcome['run_id']} of {name} version {outcome['version']} {outcome['status']}.")
    if outcome["status"] != "passed":
        typer.echo(f"error: run {outcome['status']}: {outcome['error'] or 'runner reported failure'}", err=True)
        raise typer.Exit(1)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM interrupts a run like Ctrl-C does, so the run is recorded as interrupted."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@runs_app.command("list")
def runs_list(
    name: Annotated[str, typer.Argument(help="Script name.")],
    org: OrgOpt = None, output: OutputOpt = Output.table,
) -> None:
    """List a script's runs, newest first.

    Example: revledger runs list invoice-parser -o json
    """
    from api.commands.queries import read_models

    inv = invocation(org)
    emit(read_models(inv).runs(org=inv.org, name=name), output, columns=RUN_COLUMNS)


@runs_app.command("get")
def runs_get(
    run_id: Annotated[str, typer.Argument(help="Run id, or a unique prefix of at least 6 characters.")],
    org: OrgOpt = None, output: OutputOpt = Output.table,
) -> None:
    """Show one run: status, duration, hashes of input and output, archived step files.

    Example: revledger runs get 5b0e1c
    """
    from api.commands.queries import read_models

    inv = invocation(org)
    emit(read_models(inv).get_run(org=inv.org, run_id=run_id), output)


@archive_app.command("get")
def archive_get(
    sha256: Annotated[str, typer.Argument(help="sha256 of an archived output or step file.")],
    out: Annotated[Path | None, typer.Option("--out", "-f", help="Write to this file instead of stdout.", dir_okay=False)] = None,
) -> None:
    """Print (or save) an archived run output or step file by its hash.

    Example: revledger archive get 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    """
    data = invocation().ledger.archive.get(sha256)
    if out is not None:
        out.write_bytes(data)
    else:
        typer.echo(data.decode("utf-8", "replace"), nl=False)


#: Scriptum's spelling of a pinned run: ``revledger thread run NAME --version N --input @FILE --env``.
thread_app = typer.Typer(help="Scriptum's spelling of runs: `thread run` is `run`.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("run")(run)
    thread_app.command("run", help="The same as `revledger run` (Scriptum's `thread run`).")(run)
    app.add_typer(thread_app, name="thread")
    app.add_typer(policy_app, name="policy")
    app.add_typer(runs_app, name="runs")
    app.add_typer(archive_app, name="archive")
