"""Safe promotion: policy, gates, diffs and dry-run plans (:class:`Safety`)."""

from __future__ import annotations

import shlex
from typing import Any

from ledger.aggregates import Aggregates
from ledger.retries import retried
from ledger.config import ResolvedVariable, resolve
from ledger.content import Content
from ledger.deployment import Deployment
from ledger.diffs import content_diff, summary
from ledger.errors import InvalidInputError, NotFoundError
from ledger.gates import Gate, GateError, env_references, evaluate
from ledger.names import check_environment, check_org
from ledger.version_refs import DIFF_VIEWS, diff, diff_side
from ledger.policy import Policy, effective, parse_setting
from ledger.runs import SmokeHistory
from ledger.script import Script
from ledger.secrets import Secrets




class Safety:
    """The checks around a move: policy, gates, diffs and dry-run plans."""

    def __init__(self, store: Aggregates, secrets: Secrets) -> None:
        self.store = store
        self.secrets = secrets

    def _resolve(self, org: str, name: str, environment: str) -> dict[str, ResolvedVariable]:
        return resolve(self.store.tenant(org), self.store.overlay(org, name), environment,
                       self.secrets.reader(org))

    # Policy --------------------------------------------------------------------

    def get_policy(self, *, org: str) -> dict[str, Any]:
        check_org(org)
        return effective(self.store.get(Policy, Policy.create_id(org)))

    @retried
    def set_policy(self, *, org: str, name: str, value: str, actor: str) -> dict[str, Any]:
        check_org(org)
        parsed = parse_setting(name, value)
        policy = self.store.get(Policy, Policy.create_id(org)) or Policy(org=org)
        previous = policy.get(name)
        if previous != parsed:
            policy.change(org=org, name=name, value=parsed, previous=previous, actor=actor)
            self.store.save(policy)
        return {"name": name, "value": parsed, "previous": previous, "changed": previous != parsed}

    # Gates ---------------------------------------------------------------------

    def _content(self, script: Script, number: int) -> Content:
        version = script.get_version(number)
        assert version is not None
        return self.store.contents.get(script.org, script.id, version)

    def evaluate_gates(
        self, org: str, script: Script, number: int, environment: str, target: Deployment | None,
        config: tuple[Any, Any] | None = None,
    ) -> list[Gate]:
        """The gates of a move; ``config`` = (tenant, overlay) the release will have (default:
        as stored now)."""
        smoke = self.store.get(SmokeHistory, SmokeHistory.create_id(org, script.name))
        tenant, overlay = config or (self.store.tenant(org), self.store.overlay(org, script.name))
        return evaluate(
            policy=self.get_policy(org=org),
            environment=environment,
            version=number,
            content=self._content(script, number),
            config=resolve(tenant, overlay, environment) if config else self._resolve(org, script.name, environment),
            staging=self.store.deployment(org, script.name, "staging"),
            target=target,
            smoke_passed_versions=smoke.passed_in("staging") if smoke else set(),
        )

    def check_gates(
        self,
        org: str,
        script: Script,
        number: int,
        environment: str,
        target: Deployment | None,
        override: bool,
        reason: str | None,
        config: tuple[Any, Any] | None = None,
    ) -> tuple[list[Gate], list[str] | None]:
        """Gates of a promotion, and the names overridden; refuses if any fails without override."""
        if override and not (reason and reason.strip()):
            raise InvalidInputError("--override-gates needs a --reason saying why")
        gates = self.evaluate_gates(org, script, number, environment, target, config)
        failing = [g for g in gates if not g.passed]
        if not failing:
            return gates, None
        if not override:
            details = "; ".join(f"{g.name}: {g.detail}" for g in failing)
            raise GateError(
                f"promotion of {script.name!r} version {number} to {environment} refused by gates: {details}",
                gates,
            )
        return gates, [g.name for g in failing]

    # Diffs ---------------------------------------------------------------------

    def _side(self, org: str, script: Script, ref: str) -> tuple[str, int | None, Content]:
        """Content for a diff side: a version number or label, ``draft`` or an environment name."""
        def running(environment: str) -> int | None:
            deployment = self.store.deployment(org, script.name, environment)
            return deployment.current if deployment else None

        def draft() -> Content | None:
            return None if script.draft is None else self.store.contents.get(script.org, script.id, script.draft)

        return diff_side(script.name, ref, [v["label"] for v in script.versions], draft=draft, running=running,
                         content=lambda number: self._content(script, number))

    def diff(self, *, org: str, name: str, old: str, new: str, view: str = "blocks") -> dict[str, Any]:
        script = self.store.script(org, name) if view in DIFF_VIEWS else None
        return diff(name, old, new, view, lambda ref: self._side(org, script, ref))  # type: ignore[arg-type]

    def diff_environments(self, *, org: str, name: str, left: str, right: str) -> dict[str, Any]:
        """Versions on each side, their content diff, and the effective config diff key by key."""
        check_environment(left)
        check_environment(right)
        script = self.store.script(org, name)
        versions = {env: (d.current if (d := self.store.deployment(org, name, env)) else None) for env in (left, right)}
        content: dict[str, Any] = {"identical": versions[left] == versions[right]}
        if versions[left] is not None and versions[right] is not None:
            content = content_diff(
                self._content(script, versions[left]), self._content(script, versions[right]),
                "code", f"{left} (version {versions[left]})", f"{right} (version {versions[right]})",
            )
        a, b = self._resolve(org, name, left), self._resolve(org, name, right)
        config = []
        for key in sorted(set(a) | set(b)):
            sides = {}
            for env, resolved in ((left, a), (right, b)):
                var = resolved.get(key)
                sides[env] = None if var is None else {
                    "layer": var.layer, "secret": var.secret, "fingerprint": var.fingerprint,
                    **({} if var.secret else {"value": var.value}),
                }
            if key not in a:
                status = "added"
            elif key not in b:
                status = "removed"
            else:
                status = "same" if a[key].fingerprint == b[key].fingerprint and (
                    a[key].secret or b[key].secret or a[key].value == b[key].value) else "changed"
            config.append({"key": key, "status": status, left: sides[left], right: sides[right]})
        return {"script": name, "left": left, "right": right,
                "left_version": versions[left], "right_version": versions[right],
                "content": content, "config": config}

    # Plans (dry runs) ----------------------------------------------------------

    def _config_changes(
        self, org: str, script: Script, current: int | None, target: int, environment: str,
        config_with: tuple[Any, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Env keys that differ between what runs now and what will run (fingerprints only);
        ``config_with``: the (tenant, overlay) the release will have, if not as stored."""
        config = (resolve(*config_with, environment, self.secrets.reader(org)) if config_with
                  else self._resolve(org, script.name, environment))
        used_now = set(env_references(self._content(script, current))) if current else set()
        used_next = set(env_references(self._content(script, target)))

        def state(key: str, used: set[str]) -> str | None:
            if key not in used:
                return None
            return config[key].fingerprint if key in config else "missing"

        changes = []
        for key in sorted(used_now | used_next):
            now, after = state(key, used_now), state(key, used_next)
            if now != after:
                changes.append({"key": key, "now": now, "next": after})
        return changes

    def _plan(self, org: str, script: Script, deployment: Deployment | None, environment: str,
              target: int, kind: str, gates: list[Gate], command: str,
              config: tuple[Any, Any] | None = None) -> dict[str, Any]:
        current = deployment.current if deployment else None
        diff = None
        if current is not None:
            diff = content_diff(self._content(script, current), self._content(script, target),
                                "code", f"version {current}", f"version {target}")
        org_flag = "" if org == "default" else f" --org {org}"
        return {
            "script": script.name, "environment": environment, "kind": kind,
            "current": current, "target": target, "changed": current != target,
            "diff_summary": summary(diff) if diff else "nothing runs there yet",
            "changes": diff["changes"] if diff else [],
            "config_changes": self._config_changes(org, script, current, target, environment, config),
            "gates": [g.to_dict() for g in gates],
            "would_pass": all(g.passed for g in gates),
            "command": command + org_flag,
        }

    def plan_promotion(self, *, org: str, name: str, version: int | str, environment: str,
                       config: tuple[Any, Any] | None = None) -> dict[str, Any]:
        """What ``promote`` would do; ``config``: the (tenant, overlay) the release will have
        (unsaved, with a configuration copy applied), for the gates and the config changes."""
        check_environment(environment)
        script = self.store.script(org, name)
        number = self.store.resolve_version(org, script, version)
        deployment = self.store.deployment(org, name, environment)
        gates = self.evaluate_gates(org, script, number, environment, deployment, config)
        expect = deployment.current if deployment and deployment.current is not None else "none"
        command = f"revledger promote {name} --version {number} --to {environment} --expect-current {expect}"
        return self._plan(org, script, deployment, environment, number, "promote", gates, command, config)

    def plan_rollback(
        self, *, org: str, name: str, to: int | str, environment: str = "production",
        incident: str | None = None, reason: str | None = None, force: bool = False,
    ) -> dict[str, Any]:
        """What ``version rollback`` would do with the same options, and the command to do it."""
        check_environment(environment)
        script = self.store.script(org, name)
        to = self.store.version_number(script, to)
        deployment = self.store.deployment(org, name, environment)
        if deployment is None:
            raise NotFoundError(f"{environment} has never run {name!r}: nothing to roll back")
        target = deployment.rollback_target(to)
        self.store.resolve_version(org, script, target)
        known_good = deployment.was_active(target)
        quarantined = target in deployment.quarantined and target != deployment.current
        gates = [
            Gate("known_good", known_good or force,
                 f"version {target} {'ran' if known_good else 'never ran'} in {environment}"
                 + (" (--force)" if force and not known_good else "")),
            Gate("not_quarantined", not quarantined or force,
                 f"version {target} {'is' if quarantined else 'is not'} quarantined in {environment}"
                 + (" (--force)" if force and quarantined else "")),
        ]
        command = (
            f"revledger version rollback {name} --version {target} --environment {environment}"
            f" --expect-current {deployment.current}"
            + (f" --incident {shlex.quote(incident)}" if incident else "")
            + (f" --reason {shlex.quote(reason)}" if reason else "")
            + (" --force" if force else "")
        )
        plan = self._plan(org, script, deployment, environment, target, "rollback", gates, command)
        since, until = deployment.last_active(target)
        plan["target_last_active"] = {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        }
        return plan

