"""Effective configuration: layer precedence, empty overlay values, secrets and fingerprints."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ledger.config
from ledger.config import MASK, SortedPairs, config_sha256, fingerprint, looks_secret, resolve, shown
from ledger.variables import Overlay, TenantVariables

ENV = "production"


def layers(
    tenant: dict[str, str] | None = None,
    tenant_env: dict[str, str] | None = None,
    overlay: dict[str, str] | None = None,
    overlay_env: dict[str, str] | None = None,
    secret_keys: tuple[str, ...] = (),
) -> tuple[TenantVariables, Overlay]:
    tenant_vars = TenantVariables(org="acme")
    if tenant:
        tenant_vars.set_values(None, tenant, [k for k in tenant if k in secret_keys], actor="a")
    if tenant_env:
        tenant_vars.set_values(
            ENV, tenant_env, [k for k in tenant_env if k in secret_keys], actor="a"
        )
    script_overlay = Overlay(org="acme", script="svc")
    if overlay:
        script_overlay.update(None, overlay, [], actor="a")
    if overlay_env:
        script_overlay.update(ENV, overlay_env, [], actor="a")
    return tenant_vars, script_overlay


def effective(**kwargs: object) -> dict[str, tuple[str, str]]:
    resolved = resolve(*layers(**kwargs), ENV)  # type: ignore[arg-type]
    return {key: (var.value, var.layer) for key, var in resolved.items()}


@pytest.mark.parametrize(
    ("given_layers", "value", "layer"),
    [
        ({"tenant": {"X": "t"}}, "t", "tenant"),
        ({"tenant": {"X": "t"}, "tenant_env": {"X": "te"}}, "te", "tenant[production]"),
        ({"tenant": {"X": "t"}, "tenant_env": {"X": "te"}, "overlay": {"X": "o"}}, "o", "overlay"),
        (
            {
                "tenant": {"X": "t"},
                "tenant_env": {"X": "te"},
                "overlay": {"X": "o"},
                "overlay_env": {"X": "oe"},
            },
            "oe",
            "overlay[production]",
        ),
        ({"tenant": {"X": "t"}, "overlay_env": {"X": "oe"}}, "oe", "overlay[production]"),
        ({"overlay": {"X": "o"}, "tenant_env": {"X": "te"}}, "o", "overlay"),
    ],
    ids=[
        "tenant",
        "tenant-env",
        "overlay",
        "overlay-env",
        "overlay-env-over-tenant",
        "overlay-over-tenant-env",
    ],
)
def test_higher_layers_win_tenant_then_tenant_env_then_overlay_then_overlay_env(
    given_layers: dict[str, dict[str, str]], value: str, layer: str
) -> None:
    assert effective(**given_layers) == {"X": (value, layer)}


def test_other_environments_scopes_do_not_leak_into_the_resolution() -> None:
    tenant_vars, script_overlay = layers(tenant={"X": "base"})
    tenant_vars.set_values("staging", {"X": "staging", "Y": "s"}, [], actor="a")
    script_overlay.update("development", {"X": "dev", "Z": "d"}, [], actor="a")

    resolved = resolve(tenant_vars, script_overlay, ENV)

    assert {k: v.value for k, v in resolved.items()} == {"X": "base"}


@pytest.mark.parametrize(
    ("given_layers", "value", "layer"),
    [
        ({"tenant": {"X": "t"}, "overlay": {"X": ""}}, "t", "tenant"),
        ({"tenant_env": {"X": "te"}, "overlay_env": {"X": ""}}, "te", "tenant[production]"),
        ({"tenant": {"X": "t"}, "overlay": {"X": "o"}, "overlay_env": {"X": ""}}, "o", "overlay"),
    ],
)
def test_an_empty_overlay_value_defers_to_the_layer_below(
    given_layers: dict[str, dict[str, str]], value: str, layer: str
) -> None:
    assert effective(**given_layers) == {"X": (value, layer)}


def test_an_empty_tenant_value_is_a_value() -> None:
    assert effective(tenant={"X": "t"}, tenant_env={"X": ""}) == {"X": ("", "tenant[production]")}


def test_resolving_with_no_tenant_variables_and_no_overlay_is_empty() -> None:
    assert resolve(None, None, ENV) == {}


def test_keys_come_out_sorted_each_from_its_own_layer() -> None:
    result = effective(tenant={"B": "1", "A": "2"}, overlay={"C": "3"})

    assert list(result) == ["A", "B", "C"]
    assert result["C"] == ("3", "overlay")


LAYER_NAMES = ["tenant", "tenant[production]", "overlay", "overlay[production]"]
layer_values = st.dictionaries(st.sampled_from("ABC"), st.sampled_from(["", "x", "y"]), max_size=3)


@given(st.tuples(layer_values, layer_values, layer_values, layer_values))
def test_each_key_resolves_to_its_highest_layer_that_does_not_defer(
    four: tuple[dict[str, str], ...],
) -> None:
    tenant, tenant_env, overlay, overlay_env = four

    result = effective(
        tenant=tenant, tenant_env=tenant_env, overlay=overlay, overlay_env=overlay_env
    )

    expected = {}
    for key in "ABC":
        for name, values in reversed(list(zip(LAYER_NAMES, four, strict=True))):
            if key in values and not (name.startswith("overlay") and values[key] == ""):
                expected[key] = (values[key], name)
                break
    assert result == expected


@pytest.mark.parametrize(
    "key",
    [
        "API_KEY",
        "api_key",
        "GITHUB_TOKEN",
        "token",
        "CLIENT_SECRET",
        "Secret",
        "DB_PASSWORD",
        "password1",
        "KEYRING",
        "MONKEY",
    ],
)
def test_names_containing_key_token_secret_or_password_in_any_case_are_secret(key: str) -> None:
    assert looks_secret(key)


@pytest.mark.parametrize(
    "key", ["DB_HOST", "MODEL", "TEMPERATURE", "PASS", "TOKE", "SECRE", "K_E_Y"]
)
def test_other_names_are_not_secret_by_name(key: str) -> None:
    assert not looks_secret(key)


def test_a_key_set_with_the_secret_flag_is_secret_in_every_layer() -> None:
    tenant_vars, script_overlay = layers(
        tenant={"DB_URL": "postgres://u:p@h"}, secret_keys=("DB_URL",)
    )
    script_overlay.update(ENV, {"DB_URL": "postgres://other"}, [], actor="a")

    resolved = resolve(tenant_vars, script_overlay, ENV)

    assert resolved["DB_URL"].secret is True
    assert resolved["DB_URL"].layer == "overlay[production]"


def test_a_key_not_flagged_and_not_named_like_a_secret_is_not_secret() -> None:
    resolved = resolve(*layers(tenant={"DB_HOST": "h"}), ENV)

    assert resolved["DB_HOST"].secret is False


@pytest.mark.parametrize("value", ["", "s3cr3t", "ünïcødé", "a" * 1000])
def test_the_fingerprint_is_the_first_eight_hex_digits_of_the_sha256(value: str) -> None:
    assert fingerprint(value) == hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    assert len(fingerprint(value)) == 8


def test_equal_values_have_equal_fingerprints_and_different_values_differ() -> None:
    assert fingerprint("sk-live-1") == fingerprint("sk-live-1")
    assert fingerprint("sk-live-1") != fingerprint("sk-live-2")


def test_resolved_variables_carry_the_fingerprint_of_their_value() -> None:
    resolved = resolve(*layers(tenant={"API_KEY": "sk-live-1"}), ENV)

    assert resolved["API_KEY"].fingerprint == fingerprint("sk-live-1")


@pytest.mark.parametrize(
    ("secret", "reveal", "expected"),
    [
        (True, False, MASK),
        (True, True, "sk-live"),
        (False, False, "sk-live"),
        (False, True, "sk-live"),
    ],
)
def test_secrets_are_masked_unless_revealed(secret: bool, reveal: bool, expected: str) -> None:
    assert shown("sk-live", secret, reveal) == expected
    assert "sk-live" not in MASK


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=6))
def test_the_config_fingerprint_is_the_sha256_of_the_sorted_pairs_as_compact_json_however_often_asked(
    values: dict[str, str],
) -> None:
    canonical = json.dumps(sorted([k, v] for k, v in values.items()), ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(canonical.encode()).hexdigest()

    assert config_sha256(values) == expected
    assert config_sha256(values) == expected  # the pairs' remembered encodings give the same text


def test_the_config_fingerprint_stays_the_same_after_its_memory_of_encoded_pairs_is_emptied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ledger.config, "_ENCODED_MAX", 2)
    values = {"MODEL": "big", "REGION": "eu", "QUOTE": 'say "hi"', "ÜNICODE": "é"}
    first = config_sha256(values)

    for n in range(10):
        config_sha256({f"K{n}": str(n)})

    assert len(ledger.config._ENCODED) <= 3
    assert config_sha256(values) == first != config_sha256({**values, "MODEL": "small"})


@given(st.dictionaries(st.sampled_from("ABCDEFG"), st.text(max_size=4), max_size=6),
       st.dictionaries(st.sampled_from("ACEGXYZ"), st.text(max_size=4), max_size=4))
def test_the_fingerprint_of_values_with_others_set_over_them_is_that_of_the_merged_values(
    values: dict[str, str], over: dict[str, str],
) -> None:
    pairs = SortedPairs(values)

    assert pairs.sha256_with(over) == config_sha256({**values, **over})
    assert pairs.sha256_with({}) == config_sha256(values)  # and the values themselves are unchanged
