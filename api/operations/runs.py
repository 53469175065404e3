"""Running an exact version, recorded runs, their archive, and the policy (gates, runner)."""

from api.operations import Operation

OPERATIONS = [
    Operation("run", "Run a version with the configured runner and record the run", "ledger.run",
              role="environment", method="POST", path="/v1/scripts/{name}/environments/{env}/runs",
              cli="run", aliases=("thread run",), served=False),
    Operation("runs.list", "A script's recorded runs, newest first", "read_models.runs",
              method="GET", path="/v1/scripts/{name}/runs", cli="runs list", served=False),
    Operation("runs.get", "One recorded run (id or a unique prefix)", "read_models.get_run",
              method="GET", path="/v1/runs/{run_id}", cli="runs get", served=False),
    Operation("archive.get", "An archived output or step file, by sha256", "ledger.archive.get",
              method="GET", path="/v1/archive/{sha256}", cli="archive get", served=False),
    Operation("policy.get", "The organization's gates and runner", "ledger.get_policy",
              method="GET", path="/v1/policy", cli="policy get", served=False),
    Operation("policy.set", "Set one policy value (the runner needs the admin role)", "ledger.set_policy",
              role="editor", method="PUT", path="/v1/policy", cli="policy set", served=False),
]
