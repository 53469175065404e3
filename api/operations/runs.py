"""Running an exact version, recorded runs, their archive, and the policy (gates, runner)."""

from api.operations import Operation

R = "api.routers.runs:"

OPERATIONS = [
    Operation("run", "Run a version with the configured runner and record the run", "ledger.run",
              role="environment", method="POST", path="/v1/scripts/{name}/environments/{env}/runs",
              cli="run", aliases=("thread run",), input=R + "RunRequest", output=R + "RunPublic"),
    Operation("runs.list", "A script's recorded runs, newest first", "read_models.runs",
              method="GET", path="/v1/scripts/{name}/runs", cli="runs list", output=f"[{R}RunPublic]"),
    Operation("runs.get", "One recorded run (id or a unique prefix)", "read_models.get_run",
              method="GET", path="/v1/runs/{run_id}", cli="runs get", output=R + "RunPublic"),
    Operation("archive.get", "An archived output or step file, by sha256", "ledger.archive.get",
              method="GET", path="/v1/archive/{sha256}", cli="archive get"),
    Operation("policy.get", "The organization's gates and runner", "read_models.get_policy",
              method="GET", path="/v1/policy", cli="policy get", output="any"),
    Operation("policy.set", "Set one policy value (the runner needs the admin role)", "ledger.set_policy",
              role="editor", method="PUT", path="/v1/policy", cli="policy set",
              input=R + "PolicySet", output=R + "PolicyChangePublic"),
    Operation("projections.status", "Each read model's position in the log and how far it lags behind",
              "read_models.status", method="GET", path="/v1/projections", cli="projections status",
              output=f"[{R}ProjectionRowPublic]"),
]
