"""The CLI side of the declarations: commands local by nature refuse remote mode."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import typer

from api.operations import local_only_command

#: The CLI's own commands, which are no operation of the ledger.
META_COMMANDS = frozenset({"help"})


def registered(app: typer.Typer, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every (command path, CommandInfo) of a Typer app and its sub-apps."""
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        yield f"{prefix}{name}", info
    for group in app.registered_groups:
        yield from registered(group.typer_instance, f"{prefix}{group.name} ")


def guard_local_commands(app: typer.Typer) -> None:
    """Wrap each local-only command: in remote mode it says so in one line and exits 2."""
    for path, info in registered(app):
        if local_only_command(path) and info.callback is not None and not hasattr(info.callback, "local_only"):
            info.callback = _refusing_remote(path, info.callback)


def _refusing_remote(path: str, command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        from api.commands.common import invocation

        if invocation().remote:
            typer.echo(f"error: {path} works on the local store only: unset --server / REVLEDGER_SERVER",
                       err=True)
            raise typer.Exit(2)
        return command(*args, **kwargs)

    guarded.local_only = True  # type: ignore[attr-defined]
    return guarded
