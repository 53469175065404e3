"""Every declared command, local and remote: the same answer.

The cases are the declarations (``api/operations``): every CLI command of an operation that
has a remote path runs its example invocations on the local store and against a live
``revledger serve`` on a real SQLite store, in two organizations given the same history; the
``-o json`` answers must match with what differs between two organizations (times, positions,
ids, keyed fingerprints, the org's name) masked. A query (an HTTP GET) is also run remotely on
the local side's own organization, in every ``-o`` format it has: the same bytes, instants
masked. A command declared without an example fails here until one is listed in
:data:`EXAMPLES`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from api.operations import by_command, has_remote_path, operations
from tests.e2e.test_api_server import LiveServer
from tests.e2e.test_remote_cli import _TIME, ACTOR, Cli, local, remote, unkeyed
from tests.e2e.test_remote_runs import RUNNER, SMOKE, masked

ROOT = Path(__file__).resolve().parents[2]
APPROVER = "bob"  # a second identity: a change request is approved by someone else
HERE, AWAY = "parity-here", "parity-away"  # two organizations of the same length
SINCE, UNTIL = "2026-01-01T00:00:00+00:00", "now"  # (a future instant warns, and the server is in-process)

#: What both organizations are given before the examples run (each by its own interface).
SETUP: list[list[str]] = [
    ["policy", "set", "config_complete", "false"],
    ["policy", "set", "runner", RUNNER],
    ["script", "create", "svc", "--description", "Parse invoices", "--tags", "billing"],
    ["draft", "save", "svc", "-f", "{v1.yaml}"],
    ["draft", "publish", "svc", "--name", "first", "--note", "v1"],
    ["draft", "save", "svc", "-f", "{v2.yaml}"],
    ["draft", "publish", "svc"],
    ["promote", "svc", "--version", "1", "--to", "development"],
    ["promote", "svc", "--version", "1", "--to", "staging"],
    ["promote", "svc", "--version", "1", "--to", "production", "--expect-current", "none"],
    ["env", "set", "DB_HOST", "db.internal"],
    ["env", "import", "{base.env}"],
    ["env", "set", "OPENAI_API_KEY", "sk-live", "--environment", "staging", "--secret"],
    ["overlay", "update", "svc", "--environment", "staging", "--set", "MODEL=gpt-4.1"],
    ["run", "svc", "-e", "staging", "--input", SMOKE, "--env"],
    ["incident", "open", "INC-1", "--title", "totals missing", "--started", "2026-06-01T10:00:00+00:00"],
    ["logs", "import", "{runs.jsonl}"],
    ["token", "create", "--role", "viewer", "--name", "reader"],
    # Development changes need one approval from here on: the request examples use it.
    ["policy", "set", "approvals.development", "1"],
]

#: Each declared command's invocations (``-o json`` is added), run in this order after SETUP.
#: ``{file}`` is a file of :data:`FILES`; ``{run}``, ``{sha256}`` and ``{request}`` that
#: organization's newest run, its output and its newest open change request; an invocation
#: starting with ``@bob`` runs as the approver.
EXAMPLES: dict[str, list[list[str]]] = {
    "script create": [["script", "create", "other", "--description", "d", "--tags", "a,b"]],
    "script list": [["script", "list"], ["script", "list", "--tags", "billing"]],
    "script get": [["script", "get", "svc"]],
    "draft save": [["draft", "save", "other", "-f", "{v1.yaml}"]],
    "draft publish": [["draft", "publish", "other", "--name", "o1", "--note", "first"]],
    "version list": [["version", "list", "svc"]],
    "version get": [["version", "get", "svc", "1"], ["version", "get", "svc", "first", "--content"]],
    "version label": [["version", "label", "svc", "2", "second"]],
    "promote": [["promote", "svc", "--version", "2", "--to", "staging", "--reason", "next"],
                ["promote", "svc", "--version", "2", "--to", "production", "--dry-run"]],
    "version rollback": [["version", "rollback", "svc", "--to", "1", "--environment", "staging",
                          "--incident", "INC-1", "--reason", "error spike"]],
    "status": [["status"], ["status", "--environment", "staging"]],
    "at": [["at", "svc", "--environment", "staging", "--time", "now"],
           ["at", "--environment", "production", "--time", "now"]],
    "release show": [["release", "show", "svc", "--environment", "staging"]],
    "history": [["history", "svc"], ["history", "svc", "--environment", "staging"]],
    "diff": [["diff", "svc", "1", "2"], ["diff", "svc", "1", "2", "--view", "code"],
             ["diff", "svc", "--env", "staging", "--env", "production"]],
    "env list": [["env", "list"], ["env", "list", "--environment", "staging"]],
    "env get": [["env", "get", "DB_HOST"], ["env", "get", "OPENAI_API_KEY", "--environment", "staging"]],
    "env set": [["env", "set", "REGION", "eu"]],
    "env delete": [["env", "delete", "REGION"]],
    "env import": [["env", "import", "{prod.env}", "--environment", "production"]],
    "overlay get": [["overlay", "get", "svc", "--environment", "staging"]],
    "overlay update": [["overlay", "update", "svc", "--set", "TEMPERATURE=0.0", "--set", "X=1"]],
    "config promote": [["config", "promote", "svc", "--from", "staging", "--to", "production", "--dry-run"]],
    "config resolve": [["config", "resolve", "svc", "--environment", "staging"]],
    "audit": [["audit"], ["audit", "--kind", "promote,rollback"], ["audit", "--incident", "INC-1"]],
    "token list": [["token", "list"]],
    "token create": [["token", "create", "--role", "editor", "--name", "writer"]],
    "token revoke": [["token", "revoke", "reader"]],
    "logs import": [["logs", "import", "{more.jsonl}"]],
    "logs summary": [["logs", "summary", "svc", "--since", SINCE, "--until", UNTIL, "--bucket", "1h"]],
    "incident open": [["incident", "open", "INC-2", "--title", "slow", "--started", "2026-06-02T10:00:00+00:00",
                       "--script", "svc"]],
    "incident show": [["incident", "show", "INC-1"]],
    "incident close": [["incident", "close", "INC-2", "--resolution", "fixed"]],
    "incident timeline": [["incident", "timeline", "INC-1"]],
    "timeline": [["timeline", "--since", SINCE, "--until", UNTIL]],
    "report compliance": [["report", "compliance", "--since", SINCE, "--until", UNTIL]],
    "run": [["run", "svc", "-e", "staging", "--input", SMOKE, "--env", "--result"]],
    "thread run": [["thread", "run", "svc", "--version", "1", "--input", SMOKE]],
    "runs list": [["runs", "list", "svc"]],
    "runs get": [["runs", "get", "{run}"]],
    "archive get": [["archive", "get", "{sha256}"]],
    "policy get": [["policy", "get"]],
    "policy set": [["policy", "set", "smoke_passed", "false"]],
    "projections status": [["projections", "status"]],
    "request list": [["promote", "svc", "--version", "2", "--to", "development"],
                     ["request", "list"], ["request", "list", "--state", "open"]],
    "request show": [["request", "show", "{request}"]],
    "request approve": [["@bob", "request", "approve", "{request}", "--reason", "reviewed"]],
    "request reject": [["promote", "svc", "--version", "1", "--to", "development", "--reason", "back"],
                       ["@bob", "request", "reject", "{request}", "--reason", "not now"]],
}

#: Commands that print raw bytes, not a view (no ``-o``).
RAW = {"archive get"}

FILES = {
    "v1.yaml": (ROOT / "examples" / "invoice-parser" / "v1.yaml").read_text(encoding="utf-8"),
    "v2.yaml": (ROOT / "examples" / "invoice-parser" / "v2.yaml").read_text(encoding="utf-8"),
    "base.env": "INVOICE_BUCKET=invoices\nMAX_PAGES=20\nTEMPERATURE=0.2\n",
    "prod.env": "# production\nMODEL=gpt-4\nREGION=eu\n",
    "runs.jsonl": "".join(
        json.dumps({"timestamp": f"2026-06-01T10:0{i}:00+00:00", "script": "svc", "environment": "production",
                    "status": "failed" if i % 2 else "ok", "duration_ms": 100 + i}) + "\n" for i in range(4)),
    "more.jsonl": json.dumps({"timestamp": "2026-06-01T11:00:00+00:00", "script": "svc",
                              "environment": "staging", "level": "error", "message": "boom"}) + "\n",
}


def declared_commands() -> list[str]:
    """Every CLI command (and alias) of an operation the CLI can do in remote mode over HTTP."""
    return sorted({c for op in operations() if (op.cli or op.aliases) and not (op.local_only or op.offline)
                   and has_remote_path(op) for c in (op.cli, *op.aliases) if c})


def ordered(commands: list[str]) -> list[str]:
    """The examples' order (later ones build on earlier ones); a command without one last."""
    return sorted(commands, key=lambda c: list(EXAMPLES).index(c) if c in EXAMPLES else len(EXAMPLES))


