"""Diffs between versions, the draft and environments."""

from api.operations import Operation

OPERATIONS = [
    Operation("diff", "Compare two versions, the draft or what environments run", "read_models.diff",
              method="GET", path="/v1/scripts/{name}/diff", cli="diff", output="any"),
    Operation("diff.environments",
              "Compare two environments: versions, content and effective config (secrets by fingerprint)",
              "ledger.diff_environments", method="GET", path="/v1/scripts/{name}/environments/diff",
              cli="diff", output="any"),
]
