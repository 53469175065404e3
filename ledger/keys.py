"""Key management commands (:class:`Keys`): status, master key rotation, an organization's new
data key, crypto-shredding, and recording a reveal over HTTP."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger import envelope, master_key
from ledger.aggregates import Aggregates
from ledger.config import looks_secret
from ledger.errors import ConflictError, InvalidInputError, NotFoundError
from ledger.change_request import ChangeRequest
from ledger.keyring import KeyRing
from ledger.names import check_org
from ledger.retries import retried
from ledger.log_pages import notifications
from ledger.secrets import Secrets
from ledger.variables import Overlay, TenantVariables


def plaintext_secrets(app: Any) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Per organization, how many configuration events hold a secret value in plaintext
    (written before encryption at rest: history is immutable, so they stay as they were), and
    which keys were set in plaintext as non-secret before being marked secret (the earlier
    value was never secret, so it was never sealed: rotate it). A configuration change request
    holds its values as the write would (secret ones sealed), so it counts as such a write."""
    marked: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    plain: dict[str, set[str]] = {}  # keys with a plaintext value set while not secret
    later: dict[str, set[str]] = {}
    wanted = (TenantVariables.VariablesSet.TOPIC, Overlay.OverlayUpdated.TOPIC, ChangeRequest.Requested.TOPIC)  # type: ignore[attr-defined]
    for notification in notifications(app):
        if notification.topic not in wanted:
            continue
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, TenantVariables.VariablesSet):
            newly = set(event.secret_keys) - marked.get(event.org, set())
            later.setdefault(event.org, set()).update(newly & plain.get(event.org, set()))
            marked.setdefault(event.org, set()).update(event.secret_keys)
            values = event.values
        elif isinstance(event, Overlay.OverlayUpdated):
            values = event.set
        else:  # a change request: a configuration write's values (a promotion holds none)
            values = event.command.get("set") or {}
        secret = marked.get(event.org, set())
        if any(value and not envelope.is_sealed(value) and (key in secret or looks_secret(key))
               for key, value in values.items()):
            counts[event.org] = counts.get(event.org, 0) + 1
        plain.setdefault(event.org, set()).update(
            key for key, value in values.items()
            if value and not envelope.is_sealed(value) and key not in secret and not looks_secret(key))
    return counts, {org: keys for org, keys in later.items() if keys}


def plaintext_secret_events(app: Any) -> dict[str, int]:
    """Per organization, how many configuration events hold a secret value in plaintext."""
    return plaintext_secrets(app)[0]


class Keys:
    """The store's keys, as commands: every change is an event."""

    def __init__(self, store: Aggregates, secrets: Secrets) -> None:
        self.store = store
        self.secrets = secrets

    def _ring(self, org: str) -> KeyRing:
        check_org(org)
        ring = self.secrets.ring(org)
        if ring is None:
            raise NotFoundError(f"organization {org!r} has no keys: none of its secret values was ever encrypted")
        return ring

    def status(self) -> dict[str, Any]:
        key = self.secrets.open_master_key()
        directory = self.secrets.directory()
        plaintext, later = plaintext_secrets(self.store.app)
        orgs = []
        for org in sorted({*(directory.orgs if directory else []), *plaintext, *later}):
            ring = self.secrets.ring(org)
            orgs.append({
                "org": org,
                "data_keys": len(ring.keys) if ring else 0,
                "current_key_id": ring.current if ring else None,
                "shredded": bool(ring and ring.shredded),
                "shredded_key_ids": ring.shredded if ring else [],
                "plaintext_secret_events": plaintext.get(org, 0),
                "plaintext_before_secret": sorted(later.get(org, set())),
            })
        return {
            "master_key_id": key.key_id,
            "master_key_file": str(key.path),
            "organizations": orgs,
            "plaintext_secret_events": sum(plaintext.values()),
            #: keys set in plaintext as non-secret before being marked secret: rotate their values
            "plaintext_before_secret": sum(len(keys) for keys in later.values()),
        }

    def rotate_master(self, *, actor: str) -> dict[str, Any]:
        """A new master key: every data key re-wrapped under it (as events), then the key file
        replaced; the previous key file is kept next to it until the operator deletes it."""
        current = self.secrets.open_master_key()
        new = envelope.new_key()
        staged = master_key.stage_key(current.path, new)
        try:
            changed = self.secrets.rewrap_all(new, actor)
            recordings = self.store.app.save(*changed)
        except IntegrityError:
            staged.unlink(missing_ok=True)
            raise ConflictError("the keys changed meanwhile: nothing was rotated; run it again") from None
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        previous = master_key.install_staged(current.path)
        self.secrets.forget()
        return {
            "master_key_id": envelope.master_key_id(new),
            "previous_master_key_id": current.key_id,
            "master_key_file": str(current.path),
            "previous_master_key_file": str(previous),
            "rewrapped_organizations": sorted(r.org for r in changed if isinstance(r, KeyRing)),
            "position": recordings[-1].notification.id if recordings else None,
        }

    @retried
    def rotate_org(self, *, org: str, actor: str, reason: str | None = None) -> dict[str, Any]:
        """A new data key for the organization's new writes; older values keep their key."""
        ring = self._ring(org)
        previous = ring.current
        key_id = self.secrets.add_data_key(ring, actor, reason)
        position = self.store.save(ring)
        return {"org": org, "key_id": key_id, "previous_key_id": previous, "position": position}

    @retried
    def shred(self, *, org: str, confirm: str, actor: str, reason: str | None = None) -> dict[str, Any]:
        """Destroy every data key of the organization: its secret values become unreadable
        everywhere (``<shredded>``); the rest of its history and its fingerprints stay."""
        if confirm != org:
            raise InvalidInputError(f"shredding cannot be undone: confirm with --confirm {org}")
        ring = self._ring(org)
        key_ids = sorted(ring.keys)
        if not key_ids:
            raise InvalidInputError(f"organization {org!r} has no data key left to shred")
        ring.shred(org=org, key_ids=key_ids, actor=actor, reason=reason)
        position = self.store.save(ring)
        return {"org": org, "shredded_key_ids": key_ids, "actor": actor, "reason": reason,
                "position": position}

    @retried
    def record_reveal(self, *, org: str, actor: str, keys: list[str], what: str,
                      script: str | None = None, environment: str | None = None) -> int | None:
        """A reveal over HTTP or gRPC, in the audit trail: who, which keys, when (the event's time)."""
        if not keys:
            return None
        sealing = self.secrets.sealing(org, actor)  # the ring (made now for an older store)
        sealing.ring.revealed(org=org, actor=actor, keys=sorted(keys), what=what, script=script,
                              environment=environment)
        return self.store.save(*sealing.pending, sealing.ring)
