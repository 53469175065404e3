"""Log records, correlated with the versions that produced them."""

from api.operations import Operation

L = "api.routers.logs:"

OPERATIONS = [
    Operation("logs.import", "Import a batch of log records", "ledger.record_log_import", role="editor",
              method="POST", path="/v1/logs", cli="logs import",
              input=L + "LogBatch", output=L + "LogImportPublic", client="import_logs"),
    Operation("logs.summary", "Error rate, count and durations per version and per time bucket",
              "logs.summary", method="GET", path="/v1/logs/summary", cli="logs summary",
              output=L + "LogSummaryPublic", client="log_summary"),
]
