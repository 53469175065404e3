"""Probes: liveness and readiness."""

from api.operations import Operation

PROBE = "a probe for load balancers and orchestrators, not a user's operation"

OPERATIONS = [
    Operation("health", "Liveness: the process is up", "none", role="public",
              method="GET", path="/health", output="api.schemas:HealthPublic", http_only=PROBE),
    Operation("ready", "Readiness: the store answers, read models within the lag bounds",
              "services.ready", role="public", method="GET", path="/ready",
              output="api.schemas:ReadyPublic", http_only=PROBE),
]
