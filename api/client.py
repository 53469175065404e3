"""The HTTP client of the CLI's remote mode: the Ledger's methods, over the HTTP API.

Methods take the same keyword arguments and return the same views as
:class:`ledger.application.Ledger` (and the read-model queries of
:class:`projections.service.Projections`), so every command renders the same output.
Problems come back as the ``LedgerError`` subclass the server raised, so the CLI prints
the same one-line error with the same exit code. The actor of a remote change is the
token's name: the server records it, whatever ``--actor`` says.
"""

from __future__ import annotations

from typing import Any

from api.client_access import AUDIT_PAGE, AccessClient
from api.client_config import ConfigClient
from api.client_environments import EnvironmentsClient
from api.client_incidents import IncidentsClient
from api.client_runs import RunsClient
from api.client_scripts import ScriptsClient
from api.client_transport import MIN_POSITION, POSITION, Transport
from api.client_wire import remote_error, seg, to_view
from ledger.errors import LedgerError

__all__ = ["AUDIT_PAGE", "MIN_POSITION", "POSITION", "LedgerClient", "Transport", "remote_error", "seg", "to_view"]


class LedgerClient(ScriptsClient, EnvironmentsClient, ConfigClient, AccessClient, RunsClient,
                   IncidentsClient):
    """Talks to ``revledger serve`` at ``base_url`` with one bearer token: the Ledger's
    methods, one resource client each (each a :class:`Transport`)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise LedgerError(f"{name.replace('_', ' ')} is not available in remote mode")
