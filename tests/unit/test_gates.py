"""Promotion gates, evaluated on aggregates without I/O."""

from __future__ import annotations

from ledger.config import ResolvedVariable
from ledger.content import Content
from ledger.deployment import Deployment
from ledger.gates import env_references, evaluate

POLICY = {"staging_first": True, "config_complete": True, "smoke_passed": False, "runner": None}
CONTENT = Content("json", {"blocks": [{"id": "a", "model": "{{ env.MODEL }}", "k": "{{env.API_KEY}}"}]})
CONFIG = {"MODEL": ResolvedVariable("m", "tenant", False), "API_KEY": ResolvedVariable("s", "tenant", True)}


def deployment(environment: str, *versions: int) -> Deployment:
    d = Deployment(org="o", script="s", environment=environment)
    for v in versions:
        d.promote(v, actor="t")
    return d


def gates(**overrides: object) -> dict[str, tuple[bool, str]]:
    kwargs: dict = dict(policy=POLICY, environment="production", version=2, content=CONTENT, config=CONFIG,
                        staging=deployment("staging", 1, 2), target=deployment("production", 1),
                        smoke_passed_versions=set())
    kwargs.update(overrides)
    return {g.name: (g.passed, g.detail) for g in evaluate(**kwargs)}


def test_every_gate_is_evaluated_and_named() -> None:
    assert list(gates()) == ["staging_first", "config_complete", "smoke_passed", "quarantine"]
    assert all(passed for passed, _ in gates().values())


def test_staging_first_fails_for_a_version_staging_never_ran() -> None:
    assert gates(staging=deployment("staging", 1))["staging_first"][0] is False
    assert gates(staging=None)["staging_first"][0] is False


def test_staging_first_applies_to_production_only() -> None:
    assert gates(environment="staging", staging=None)["staging_first"] == (True, "applies to production only")


def test_config_complete_names_every_unresolved_reference() -> None:
    passed, detail = gates(config={})["config_complete"]
    assert not passed and "API_KEY" in detail and "MODEL" in detail


def test_smoke_passed_needs_a_passed_staging_run_once_enabled() -> None:
    policy = {**POLICY, "smoke_passed": True}
    assert gates(policy=policy)["smoke_passed"][0] is False
    assert gates(policy=policy, smoke_passed_versions={2})["smoke_passed"][0] is True


def test_disabled_gates_pass_and_say_so() -> None:
    policy = {**POLICY, "staging_first": False, "config_complete": False}
    result = gates(policy=policy, staging=None, config={})
    assert result["staging_first"] == (True, "disabled by policy")
    assert result["config_complete"] == (True, "disabled by policy")


def test_a_version_rolled_back_from_an_environment_is_quarantined_there() -> None:
    production = deployment("production", 1, 2)
    production.rollback(0, actor="t")
    assert production.quarantined == [2]
    assert gates(target=production)["quarantine"][0] is False


def test_env_references_are_found_anywhere_in_the_content() -> None:
    assert env_references(CONTENT) == ["API_KEY", "MODEL"]
    assert env_references(Content("text", "x {{ env.A }} {{ env.A }} {{ inputs.B }}")) == ["A"]
