"""Runs, the archive, the policy and the read models' positions in remote mode: against a live
`revledger serve`, `run`, `thread run`, `runs list/get`, `archive get`, `policy get/set` and
`projections status` print what they print on the local store, with the same exit codes; and
the HTTP routes behind them (`POST …/environments/{env}/runs` and the rest) with their roles."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_api_server import LiveServer
from tests.e2e.test_remote_cli import Cli, local, normalised, remote, server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
RUNNER = f"{sys.executable} {ROOT / 'examples' / 'runner.py'}"
SMOKE = "@" + str(ROOT / "examples" / "invoice-parser" / "smoke.json")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def masked(text: str, org: str) -> str:
    """Also masks what differs between two runs of the same command: ids and durations."""
    text = _UUID.sub("<run>", normalised(text, org))
    text = re.sub(r'(_position"?:) \d+', r"\1 0", text)  # log positions differ between the orgs
    text = re.sub(r'"duration_ms": \d+', '"duration_ms": 0', text)
    text = re.sub(r"duration_ms: \d+", "duration_ms: 0", text)
    text = re.sub(r"(│ duration_ms +│ )\d+ *", r"\g<1>0 ", text)  # the cell's padding follows the digits
    # a table row of runs: the duration column, after the status
    return re.sub(r"(│ (?:passed|failed|interrupted|started) +│ )\d+ *", r"\g<1>0 ", text)


def setup(cli: Cli) -> list[list[str]]:
    v1 = cli.file("v1.yaml", (ROOT / "examples" / "invoice-parser" / "v1.yaml").read_text())
    return [
        ["script", "create", "svc"],
        ["policy", "set", "config_complete", "false"],
        ["draft", "save", "svc", "-f", v1],
        ["draft", "publish", "svc"],
        ["promote", "svc", "--version", "1", "-e", "development"],
        ["promote", "svc", "--version", "1", "-e", "staging"],
        ["env", "set", "OPENAI_API_KEY", "sk-live", "--secret"],
    ]


def sequence(output: str) -> list[list[str]]:
    o = ["-o", output]
    return [
        ["policy", "set", "runner", RUNNER, *o],
        ["policy", "set", "runner", RUNNER, *o],  # unchanged: nothing recorded
        ["policy", "set", "smoke_passed", "maybe", *o],  # refused: exit 1
        ["policy", "get", *o],
        ["run", "svc", "-e", "staging", "--input", SMOKE, "--env", "--result", *o],
        ["run", "svc", "--version", "1", "--input", SMOKE, *o],
        ["thread", "run", "svc", "--version", "1", "--input", '{"document": "no total"}', "--env", *o],
        ["run", "svc", "-e", "production", *o],  # production runs nothing: exit 1
        ["runs", "list", "svc", *o],
        ["runs", "list", "nope", *o],
        ["runs", "get", "0000000", *o],
    ]


@pytest.mark.parametrize("output", ["json", "yaml", "table"])
def test_run_commands_print_the_same_remotely_as_locally(
    server: LiveServer, tmp_path: Path, random_name: Any, output: str  # noqa: F811
) -> None:
    here_org, there_org = random_name("here"), random_name("away")
    here, there = local(server, here_org, tmp_path), remote(server, there_org, tmp_path)
    for args in setup(here):
        assert here(*args).exit_code == 0 and there(*args).exit_code == 0, args
    ran: dict[str, list[dict[str, Any]]] = {}
    for args in sequence(output):
        mine, theirs = here(*args), there(*args)
        assert (theirs.exit_code, masked(theirs.stdout, there_org)) == (mine.exit_code, masked(mine.stdout, here_org)), args
        assert masked(theirs.stderr, there_org) == masked(mine.stderr, here_org), args
    for cli, org in ((here, here_org), (there, there_org)):
        ran[org] = json.loads(cli("runs", "list", "svc", "-o", "json").stdout)
    first_here, first_there = ran[here_org][-1], ran[there_org][-1]
    for args in (["runs", "get", "{id}", "-o", output], ["runs", "get", "{prefix}", "-o", output],
                 ["archive", "get", "{sha}"]):
        def filled(run: dict[str, Any], template: list[str] = args) -> list[str]:
            return [a.format(id=run["run_id"], prefix=run["run_id"][:8], sha=run["output_sha256"]) for a in template]

        mine, theirs = here(*filled(first_here)), there(*filled(first_there))
        assert (theirs.exit_code, masked(theirs.stdout, there_org)) == (mine.exit_code, masked(mine.stdout, here_org)), args
    assert not (tmp_path / "unused-home").exists()


def test_projections_status_answers_remotely_without_a_traceback(server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    mine, theirs = local(server, "pos-org", tmp_path)("projections", "status", "-o", "json"), \
        remote(server, "pos-org", tmp_path)("projections", "status", "-o", "json")
    assert theirs.exit_code == mine.exit_code == 0, theirs.output
    assert [r["projection"] for r in json.loads(theirs.stdout)] == [r["projection"] for r in json.loads(mine.stdout)]
    assert all(r["lag"] == 0 for r in json.loads(theirs.stdout))  # the server catches up before answering


def test_running_over_http_needs_the_environments_role_and_answers_201_with_the_output(
    server: LiveServer, tmp_path: Path  # noqa: F811
) -> None:
    org = "runs-http"
    admin = remote(server, org, tmp_path)
    for args in setup(admin):
        assert admin(*args).exit_code == 0, args
    assert admin("policy", "set", "runner", RUNNER).exit_code == 0
    for key in ("DB_HOST", "INVOICE_BUCKET", "MAX_PAGES", "MODEL", "TEMPERATURE"):
        assert admin("env", "set", key, "1").exit_code == 0
    editor = httpx.Client(base_url=server.url, headers={
        "Authorization": f"Bearer {server.issue(org, 'editor', name='ed')}", "x-organization-id": org})
    body = {"input": json.loads(Path(SMOKE[1:]).read_text()), "env": True}
    staged = editor.post("/v1/scripts/svc/environments/staging/runs", json=body)
    assert staged.status_code == 201, staged.text
    record = staged.json()
    assert (record["status"], record["version"], record["environment"]) == ("passed", 1, "staging")
    assert isinstance(record["output"], dict) and "sk-live" not in staged.text
    assert editor.get(f"/v1/runs/{record['run_id']}").json()["run_id"] == record["run_id"]
    assert editor.get(f"/v1/archive/{record['output_sha256']}").content
    refused = editor.post("/v1/scripts/svc/environments/production/runs", json={"version": 1})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    runner = editor.put("/v1/policy", json={"name": "runner", "value": "true"})
    assert runner.status_code == 403
    assert editor.put("/v1/policy", json={"name": "smoke_passed", "value": "true"}).status_code == 200
    assert editor.get("/v1/policy").json()["smoke_passed"] is True
    assert editor.post("/v1/scripts/svc/environments/staging/runs", json={"nope": 1}).status_code == 422
