"""The verifiable log: signed checkpoints, proofs, exports and their verification."""

from api.operations import Operation

S = "api.schemas:"
READ_BY_VERIFY = "read by `revledger verify --server URL` (and any auditor's tool)"

OPERATIONS = [
    Operation("checkpoint.latest", "The latest signed checkpoint (C2SP signed note)", "log.latest",
              method="GET", path="/v1/checkpoints/latest", output=S + "CheckpointPublic",
              http_only=READ_BY_VERIFY),
    Operation("proof.inclusion", "Inclusion proof of the event at a position", "log.inclusion_proof",
              method="GET", path="/v1/proofs/inclusion", output=S + "InclusionProofPublic",
              http_only=READ_BY_VERIFY),
    Operation("proof.consistency", "Consistency proof between two tree sizes", "log.consistency_proof",
              method="GET", path="/v1/proofs/consistency", output=S + "ConsistencyProofPublic",
              http_only=READ_BY_VERIFY),
    Operation("keys.create", "Create the Ed25519 key pair that signs the log's checkpoints",
              "checkpoints.create_key_file", role="admin", cli="keys create", local_only=True),
    Operation("checkpoint.sign", "Sign a checkpoint of the whole log now", "log.checkpoint", role="admin",
              cli="checkpoint", local_only=True),
    Operation("export", "Sign a checkpoint, then export every event (or one organization's, with proofs)",
              "log.export", role="admin", cli="export", local_only=True),
    Operation("verify", "Verify an export offline, the local store, or a server (its own --server)",
              "log.verify_store", role="public", cli="verify", offline=True),
]
