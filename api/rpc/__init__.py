"""The gRPC interface: ``dodil.scriptum.v1.ScriptumService``, the Scriptum API on the ledger.

``scriptum.proto`` is the contract; ``scriptum_pb2*.py`` are generated from it (``python -m
api.rpc.generate``) and committed. ``service`` maps each RPC onto a ledger operation,
``authentication`` checks the metadata, ``status`` maps domain errors to status codes and
``server`` runs it all on the HTTP server's event loop.
"""
