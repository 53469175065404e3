"""Incidents and timelines."""

from api.operations import Operation

I = "api.routers.incidents:"  # noqa: E741

OPERATIONS = [
    Operation("incident.open", "Open an incident", "ledger.open_incident", role="editor",
              method="POST", path="/v1/incidents", cli="incident open",
              input=I + "IncidentOpen", output=I + "IncidentPublic"),
    Operation("incident.close", "Close an incident", "ledger.close_incident", role="editor",
              method="POST", path="/v1/incidents/{incident}/close", cli="incident close",
              input=I + "IncidentClose", output=I + "IncidentPublic"),
    Operation("incident.show", "An opened incident", "read_models.get_incident",
              method="GET", path="/v1/incidents/{incident}", cli="incident show",
              output=I + "IncidentPublic"),
    Operation("incident.timeline", "The incident's timeline, suspect change and recovery verdict",
              "timelines.incident", method="GET", path="/v1/incidents/{incident}/timeline",
              cli="incident timeline", output=I + "TimelinePublic", client="incident_timeline"),
    Operation("timeline", "An environment's timeline in a window", "timelines.environment",
              method="GET", path="/v1/timeline", cli="timeline", output=I + "TimelinePublic", client="environment_timeline"),
]
