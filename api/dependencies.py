"""What routes depend on, in one import: the node's services (``api/node.py``), the caller
and its role (``api/caller.py``), and keyed writes on the one writer (``api/writes.py``)."""

from api.caller import (
    AdminDep, Caller, EditorDep, MoverDep, ViewerDep, authenticate, bearer, check_reveal, get_caller,
    get_mover, mover_role, record_reveal, revealed_keys,
)
from api.node import (
    MIN_POSITION_HEADER, POSITION_HEADER, VERSION, LedgerDep, PositionNotReachedError, ProjectionsDep,
    Services, ServicesDep, get_ledger, get_projections, get_services, open_services, wait_for_position,
)
from api.writes import Commands, CommandsDep, get_commands

__all__ = [
    "AdminDep", "Caller", "Commands", "CommandsDep", "EditorDep", "LedgerDep", "MIN_POSITION_HEADER",
    "MoverDep", "POSITION_HEADER", "PositionNotReachedError", "ProjectionsDep", "Services",
    "ServicesDep", "VERSION", "ViewerDep", "authenticate", "bearer", "check_reveal", "get_caller",
    "get_commands", "get_ledger", "get_mover", "get_projections", "get_services", "mover_role",
    "open_services", "record_reveal", "revealed_keys", "wait_for_position",
]
