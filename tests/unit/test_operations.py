"""The declarations (api/operations/) against the interfaces: every CLI command and every OpenAPI
operation is declared and every declaration is served; routes have the declared schemas and
role; every command has a remote path or is local only; docs/cli.md and docs/http.md are what
the declarations and --help generate."""

from __future__ import annotations

import importlib
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from fastapi.routing import APIRoute

from api.main import create_app
from api.operations import by_command, by_route, has_remote_path, operations, schema
from api.operations.commands import META_COMMANDS
from api.operations.docs import cli_commands, generated
from api.operations.routes import route_role
from api.settings import Settings

#: Declared ``served=False``: the HTTP paths that issue 9 step 3 adds (a strict xfail each).
NOT_SERVED_YET = {op.name for op in operations() if not op.served}

#: Commands whose remote path (the client method behind their operation) is not written yet.
NOT_REMOTE_YET: set[str] = set()

#: Declared commands the CLI does not have yet.
NOT_A_COMMAND_YET: set[str] = set()

COMMANDS = cli_commands()
APP = create_app(Settings(home=Path("unused")))
OPENAPI = APP.openapi()
ROUTERS = ["health", "scripts", "environments", "diffs", "config", "audit", "tokens", "logs",
           "incidents", "reports", "scriptum", "transparency", "requests", "runs"]
ROUTES = {
    (method, route.path): route
    for module in ROUTERS
    for route in importlib.import_module(f"api.routers.{module}").router.routes
    if isinstance(route, APIRoute) and route.include_in_schema
    for method in route.methods
}


def _pending(items: list[Any], pending: set[str], key: Any, why: str) -> list[Any]:
    return [pytest.param(item, marks=pytest.mark.xfail(strict=True, reason=why)) if key(item) in pending
            else item for item in items]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in META_COMMANDS])
def test_every_cli_command_is_declared(command: str) -> None:
    assert by_command(command), f"`revledger {command}` has no declaration in api/operations/"


DECLARED_COMMANDS = sorted({c for op in operations() for c in (op.cli, *op.aliases) if c})


@pytest.mark.parametrize("command", _pending(DECLARED_COMMANDS, NOT_A_COMMAND_YET, str, "issue 9 step 3"))
def test_every_declared_command_exists(command: str) -> None:
    assert command in COMMANDS


OPENAPI_OPERATIONS = sorted((m.upper(), p) for p, ops in OPENAPI["paths"].items() for m in ops)


@pytest.mark.parametrize("route", OPENAPI_OPERATIONS, ids=" ".join)
def test_every_openapi_operation_is_declared(route: tuple[str, str]) -> None:
    assert route in by_route(), f"{route} has no declaration in api/operations/"


SERVED = [op for op in operations() if op.path]


@pytest.mark.parametrize("op", _pending(SERVED, NOT_SERVED_YET, lambda op: op.name, "issue 9 step 3"),
                         ids=lambda op: op.name)
def test_every_declared_route_is_served_with_its_schemas_role_and_summary(op: Any) -> None:
    route = ROUTES.get((op.method, op.path))
    assert route is not None, f"{op.name}: {op.method} {op.path} is not served"
    assert route.summary == op.summary
    if op.output != "any":
        assert _plain(route.response_model) == _plain(schema(op.output)), op.name
    body = route.body_field.field_info.annotation if route.body_field is not None else None
    assert _plain(body) == _plain(schema(op.input)), op.name
    assert route_role(route) == op.role, op.name
    described = OPENAPI["paths"][op.path][op.method.lower()]
    assert described["x-revledger-operation"] == op.name


def _plain(annotation: Any) -> Any:
    """An annotation without ``None`` in its unions (an optional body is the same schema)."""
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [a for a in get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else frozenset(kept)
    return annotation


@pytest.mark.parametrize("command", _pending([c for c in COMMANDS if c not in META_COMMANDS],
                                             NOT_REMOTE_YET, str, "issue 9 step 3"))
def test_every_command_has_a_remote_path_or_is_local_only(command: str) -> None:
    for op in by_command(command):
        assert has_remote_path(op), f"{op.name}: no served HTTP path, or no remote-client method {op.call}"


def test_local_only_commands_refuse_remote_mode_with_one_line_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    env = {"REVLEDGER_HOME": str(tmp_path), "REVLEDGER_SERVER": "http://127.0.0.1:9", "REVLEDGER_TOKEN": "t"}
    for args in (["db", "status"], ["projections", "rebuild"], ["serve"], ["checkpoint"]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.count("\n") == 1 and "works on the local store only" in result.stderr
    assert not any(tmp_path.iterdir())


GENERATED = generated()


@pytest.mark.parametrize("path", list(GENERATED), ids=lambda p: p.name)
def test_the_committed_reference_is_what_the_declarations_and_help_generate(path: Path) -> None:
    assert path.read_text(encoding="utf-8") == GENERATED[path], \
        f"{path.name} is stale (or --help changed): python -m api.operations.docs"
