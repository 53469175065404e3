"""Change requests: covered changes waiting for two-person approvals (issue 19)."""

from api.operations import Operation

S = "api.schemas:"

OPERATIONS = [
    Operation("request.list", "List change requests, newest first", "read_models.requests",
              method="GET", path="/v1/requests", cli="request list", output=f"[{S}RequestRowPublic]"),
    Operation("request.show", "One change request, with its plan as it would apply now",
              "ledger.get_request", method="GET", path="/v1/requests/{request_id}", cli="request show",
              output=S + "RequestPublic"),
    Operation("request.approve", "Approve as the token's principal; the last approval applies the change",
              "ledger.approve_request", role="editor", method="POST",
              path="/v1/requests/{request_id}/approve", cli="request approve",
              input=S + "ApproveRequest", output=S + "RequestPublic"),
    Operation("request.reject", "Reject a change request (a reason is required)",
              "ledger.reject_request", role="editor", method="POST",
              path="/v1/requests/{request_id}/reject", cli="request reject",
              input=S + "RejectRequest", output=S + "RequestPublic"),
]
