"""Scripts, drafts and versions."""

from api.operations import Operation

S = "api.schemas:"

OPERATIONS = [
    Operation("script.create", "Create a script", "ledger.create_script", role="editor",
              method="POST", path="/v1/scripts", cli="script create",
              input=S + "ScriptCreate", output=S + "ScriptPublic"),
    Operation("script.list", "List scripts", "read_models.list_scripts",
              method="GET", path="/v1/scripts", cli="script list", output=f"[{S}ScriptPublic]"),
    Operation("script.get", "Show a script", "read_models.get_script",
              method="GET", path="/v1/scripts/{name}", cli="script get", output=S + "ScriptPublic"),
    Operation("draft.save", "Save the script's draft", "ledger.save_draft", role="editor",
              method="PUT", path="/v1/scripts/{name}/draft", cli="draft save",
              input=S + "DraftSave", output=S + "DraftPublic"),
    Operation("draft.publish", "Publish the draft as the next version", "ledger.publish", role="editor",
              method="POST", path="/v1/scripts/{name}/publish", cli="draft publish",
              input=S + "PublishRequest", output=S + "VersionPublic"),
    Operation("version.list", "List a script's versions", "read_models.list_versions",
              method="GET", path="/v1/scripts/{name}/versions", cli="version list",
              output=f"[{S}VersionPublic]"),
    Operation("version.get", "Show one version", "read_models.get_version",
              method="GET", path="/v1/scripts/{name}/versions/{version}", cli="version get",
              output=S + "VersionPublic"),
    Operation("version.label", "Label (or relabel) a version; labels are unique within a script",
              "ledger.label_version", role="editor",
              method="PUT", path="/v1/scripts/{name}/versions/{version}/label", cli="version label",
              input=S + "LabelRequest", output=S + "VersionPublic"),
    Operation("version.rollback", "Roll an environment back to a known-good version (or plan it: dry_run)",
              "ledger.rollback", role="environment",
              method="POST", path="/v1/scripts/{name}/environments/{env}/rollback", cli="version rollback",
              input=S + "RollbackRequest", output=f"{S}MovePublic | {S}PlanPublic"),
]
