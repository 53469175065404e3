"""The web UI's change requests in a real Chromium, against a live server (the fixtures of
tests/e2e/test_web_ui.py): the list of open requests and one request, whose secret value is
shown masked and by fingerprint, never in plaintext."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.services import open_ledger
from tests.e2e.test_web_ui import Org, Ui, browser, org, server, shots, ui, unlabelled  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

SECRET = "ui-approve-me-4Vb9Qe"


def require_approvals(org: Org, environment: str, count: int) -> None:
    ledger = open_ledger(org.server.settings)
    try:
        ledger.set_policy(org=org.name, name=f"approvals.{environment}", value=str(count), actor="test-setup")
    finally:
        ledger.close()


def test_the_requests_page_lists_open_requests_and_a_request_shows_its_secret_by_fingerprint_only(
    ui: Ui, org: Org,
) -> None:
    require_approvals(org, "production", 2)
    secret = org.api().put("/v1/env/DB_PASSWORD", json={"value": SECRET, "environment": "production", "secret": True})
    promotion = org.api().post("/v1/scripts/svc/environments/production/promote", json={"version": 2})
    assert (secret.status_code, promotion.status_code) == (202, 202), (secret.text, promotion.text)
    config, move = secret.json(), promotion.json()
    approve = org.api("admin").post(f"/v1/requests/{config['id']}/approve", json={"reason": "checked the fingerprint"})
    assert approve.status_code == 200 and approve.json()["approvers"] == ["admin"], approve.text

    ui.sign_in(org.tokens["viewer"])
    ui.page.get_by_role("link", name="Requests").click()

    expect(ui.page.get_by_role("heading", name="Change requests")).to_be_visible()
    rows = ui.page.locator("table.requests tbody tr[data-request]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-request", move["id"])  # newest first
    expect(rows.nth(0)).to_contain_text("promote svc")
    expect(rows.nth(1)).to_contain_text("env.set DB_PASSWORD")
    expect(rows.nth(1)).to_contain_text("1 of 2 (admin)")
    assert unlabelled(ui.page) == []
    ui.shot("requests")

    rows.nth(1).get_by_role("link").click()

    expect(ui.page.get_by_role("heading", name=re.compile(r"Change request .*: env\.set in production"))).to_be_visible()
    assert ui.page.url.endswith(f"/ui/requests/{config['id']}")
    change = ui.page.locator("table.changes tr[data-key=DB_PASSWORD]")
    expect(change).to_contain_text("(secret)")
    expect(change).to_contain_text("********")
    expect(change).to_contain_text(config["command"]["fingerprints"]["DB_PASSWORD"])
    expect(ui.page.locator("ul.approvals")).to_contain_text("approved by admin: checked the fingerprint")
    expect(ui.page.locator(".request-facts")).to_contain_text("1 of 2 approvals")
    assert SECRET not in ui.page.content()
    ui.shot("request")

    # A unique prefix names it too; the promotion shows its plan and the gates.
    ui.goto(f"/ui/requests/{move['id'][:8]}")
    expect(ui.page.get_by_role("heading", name=re.compile("promote of svc in production"))).to_be_visible()
    expect(ui.page.locator("ul.gates li").first).to_be_visible()
    expect(ui.page.get_by_text("v1 → v2").first).to_be_visible()

    # Filtered by state: the rejected one leaves the open list.
    org.ok("POST", f"/v1/requests/{move['id']}/reject", role="admin", json={"reason": "not today"})
    ui.goto("/ui/requests")
    expect(rows).to_have_count(1)
    ui.page.get_by_label("State").select_option("rejected")
    ui.page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-request", move["id"])
    assert "state=rejected" in ui.page.url


def test_an_unknown_request_is_a_not_found_page(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["viewer"])
    response = ui.goto("/ui/requests/0123456789")
    assert response.status == 404
    expect(ui.page.get_by_text("unknown change request 0123456789")).to_be_visible()
    ui.watch.errors.clear()  # Chromium logs the 404


def test_two_principals_approve_in_the_browser_the_requester_and_a_viewer_are_offered_no_buttons(
    browser: Any, ui: Ui, org: Org,
) -> None:
    require_approvals(org, "production", 2)
    request = org.api().put("/v1/env/DB_PASSWORD", json={"value": SECRET, "environment": "production", "secret": True})
    assert request.status_code == 202, request.text
    path = f"/ui/requests/{request.json()['id'][:8]}"
    second = org.server.issue(org.name, "deployer", name="deployer2")

    for token, refused in ((org.tokens["viewer"], 403), (org.tokens["deployer"], 409)):  # a viewer; the requester
        ui.context.clear_cookies()
        ui.sign_in(token, then=path)
        expect(ui.page.get_by_role("heading", name=re.compile("env.set in production"))).to_be_visible()
        expect(ui.page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
        before = org.server.log_size()
        forged = ui.page.request.post(org.server.url + path + "/approve", form={"csrf_token": ui.csrf()})
        assert forged.status == refused, forged.text()
        assert org.server.log_size() == before
        ui.watch.errors.clear()
    no_csrf = ui.page.request.post(org.server.url + path + "/reject", form={"reason": "x"})
    assert no_csrf.status == 403 and "CSRF" in no_csrf.text()

    ui.context.clear_cookies()
    ui.sign_in(org.tokens["admin"], then=path)
    ui.page.get_by_label("Reason (optional").fill("fingerprint checked")
    ui.page.get_by_role("button", name="Approve as admin").click()
    expect(ui.page.get_by_role("status")).to_have_text("Approved: it waits for more approvals.")
    expect(ui.page.locator(".request-facts")).to_contain_text("1 of 2 approvals")
    expect(ui.page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)  # counted once
    ui.shot("approved-once")

    ui.context.clear_cookies()
    ui.sign_in(second, then=path)
    ui.page.get_by_role("button", name="Approve as deployer2").click()
    expect(ui.page.get_by_role("status")).to_have_text("Approved: the change is applied.")
    expect(ui.page.locator("strong.state")).to_have_text("applied")
    expect(ui.page.locator("ul.approvals")).to_contain_text("approved by admin: fingerprint checked")
    ui.shot("applied")
    revealed = org.api("admin").get("/v1/env/DB_PASSWORD", params={"environment": "production", "reveal": True})
    assert revealed.json()["value"] == SECRET
    assert SECRET not in ui.page.content()


def test_a_request_is_rejected_in_the_browser_with_a_reason(ui: Ui, org: Org) -> None:
    require_approvals(org, "production", 1)
    move = org.api().post("/v1/scripts/svc/environments/production/promote", json={"version": 2})
    assert move.status_code == 202, move.text
    ui.sign_in(org.tokens["admin"], then=f"/ui/requests/{move.json()['id']}")
    ui.page.get_by_label("Reason for rejecting").fill("not during the freeze")
    ui.page.get_by_role("button", name="Reject").click()
    expect(ui.page.get_by_role("status")).to_have_text("Rejected: nothing will change.")
    expect(ui.page.locator(".request-facts")).to_contain_text("rejected — not during the freeze")
    production = org.ok("GET", "/v1/scripts/svc/environments", role="viewer")["environments"]["production"]
    assert production == 1


def test_a_promotion_confirmed_in_the_browser_becomes_a_request_the_page_links_to(ui: Ui, org: Org) -> None:
    require_approvals(org, "production", 1)
    ui.sign_in(org.tokens["deployer"])
    ui.goto("/ui/scripts/svc/promote?environment=production&version=2")
    ui.page.get_by_role("button", name="Confirm promotion").click()

    expect(ui.page.get_by_role("heading", name="Approvals needed: nothing moved yet")).to_be_visible()
    ui.page.get_by_role("link", name="see the request").click()

    expect(ui.page.get_by_role("heading", name=re.compile("promote of svc in production"))).to_be_visible()
    expect(ui.page.locator(".request-facts")).to_contain_text("0 of 1 approvals")
    expect(ui.page.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)  # the requester
    assert org.ok("GET", "/v1/scripts/svc/environments", role="viewer")["environments"]["production"] == 1
