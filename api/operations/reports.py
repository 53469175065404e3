"""Reports for reviewers and auditors."""

from api.operations import Operation

OPERATIONS = [
    Operation("report.compliance", "Every change to an environment in a period, with its evidence and findings",
              "compliance.report", method="GET", path="/v1/reports/compliance", cli="report compliance",
              output="api.routers.reports:CompliancePublic", client="compliance_report"),
]
