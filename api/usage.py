"""How the command line forgives and explains: options before the sub-command, usage errors
as one line, a bare command group's help, and ``revledger help [COMMAND…]``.

Nothing here knows any command: it walks the Click tree the Typer app builds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from typer import echo

try:  # Typer 0.2x vendors its own (trimmed) Click: its contexts and errors are those classes
    from typer._click.core import Command, Context
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    from typer.exceptions import Abort
except ImportError:  # pragma: no cover - an older Typer on the installed Click
    from click import Abort, ClickException, Command, Context, UsageError  # type: ignore[no-redef]
    from click.exceptions import NoArgsIsHelpError  # type: ignore[no-redef]


def _is_group(command: Command) -> bool:
    return hasattr(command, "commands")

#: Options every command that takes them understands, so they may come before the sub-command:
#: ``revledger --org acme -o json script list`` is ``revledger script list --org acme -o json``.
MOVABLE = frozenset({"--org", "--actor", "-o", "--output"})


def move_leading_options(group: Command, args: Sequence[str]) -> list[str]:
    """``args`` with the movable options given before the sub-command placed after its path,
    when that command takes them (given again after it, the later one wins, as in Click)."""
    args = list(args)
    flags = {opt for param in group.params if getattr(param, "is_flag", False) for opt in param.opts}
    root: list[str] = []
    movable: list[list[str]] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):
        name, eq, _value = args[i].partition("=")
        if name.startswith("-o") and not name.startswith("--") and len(name) > 2:
            name, eq = "-o", "="  # -ojson
        width = 1 if eq or name in flags or name in ("-h", "--help") else 2
        if name in MOVABLE:
            movable.append([name, args[i][2:]] if args[i].startswith("-o") and len(args[i]) > 2
                           and not args[i].startswith("--") else args[i:i + width])
        else:
            root.extend(args[i:i + width])
        i += width
    if not movable:
        return args
    command: Command = group
    end = i
    while end < len(args) and _is_group(command) and args[end] in command.commands:
        command = command.commands[args[end]]
        end += 1
    accepted = {opt for param in command.params for opt in param.opts}
    def takes(option: list[str]) -> bool:
        return option[0].partition("=")[0] in accepted

    kept = [token for option in movable if takes(option) for token in option]
    refused = [token for option in movable if not takes(option) for token in option]
    # An option the command does not take stays where it was, so Click names it in its error.
    return [*root, *refused, *args[i:end], *kept, *args[end:]]


#: Options whose value is an environment name (``--to`` on promote; a version elsewhere).
ENVIRONMENT_OPTIONS = frozenset({"-e", "--environment", "--env", "--to", "--from", "--with-config-from"})


def normalize_environments(args: Sequence[str]) -> list[str]:
    """Environment names are case-insensitive: ``-e Production`` means ``-e production``.
    Only an option's value that names an environment in another case is rewritten."""
    from ledger.names import normalize_environment

    result = list(args)
    for i, arg in enumerate(result):
        name, eq, value = arg.partition("=")
        if eq and name in ENVIRONMENT_OPTIONS:
            result[i] = f"{name}={normalize_environment(value)}"
        elif i > 0 and result[i - 1] in ENVIRONMENT_OPTIONS:
            result[i] = normalize_environment(arg)
    return result


def main_one_line(main: Callable[..., Any], args: Sequence[str] | None, **kwargs: Any) -> Any:
    """Run Click's ``main`` so that a usage error is one line on stderr (exit 2), and a bare
    command group prints its help and exits 0."""
    if kwargs.get("standalone_mode", True) is False:
        return main(args, **kwargs)
    kwargs["standalone_mode"] = False
    try:
        code = main(args, **kwargs)
    except NoArgsIsHelpError as error:
        # The error holds the help (with rich, the help was printed when the error was made).
        if error.message:
            echo(error.message)
        raise SystemExit(0) from None
    except UsageError as error:
        where = error.ctx.command_path if error.ctx else "revledger"
        echo(f"error: {error.format_message()} (see '{where} --help')", err=True)
        raise SystemExit(error.exit_code) from None
    except ClickException as error:
        echo(f"error: {error.format_message()}", err=True)
        raise SystemExit(error.exit_code) from None
    except Abort:
        echo("Aborted.", err=True)
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def help_for(root: Command, words: Sequence[str]) -> str:
    """The help of ``revledger WORDS…`` (``revledger help env import``)."""
    ctx = Context(root, info_name="revledger")
    command: Command = root
    for word in words:
        sub = command.get_command(ctx, word) if _is_group(command) else None
        if sub is None:
            from ledger.names import did_you_mean

            choices = command.list_commands(ctx) if _is_group(command) else []
            raise UsageError(f"no command {' '.join(words)!r}{did_you_mean(word, choices)}")
        ctx = Context(sub, info_name=word, parent=ctx)
        command = sub
    return ctx.get_help()  # with rich, printed already (and "" returned)
