"""Scriptum compatibility over HTTP (docs/scriptum.md); the CLI's equivalents are `overlay`."""

from api.operations import Operation

R = "api.routers.scriptum:"
COMPAT = "Scriptum compatibility (docs/scriptum.md): the CLI spells it `overlay get/update`"

OPERATIONS = [
    Operation("scriptum.health", "Scriptum HealthCheck (no token)", "none", role="public",
              method="GET", path="/v1/scriptum/health", output=R + "ScriptumHealth", http_only=COMPAT),
    Operation("scriptum.get_script_env", "Scriptum GetScriptEnv", "ledger.get_overlay",
              method="GET", path="/v1/scriptum/scripts/{name}/env", output=R + "ScriptumEnv",
              http_only=COMPAT),
    Operation("scriptum.update_script_env", "Scriptum UpdateScriptEnv: set and delete overlay keys in one event",
              "ledger.update_overlay", role="editor", method="PATCH", path="/v1/scriptum/scripts/{name}/env",
              input=R + "ScriptumEnvUpdate", output=R + "ScriptumEnv", http_only=COMPAT),
]