@dataclass
class Side:
    """One organization and the interface it is written and read through."""

    org: str
    cli: Cli
    approver: Cli

    def __call__(self, args: list[str]) -> Result:
        cli = self.approver if args[:1] == ["@" + APPROVER] else self.cli
        return cli(*[self.fill(a) for a in args if a != "@" + APPROVER])

    def fill(self, arg: str) -> str:
        if re.fullmatch(r"\{[\w.]+\.\w+\}", arg):
            return str(self.cli.workdir / arg[1:-1])
        if arg in ("{run}", "{sha256}"):
            newest = self.json(["runs", "list", "svc"])[0]
            return str(newest["run_id"] if arg == "{run}" else newest["output_sha256"])
        if arg == "{request}":
            return str(self.json(["request", "list", "--state", "open"])[0]["id"])
        return arg

    def json(self, args: list[str]) -> Any:
        result = self(args + ["-o", "json"])
        assert result.exit_code == 0, (args, result.output)
        return json.loads(result.stdout)


def answer(result: Result, org: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr, with what differs between the organizations masked."""
    def mask(text: str) -> str:
        text = unkeyed(masked(text, org))
        text = re.sub(r'("batch": )"[0-9a-f]{16}"', r'\1"<batch>"', text)
        return re.sub(r'"tagged_changes": \[[^\]]*\]', lambda m: re.sub(r"\d+", "0", m[0]), text)  # positions

    return result.exit_code, mask(result.stdout), mask(result.stderr)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side, Side]]:
    """Here (the local store), away (another organization, remotely) and here read remotely."""
    live = LiveServer(tmp_path_factory.mktemp("parity-home")).start()
    workdir = tmp_path_factory.mktemp("parity")
    for name, text in FILES.items():
        (workdir / name).write_text(text, encoding="utf-8")
    mine, theirs = local(live, HERE, workdir), remote(live, AWAY, workdir)  # remote() issues "ci" in AWAY
    here_token = live.issue(HERE, "admin", name=ACTOR)  # the same tokens in both organizations
    live.issue(HERE, "admin", name=APPROVER)
    here = Side(HERE, mine, Cli({**mine.env, "REVLEDGER_ACTOR": APPROVER}, workdir))
    reader = Cli({**theirs.env, "REVLEDGER_ORG": HERE, "REVLEDGER_TOKEN": here_token}, workdir)
    away = Side(AWAY, theirs, Cli({**theirs.env, "REVLEDGER_TOKEN": live.issue(AWAY, "admin", name=APPROVER)}, workdir))
    for args in SETUP:
        mine, theirs = here(args), away(args)
        assert (mine.exit_code, theirs.exit_code) == (0, 0), (args, mine.output, theirs.output)
    yield here, away, Side(HERE, reader, reader)
    live.stop()


def test_every_declared_command_has_an_example_and_every_example_is_declared() -> None:
    assert sorted(EXAMPLES) == declared_commands()
    for command, invocations in EXAMPLES.items():
        assert by_command(command), command
        assert any(i[i[:1] == ["@" + APPROVER]:][:len(command.split())] == command.split() for i in invocations), \
            f"{command}: no example invokes it"


def command_of(args: list[str]) -> str:
    """The declared command an invocation runs (``revledger request list …``: ``request list``)."""
    words = [a for a in args if a != "@" + APPROVER]
    return next(" ".join(words[:n]) for n in (2, 1) if by_command(" ".join(words[:n])))


def is_query(args: list[str]) -> bool:
    """Whether the invocation runs a query (an HTTP GET: running it again changes nothing)."""
    return all(op.method == "GET" for op in by_command(command_of(args)))


def formats(args: list[str]) -> list[list[str]]:
    """Every ``-o`` format the invocation's command has (none for raw bytes)."""
    command = command_of(args)
    if command in RAW:
        return [[]]
    from typer.main import get_command

    from api.cli import app

    group: Any = get_command(app)
    for word in command.split():
        group = group.commands[word]
    output = next(p for p in group.params if "--output" in p.opts)
    return [["-o", choice.value] for choice in output.type_descriptor.annotation]


@pytest.mark.parametrize("command", ordered(declared_commands()))
def test_the_command_answers_the_same_locally_and_remotely(sides: tuple[Side, Side, Side], command: str) -> None:
    """Each invocation in another organization remotely: the same ``-o json`` answer (masked);
    a query also remotely on the same organization: the same bytes (but instants), in every format."""
    assert command in EXAMPLES, f"`revledger {command}` is declared with a remote path: list an example in EXAMPLES"
    here, away, here_remotely = sides
    for args in EXAMPLES[command]:
        json_output = [] if command_of(args) in RAW else ["-o", "json"]
        mine, theirs = here([*args, *json_output]), away([*args, *json_output])
        assert mine.exit_code == 0, (args, mine.output)
        assert answer(theirs, AWAY) == answer(mine, HERE), args
        if is_query(args):
            for output in formats(args):
                full = [*args, *output]
                mine, theirs = here(full), here_remotely(full)
                # (instants masked: "now" is when each ran)
                assert (theirs.exit_code, *map(timeless, (theirs.stdout, theirs.stderr))) == \
                    (mine.exit_code, *map(timeless, (mine.stdout, mine.stderr))), full


def timeless(text: str) -> str:
    return _TIME.sub("<time>", text)
