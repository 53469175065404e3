"""Offline verifier of revledger exports: needs only the standard library and ``cryptography``.

Copy this package anywhere and run ``python -m revledger_verify FILE.jsonl --public-key KEY``.
"""
