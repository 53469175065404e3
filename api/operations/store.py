"""The store and the server process: local by nature (refused in remote mode)."""

from api.operations import Operation

OPERATIONS = [
    Operation("serve", "Serve the HTTP API (and gRPC) over this store", "api.main.create_app",
              role="admin", cli="serve", local_only=True),
    Operation("db.init", "Create the PostgreSQL schema (or check it)", "stores.init_store", role="admin",
              cli="db init", local_only=True),
    Operation("db.status", "The store's backend, schema version and log position", "stores.schema_version",
              role="admin", cli="db status", local_only=True),
    Operation("db.copy", "Copy every event to another store and verify the copy", "store_copy.copy_events",
              role="admin", cli="db copy", local_only=True),
    Operation("projections.rebuild", "Drop read models and replay them from the start of the log",
              "read_models.rebuild", role="admin", cli="projections rebuild", local_only=True),
]
