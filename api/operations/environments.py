"""Environment pointers: promote, and what ran where when."""

from api.operations import Operation

S = "api.schemas:"

OPERATIONS = [
    Operation("promote", "Point an environment at a version, if the gates pass (or plan it: dry_run)",
              "ledger.promote", role="environment",
              method="POST", path="/v1/scripts/{name}/environments/{env}/promote", cli="promote",
              input=S + "PromoteRequest", output=f"{S}MovePublic | {S}PlanPublic"),
    Operation("environments", "The version each environment runs", "read_models.environments",
              method="GET", path="/v1/scripts/{name}/environments", output=S + "EnvironmentsPublic",
              http_only="one script's row of `revledger status` (the web UI's and Scout's view)"),
    Operation("status", "What every script runs in each environment now", "read_models.current",
              method="GET", path="/v1/status", cli="status", output=f"[{S}StatusRowPublic]"),
    Operation("at", "What an environment ran at an instant", "read_models.at",
              method="GET", path="/v1/scripts/{name}/environments/{env}/at", cli="at",
              output=S + "AtPublic"),
    Operation("snapshot", "What every script ran in an environment at an instant", "read_models.snapshot",
              method="GET", path="/v1/environments/{env}/at", cli="at", output=f"[{S}AtPublic]"),
    Operation("history", "Versions published and pointer moves of a script, newest first",
              "read_models.history", method="GET", path="/v1/scripts/{name}/history", cli="history",
              output=f"[{S}HistoryEntryPublic]"),
]
