"""Configuration: tenant variables, script overlays, the effective config."""

from api.operations import Operation

S = "api.schemas:"

OPERATIONS = [
    Operation("env.list", "List tenant variables", "ledger.list_variables",
              method="GET", path="/v1/env", cli="env list", output=f"[{S}VariablePublic]"),
    Operation("env.get", "Show a tenant variable", "ledger.get_variable",
              method="GET", path="/v1/env/{key}", cli="env get", output=S + "VariablePublic"),
    Operation("env.set", "Set a tenant variable", "ledger.set_variable", role="editor",
              method="PUT", path="/v1/env/{key}", cli="env set",
              input=S + "VariableSet", output=S + "VariablePublic"),
    Operation("env.delete", "Delete a tenant variable from one scope", "ledger.delete_variable",
              role="editor", method="DELETE", path="/v1/env/{key}", cli="env delete",
              output=S + "VariablePublic"),
    Operation("env.import", "Import a .env file as one event", "ledger.import_variables", role="editor",
              method="POST", path="/v1/env/import", cli="env import", output=S + "ImportPublic"),
    Operation("overlay.get", "Show a script's overlay", "ledger.get_overlay",
              method="GET", path="/v1/scripts/{name}/env", cli="overlay get", output=S + "OverlayPublic"),
    Operation("overlay.update", "Set and delete overlay keys in one event", "ledger.update_overlay",
              role="editor", method="PATCH", path="/v1/scripts/{name}/env", cli="overlay update",
              input=S + "OverlayUpdate", output=S + "OverlayPublic"),
    Operation("config.resolve", "Effective config of a script in an environment, with layers",
              "ledger.resolve_config", method="GET", path="/v1/scripts/{name}/config",
              cli="config resolve", output=S + "ConfigPublic"),
]
