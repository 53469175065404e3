"""Encryption of secret values at rest: the keys, their rotation, crypto-shredding."""

from api.operations import Operation

OPERATIONS = [
    Operation("keys.status", "The master key in use, each organization's data keys, plaintext secrets left",
              "keys.status", role="admin", cli="keys status", local_only=True),
    Operation("keys.rotate", "A new master key re-wrapping every data key, or (--org) a new data key",
              "keys.rotate_master", role="admin", cli="keys rotate", local_only=True),
    Operation("org.shred", "Destroy an organization's data keys: its secret values become <shredded>",
              "keys.shred", role="admin", cli="org shred", local_only=True),
]
