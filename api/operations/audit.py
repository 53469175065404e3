"""The audit trail."""

from api.operations import Operation

OPERATIONS = [
    Operation("audit", "The audit trail, in log order", "read_models.audit",
              method="GET", path="/v1/audit", cli="audit", output="[api.schemas:AuditRowPublic]"),
]
