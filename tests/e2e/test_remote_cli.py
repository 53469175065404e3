"""The CLI in remote mode (``REVLEDGER_SERVER``, ``REVLEDGER_TOKEN``, ``REVLEDGER_ORG``)
against a live server gives the same output and exit codes as the CLI on the local store."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.e2e.test_api_server import LiveServer

ACTOR = "ci"  # the token's name: the actor the server records for remote changes
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


class Cli:
    """``revledger`` in-process with a fixed environment (local or remote)."""

    def __init__(self, env: dict[str, str | None], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        from api.cli import app

        return self.runner.invoke(app, list(args), env=self.env)

    def file(self, name: str, text: str) -> str:
        path = self.workdir / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("remote-home")).start()
    yield live
    live.stop()


def local(server: LiveServer, org: str, workdir: Path) -> Cli:
    return Cli({"REVLEDGER_HOME": str(server.settings.home), "REVLEDGER_ORG": org,
                "REVLEDGER_ACTOR": ACTOR, "REVLEDGER_SERVER": None, "REVLEDGER_TOKEN": None}, workdir)


def remote(server: LiveServer, org: str, workdir: Path, role: str = "admin") -> Cli:
    token = server.issue(org, role, name=ACTOR)
    # A home of its own: remote mode must not touch any local store.
    return Cli({"REVLEDGER_HOME": str(workdir / "unused-home"), "REVLEDGER_ORG": org,
                "REVLEDGER_ACTOR": "ignored", "REVLEDGER_SERVER": server.url, "REVLEDGER_TOKEN": token}, workdir)


def normalised(text: str, org: str) -> str:
    """Output with what must differ between two runs (instants, positions, tokens, org) masked."""
    text = _TIME.sub("<time>", text).replace(org, "<org>")
    text = re.sub(r'"position": \d+', '"position": 0', text)
    text = re.sub(r"position: \d+", "position: 0", text)
    text = "".join(line for line in text.splitlines(keepends=True) if "│ position " not in line)
    return re.sub(r"rl_[A-Za-z0-9_-]{43}", "<token>", text)


def unkeyed(text: str) -> str:
    """Output with fingerprints (8 hex digits, keyed per organization) masked."""
    return re.sub(r"'[0-9a-f]{8}'|\b[0-9a-f]{8}\b", "<fingerprint>", text)  # YAML quotes '12345678'



def write_sequence(cli: Cli) -> list[list[str]]:
    workflow = cli.file("workflow.json", json.dumps({"steps": ["parse"]}))
    workflow_yaml = cli.file("workflow.yaml", "steps:\n  - parse\n  - classify\n")
    dotenv = cli.file(".env.prod", "# baseline\nMODEL=gpt-4\nREGION=eu\n")
    return [
        ["script", "create", "svc", "--description", "Parse invoices", "--tags", "billing,llm"],
        ["draft", "save", "svc", "-f", workflow],
        ["draft", "publish", "svc", "--name", "first", "--note", "v1"],
        ["draft", "save", "svc", "-f", workflow_yaml],
        ["draft", "publish", "svc"],
        ["promote", "svc", "--version", "1", "--to", "staging"],
        ["promote", "svc", "--version", "1", "--to", "production", "--expect-current", "none"],
        ["promote", "svc", "--version", "2", "--to", "staging", "--reason", "next"],
        ["promote", "svc", "--version", "2", "--to", "production", "--expect-current", "1"],
        ["promote", "svc", "--version", "2", "--to", "production"],
        ["version", "rollback", "svc", "--to", "0", "--incident", "INC-1042", "--reason", "error spike"],
        ["env", "set", "DB_HOST", "db.internal"],
        ["env", "set", "OPENAI_API_KEY", "sk-live", "--environment", "production", "--secret"],
        ["env", "import", dotenv, "--environment", "staging"],
        ["env", "delete", "DB_HOST"],
        ["overlay", "update", "svc", "--set", "MODEL=gpt-4.1", "--set", "TEMPERATURE=0.0"],
        ["overlay", "update", "svc", "--delete", "TEMPERATURE", "--set", "X=1"],
        ["overlay", "update", "svc", "--environment", "staging", "--set", "MODEL="],
        ["token", "create", "--role", "viewer", "--name", "reader"],
        ["token", "revoke", "reader"],
    ]


@pytest.mark.parametrize("output", ["json", "yaml", "table"])
def test_every_write_command_prints_the_same_remotely_as_locally(
    server: LiveServer, tmp_path: Path, random_name: Any, output: str
) -> None:
    here_org, there_org = random_name("here"), random_name("away")  # same length: same tables
    here, there = local(server, here_org, tmp_path), remote(server, there_org, tmp_path)
    for args in write_sequence(here):
        mine, theirs = here(*args, "-o", output), there(*args, "-o", output)
        assert (mine.exit_code, theirs.exit_code) == (0, 0), (args, mine.output, theirs.output)
        # Two organizations: fingerprints are keyed per organization, so they differ by design
        # (the read test below compares one organization's, byte for byte).
        assert unkeyed(normalised(theirs.stdout, there_org)) == unkeyed(normalised(mine.stdout, here_org)), args
        assert theirs.stderr == mine.stderr == ""
    assert not (tmp_path / "unused-home").exists()


READS = [
    ["script", "get", "svc"], ["script", "list"], ["script", "list", "--tags", "llm"],
    ["version", "list", "svc"], ["version", "get", "svc", "1"], ["version", "get", "svc", "2", "--content"],
    ["version", "get", "svc", "0", "--content"],
    ["env", "list"], ["env", "list", "--environment", "production"],
    ["env", "get", "OPENAI_API_KEY", "--environment", "production"],
    ["env", "get", "OPENAI_API_KEY", "--environment", "production", "--reveal"],
    ["overlay", "get", "svc"], ["overlay", "get", "svc", "--environment", "staging", "--reveal"],
    ["config", "resolve", "svc", "--environment", "staging"],
    ["config", "resolve", "svc", "--environment", "production", "--reveal"],
    ["token", "list"],
]


@pytest.fixture(scope="module")
def shared(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Cli]:
    """One organization, read locally and remotely: outputs must be byte for byte equal."""
    workdir = tmp_path_factory.mktemp("shared")
    here, there = local(server, "shared-org", workdir), remote(server, "shared-org", workdir)
    for args in write_sequence(here):
        assert here(*args).exit_code == 0, args
    return here, there


@pytest.mark.parametrize("output", ["json", "yaml", "table"])
@pytest.mark.parametrize("args", READS, ids=[" ".join(r) for r in READS])
def test_every_read_command_prints_the_same_bytes_remotely(
    shared: tuple[Cli, Cli], args: list[str], output: str
) -> None:
    here, there = shared
    mine, theirs = here(*args, "-o", output), there(*args, "-o", output)
    assert mine.exit_code == theirs.exit_code == 0, (mine.output, theirs.output)
    assert theirs.stdout == mine.stdout


QUERIES = [
    ["status"], ["status", "--environment", "production"], ["history", "svc"],
    ["history", "svc", "--environment", "production"], ["audit"], ["audit", "--kind", "promote,rollback"],
    ["at", "svc", "--environment", "production", "--time", "now"], ["at", "--environment", "staging"],
]


@pytest.mark.parametrize("output", ["json", "table"])
@pytest.mark.parametrize("args", QUERIES, ids=[" ".join(q) for q in QUERIES])
def test_read_model_queries_print_the_same_remotely(shared: tuple[Cli, Cli], args: list[str], output: str) -> None:
    here, there = shared
    mine, theirs = here(*args, "-o", output), there(*args, "-o", output)
    assert mine.exit_code == theirs.exit_code == 0, (mine.output, theirs.output)
    assert normalised(theirs.stdout, "") == normalised(mine.stdout, "")


REFUSALS = [
    (["script", "get", "nope"], 1),
    (["script", "create", "Bad Name"], 1),
    (["script", "create", "svc"], 1),
    (["version", "get", "svc", "9"], 1),
    (["draft", "publish", "svc"], 1),
    (["promote", "svc", "--version", "1", "--to", "qa"], 1),
    (["promote", "svc", "--version", "1", "--to", "staging", "--expect-current", "5"], 3),
    (["version", "rollback", "svc", "--to", "0", "--environment", "development"], 1),
    (["env", "get", "NOPE"], 1),
    (["env", "set", "1BAD", "x"], 1),
    (["overlay", "update", "svc"], 1),
    (["token", "revoke", "nobody"], 1),
    (["token", "create", "--role", "root", "--name", "x"], 1),
]


@pytest.mark.parametrize(("args", "code"), REFUSALS, ids=[" ".join(r[0]) for r in REFUSALS])
def test_refusals_print_the_same_one_line_error_and_exit_code(
    shared: tuple[Cli, Cli], args: list[str], code: int
) -> None:
    here, there = shared
    mine, theirs = here(*args), there(*args)
    assert (mine.exit_code, theirs.exit_code) == (code, code), (mine.output, theirs.output)
    assert theirs.stdout == mine.stdout == ""
    assert theirs.stderr == mine.stderr
    assert len(theirs.stderr.splitlines()) == 1 and theirs.stderr.startswith("error: ")


def test_a_bad_dotenv_file_is_refused_with_the_same_message(shared: tuple[Cli, Cli]) -> None:
    here, there = shared
    path = here.file("bad.env", "GOOD=1\n1BAD=2\n")
    mine, theirs = here("env", "import", path), there("env", "import", path)
    assert (mine.exit_code, theirs.exit_code) == (1, 1)
    assert theirs.stderr == mine.stderr
    assert path in theirs.stderr


def test_gate_refusals_keep_their_exit_code_and_structured_detail(shared: tuple[Cli, Cli]) -> None:
    here, there = shared
    assert here("script", "create", "gated").exit_code == 0
    assert here("draft", "save", "gated", "-f", here.file("g.json", "{}")).exit_code == 0
    assert here("draft", "publish", "gated").exit_code == 0
    for output in ("json", "table"):
        args = ["promote", "gated", "--version", "1", "--to", "production", "-o", output]
        mine, theirs = here(*args), there(*args)
        assert mine.exit_code == theirs.exit_code not in (0, 1), mine.stderr
        assert theirs.stderr == mine.stderr


def test_the_server_option_selects_remote_mode(server: LiveServer, tmp_path: Path) -> None:
    cli = remote(server, "option-org", tmp_path)
    url = cli.env.pop("REVLEDGER_SERVER")
    assert url is not None
    cli.env["REVLEDGER_SERVER"] = None
    result = cli("--server", url, "script", "create", "svc", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created_by"] == ACTOR
    assert not (tmp_path / "unused-home").exists()


def test_a_viewer_token_is_refused_a_write_with_one_line(server: LiveServer, tmp_path: Path) -> None:
    cli = remote(server, "viewer-org", tmp_path, role="viewer")
    result = cli("script", "create", "svc")
    assert result.exit_code == 1
    assert result.stderr == "error: this change needs the editor role; token 'ci' has viewer\n"


def test_remote_mode_without_a_token_says_so(server: LiveServer, tmp_path: Path) -> None:
    cli = remote(server, "no-token-org", tmp_path)
    cli.env["REVLEDGER_TOKEN"] = None
    result = cli("script", "list")
    assert result.exit_code == 1
    assert result.stderr == f"error: remote mode ({server.url}) needs a token: set REVLEDGER_TOKEN\n"


def test_a_bad_token_is_one_line_and_exit_code_1(server: LiveServer, tmp_path: Path) -> None:
    cli = remote(server, "bad-token-org", tmp_path)
    cli.env["REVLEDGER_TOKEN"] = "rl_wrong"
    result = cli("script", "list")
    assert result.exit_code == 1
    assert result.stderr == "error: unknown or revoked token\n"


def test_an_unreachable_server_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    cli = Cli({"REVLEDGER_SERVER": "http://127.0.0.1:9", "REVLEDGER_TOKEN": "rl_x",
               "REVLEDGER_HOME": str(tmp_path / "home")}, tmp_path)
    result = cli("script", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach http://127.0.0.1:9")
    assert len(result.stderr.splitlines()) == 1


def test_a_promotion_tagged_with_an_incident_carries_it_to_the_server(server: LiveServer, tmp_path: Path) -> None:
    there = remote(server, "incident-org", tmp_path)
    assert there("script", "create", "svc").exit_code == 0
    assert there("draft", "save", "svc", "-f", there.file("v.json", '{"v": 1}')).exit_code == 0
    assert there("draft", "publish", "svc").exit_code == 0
    moved = there("promote", "svc", "--version", "1", "--to", "staging", "--incident", "INC-77", "-o", "json")
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.stdout)["incident"] == "INC-77"
    rows = json.loads(there("audit", "--incident", "INC-77", "-o", "json").stdout)
    assert [(r["kind"], r["environment"]) for r in rows] == [("promote", "staging")]


def test_a_production_configuration_request_is_made_and_approved_by_prefix_in_remote_mode(
    server: LiveServer, tmp_path: Path, random_name: Any,
) -> None:
    org = random_name("org")
    requester = remote(server, org, tmp_path)
    from api.services import open_ledger

    ledger = open_ledger(server.settings)
    try:
        ledger.set_policy(org=org, name="approvals.production", value="1", actor="test-setup")
    finally:
        ledger.close()
    approver_token = server.issue(org, "deployer", name="approver")
    approver = Cli({**requester.env, "REVLEDGER_TOKEN": approver_token}, tmp_path)

    asked = requester("env", "set", "DB_PASSWORD", "remote-secret-2Wd", "-e", "production", "--secret", "-o", "json")

    assert asked.exit_code == 0, asked.output
    request = json.loads(asked.stdout)
    assert (request["state"], request["requester"], request["command"]["set"]) == (
        "open", ACTOR, {"DB_PASSWORD": "********"})
    assert "cannot approve" in requester("request", "approve", request["id"][:8]).stderr
    done = approver("request", "approve", request["id"][:8], "-o", "json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["state"] == "applied"
    revealed = requester("env", "get", "DB_PASSWORD", "-e", "production", "--reveal", "-o", "json")
    assert json.loads(revealed.stdout)["value"] == "remote-secret-2Wd"
