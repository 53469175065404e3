"""The application service: the ledger's commands and queries, on an eventsourcing store.

:class:`Ledger` is the composition root of the write side. It owns the eventsourcing
machinery (store, snapshots, the save hook) and composes one collaborator per resource,
each over the same :class:`ledger.aggregates.Aggregates`:

===================  ==============================  =========================================
attribute            class                            holds
===================  ==============================  =========================================
``scripts``          :class:`ledger.scripts.Scripts`  scripts, drafts, versions
``environments``     :class:`Environments`            environment pointers (promote, rollback)
``releasing``        :class:`Releasing`               configuration promoted with versions
``approvals``        :class:`Approvals`               change requests (promote, rollback when
                                                      the policy asks for approvals)
``config_requests``  :class:`ConfigRequests`          configuration writes, through a change
                                                      request when the policy asks
``safety``           :class:`ledger.safety.Safety`    policy, gates, diffs, dry-run plans
``configuration``    :class:`Configuration`           tenant variables, overlays, resolution
``access``           :class:`ledger.access.Access`    API tokens and who they stand for
``secrets``          :class:`ledger.secrets.Secrets`  master key, key rings, sealing, opening
``keys``             :class:`ledger.keys.Keys`        key status, rotation, shredding, reveals
``runs``             :class:`ledger.runs.Runs`        pinned smoke runs and their archive
``incidents``        :class:`Incidents`               incidents
``log_imports``      :class:`LogImports`              log imports in the event log
``responses``        :class:`Responses`               Idempotency-Key responses
===================  ==============================  =========================================

Callers keep calling ``ledger.promote(...)``: each public method is delegated explicitly to
its collaborator below (:mod:`ledger.delegation`), so the table above is the whole map.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.sqlite import SQLiteDatastore

from ledger.access import Access
from ledger.aggregates import Aggregates
from ledger.approvals import Approvals
from ledger.archive import Archive
from ledger.change_request import ChangeRequest
from ledger.config_requests import ConfigRequests
from ledger.configuration import Configuration
from ledger.contents import ContentStore
from ledger.delegation import delegate
from ledger.deployment import Deployment
from ledger.environments import Environments
from ledger.files import private_file
from ledger.idempotency import HoldingDatastore, Responses
from ledger.immutability import protect_events
from ledger.incidents import Incidents
from ledger.keyring import KeyDirectory, KeyRing
from ledger.keys import Keys
from ledger.log_imports import LogImports
from ledger.policy import Policy
from ledger.runs import Runs, SmokeHistory
from ledger.releasing import Releasing
from ledger.safety import Safety
from ledger.secrets import Secrets
from ledger.script import Script, ScriptCatalog
from ledger.scripts import Scripts
from ledger.tokens import TokenDirectory
from ledger.unset import UNSET  # noqa: F401 (older callers import it from here; use ledger.unset)
from ledger.variables import Overlay, TenantVariables


class Ledger(Application[UUID]):
    """Scripts, drafts, versions, environment pointers and configuration of many organizations."""

    name = "revledger"
    snapshotting_intervals = {  # noqa: RUF012 (eventsourcing declares it a ClassVar)
        # Aggregates no longer grow with their history: frequent small snapshots keep every
        # load to a handful of events.
        Script: 20,
        Deployment: 10,
        TenantVariables: 100,
        Overlay: 100,
        Policy: 100,
        SmokeHistory: 100,
        ScriptCatalog: 100,
        TokenDirectory: 100,
        KeyRing: 50,  # grows by one event per reveal over HTTP
        KeyDirectory: 100,
        ChangeRequest: 100,
    }

    def __init__(self, env: Any = None, **kwargs: Any) -> None:
        super().__init__(env=env, **kwargs)
        protect_events(self.recorder)
        #: Called after every committed save (the log tree appends the new events): with the
        #: save's recordings, or with none after a held transaction commits.
        self.on_saved: list[Callable[..., None]] = []
        #: The read side's verifiable log, when the interface layer attached one.
        self.verifiable_log: Any = None
        self.aggregates = Aggregates(self)
        self.secrets = Secrets(self.aggregates)
        self.scripts = Scripts(self.aggregates)
        self.safety = Safety(self.aggregates, self.secrets)
        self.releasing = Releasing(self.aggregates, self.secrets)
        self.environments = Environments(self.aggregates, self.safety, self.releasing)
        self.configuration = Configuration(self.aggregates, self.secrets)
        self.config_requests = ConfigRequests(self.aggregates, self.safety, self.configuration, self.secrets,
                                              self.releasing)
        self.approvals = Approvals(self.aggregates, self.safety, self.environments, self.config_requests)
        self.access = Access(self.aggregates)
        self.runs = Runs(self.aggregates, self.configuration)
        self.keys = Keys(self.aggregates, self.secrets)
        self.incidents = Incidents(self.aggregates)
        self.log_imports = LogImports(self.aggregates)
        self.responses = Responses(self)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save; the listeners hear of it once it is committed (inside a keyed command's
        transaction, when that commits: they never see events that may still roll back).
        Outside such a transaction they get the recordings just committed; after one, none
        (they read the log)."""
        recordings = super().save(*objs, **kwargs)
        held = self.holding_transaction()
        for listener in self.on_saved:
            if held:
                self.responses.after_commit(listener)
            else:
                listener(recordings)
        return recordings

    def holding_transaction(self) -> bool:
        """Whether this thread's saves are inside a transaction held open (not committed yet)."""
        holding = self.responses._holding  # noqa: SLF001 - the datastore the Responses hold
        return holding is not None and bool(holding.is_holding())

    @property
    def ids_follow_commits(self) -> bool:
        """Whether notification ids have no gaps and follow the commit order (SQLite's rowids)."""
        return isinstance(getattr(self.factory, "datastore", None), SQLiteDatastore)

    def construct_factory(self, env: Any) -> Any:
        """eventsourcing's factory; its datastore can hold a transaction open (SQLite:
        :mod:`ledger.idempotency`, PostgreSQL: :mod:`ledger.holding`), otherwise it behaves
        the same."""
        dbname = env.get("SQLITE_DBNAME")
        if dbname and env.get("PERSISTENCE_MODULE", "").startswith("eventsourcing.sqlite"):
            private_file(dbname)  # owner-only before SQLite creates it (its -wal and -shm follow)
        factory = super().construct_factory(env)
        datastore = getattr(factory, "datastore", None)
        if type(datastore) is SQLiteDatastore:
            datastore.__class__ = HoldingDatastore  # adds behaviour only, no state
        elif type(datastore).__name__ == "PostgresDatastore":
            from ledger.holding import HoldingPostgresDatastore  # psycopg: an optional extra

            datastore.__class__ = HoldingPostgresDatastore  # the same: behaviour only
        return factory

    @property
    def contents(self) -> ContentStore:
        return self.aggregates.contents

    @property
    def archive(self) -> Archive:
        return self.runs.archive

    # Scripts, drafts and versions
    create_script = delegate("scripts", Scripts.create_script)
    get_script = delegate("scripts", Scripts.get_script)
    check_script_history = delegate("scripts", Scripts.check_script_history)
    list_scripts = delegate("scripts", Scripts.list_scripts)
    save_draft = delegate("scripts", Scripts.save_draft)
    publish = delegate("scripts", Scripts.publish)
    list_versions = delegate("scripts", Scripts.list_versions)
    get_version = delegate("scripts", Scripts.get_version)
    label_version = delegate("scripts", Scripts.label_version)

    # Environment pointers
    pointers = delegate("environments", Environments.pointers)
    promote = delegate("approvals", Approvals.promote)
    rollback = delegate("approvals", Approvals.rollback)
    promote_config = delegate("config_requests", ConfigRequests.promote_config)
    plan_config_restore = delegate("releasing", Releasing.plan_config_restore)

    # Change requests (two-person approvals)
    approve_request = delegate("approvals", Approvals.approve_request)
    reject_request = delegate("approvals", Approvals.reject_request)
    get_request = delegate("approvals", Approvals.get_request)

    # Policy, gates, diffs and plans
    get_policy = delegate("safety", Safety.get_policy)
    set_policy = delegate("safety", Safety.set_policy)
    evaluate_gates = delegate("safety", Safety.evaluate_gates)
    diff = delegate("safety", Safety.diff)
    diff_environments = delegate("safety", Safety.diff_environments)
    plan_promotion = delegate("environments", Environments.plan_promotion)
    plan_rollback = delegate("safety", Safety.plan_rollback)

    # Configuration
    set_variable = delegate("config_requests", ConfigRequests.set_variable)
    get_variable = delegate("configuration", Configuration.get_variable)
    list_variables = delegate("configuration", Configuration.list_variables)
    delete_variable = delegate("config_requests", ConfigRequests.delete_variable)
    import_variables = delegate("config_requests", ConfigRequests.import_variables)
    get_overlay = delegate("configuration", Configuration.get_overlay)
    update_overlay = delegate("config_requests", ConfigRequests.update_overlay)
    resolve_config = delegate("configuration", Configuration.resolve_config)

    # Access
    issue_token = delegate("access", Access.issue_token)
    list_tokens = delegate("access", Access.list_tokens)
    revoke_token = delegate("access", Access.revoke_token)
    authenticate = delegate("access", Access.authenticate)
    has_active_tokens = delegate("access", Access.has_active_tokens)

    # Runs
    run = delegate("runs", Runs.run)
    get_run = delegate("runs", Runs.get_run)
    runner_command = delegate("runs", Runs.runner_command)

    # Keys
    keys_status = delegate("keys", Keys.status)
    rotate_master_key = delegate("keys", Keys.rotate_master)
    rotate_org_key = delegate("keys", Keys.rotate_org)
    shred_org = delegate("keys", Keys.shred)
    record_reveal = delegate("keys", Keys.record_reveal)

    # Incidents
    open_incident = delegate("incidents", Incidents.open_incident)
    close_incident = delegate("incidents", Incidents.close_incident)
    get_incident = delegate("incidents", Incidents.get_incident)

    # Log imports
    record_log_import = delegate("log_imports", LogImports.record_log_import)

    # Keyed commands (Idempotency-Key)
    transaction = delegate("responses", Responses.transaction)
    recorded_response = delegate("responses", Responses.recorded_response)
    record_response = delegate("responses", Responses.record_response)
