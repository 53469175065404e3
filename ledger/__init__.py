"""The write side of revledger: aggregates, events, domain errors and the application service."""
