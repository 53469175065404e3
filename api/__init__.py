"""Interfaces of revledger: the CLI, the HTTP API and the HTTP client the CLI uses in remote mode."""

__version__ = "0.1.0"
