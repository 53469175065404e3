"""The releases read model's catch-up shortcuts (projections/release_configs.py) give the rows a
plain resolution gives: layers opened once per page, shadowed pairs skipped, aggregates advanced
by the events themselves. Keys rotated or shredded between two catch-ups are seen by the next."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.config import config_sha256
from projections.service import Projections

ORG = "acme"


@pytest.fixture
def projections(ledger: Ledger, tmp_path: Path) -> Iterator[Projections]:
    p = Projections(ledger, tmp_path / "projections.db")
    yield p
    p.db.conn.close()


def config_of(projections: Projections, environment: str = "production") -> str:
    projections.catch_up()
    head = projections.releases.view.head(ORG, "svc", environment)
    assert head is not None
    return str(head["config_sha256"])


def test_a_data_key_rotated_between_catch_ups_opens_the_values_sealed_after_it(
    ledger: Ledger, projections: Projections, make_script, ship,
) -> None:
    make_script("svc")
    ledger.set_variable(org=ORG, key="API_KEY", value="sk-one", actor="a", environment="production")
    ship(1)
    assert config_of(projections) == config_sha256({"API_KEY": "sk-one"})

    ledger.rotate_org_key(org=ORG, actor="a")
    ledger.set_variable(org=ORG, key="API_KEY", value="sk-two", actor="a", environment="production")

    assert config_of(projections) == config_sha256({"API_KEY": "sk-two"})


def test_shadowed_changes_start_no_release_and_unshadowed_ones_do_in_each_pair_they_reach(
    ledger: Ledger, projections: Projections, make_script, ship, tmp_path: Path,
) -> None:
    make_script("svc")
    make_script("other")
    ship(1)
    ship(1, name="other")
    ledger.update_overlay(org=ORG, name="svc", actor="a", set_={"MODEL": "big"})  # svc, every environment
    # An empty overlay value defers to the layer below: it shadows nothing.
    ledger.update_overlay(org=ORG, name="other", actor="a", set_={"MODEL": ""}, environment="production")
    ledger.set_variable(org=ORG, key="REGION", value="eu", actor="a", environment="production")
    projections.catch_up()
    before = {name: projections.releases.view.head(ORG, name, "production") for name in ("svc", "other")}

    ledger.set_variable(org=ORG, key="MODEL", value="small", actor="a")  # base: shadowed for svc only
    ledger.update_overlay(org=ORG, name="svc", actor="a", set_={"MODEL": ""}, environment="production")
    projections.catch_up()
    after = {name: projections.releases.view.head(ORG, name, "production") for name in ("svc", "other")}

    assert after["other"]["config_sha256"] == config_sha256({"MODEL": "small", "REGION": "eu"})
    assert after["other"]["id"] != before["other"]["id"]
    assert after["svc"]["id"] == before["svc"]["id"]
    assert after["svc"]["config_sha256"] == config_sha256({"MODEL": "big", "REGION": "eu"})
    ledger.update_overlay(org=ORG, name="svc", actor="a", delete=["MODEL"])  # the base value shows
    assert config_of(projections) == config_sha256({"MODEL": "small", "REGION": "eu"})
    rebuilt = Projections(ledger, tmp_path / "rebuilt.db")
    rebuilt.rebuild()
    rows = "SELECT script, environment, version, config_sha256, start_position, kind FROM releases ORDER BY id"
    assert list(rebuilt.db.execute(rows)) == list(projections.db.execute(rows))
    rebuilt.db.conn.close()
