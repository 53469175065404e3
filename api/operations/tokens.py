"""API tokens."""

from api.operations import Operation

S = "api.schemas:"

OPERATIONS = [
    Operation("token.list", "List the organization's tokens", "read_models.list_tokens", role="admin",
              method="GET", path="/v1/tokens", cli="token list", output=f"[{S}TokenPublic]"),
    Operation("token.create", "Issue a token (shown once)", "ledger.issue_token", role="admin",
              method="POST", path="/v1/tokens", cli="token create",
              input=S + "TokenCreate", output=S + "IssuedTokenPublic"),
    Operation("token.revoke", "Revoke a token", "ledger.revoke_token", role="admin",
              method="DELETE", path="/v1/tokens/{name}", cli="token revoke", output=S + "TokenPublic"),
]
