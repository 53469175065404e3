"""The web UI at /ui in a real Chromium, against a live ``revledger serve`` on a loopback port.

One server and one browser per module; each test gets a fresh organization (seeded over the
HTTP API: svc v1 in production, v2 in staging, v3 published only, a secret that differs
between staging and production) and a fresh browser context. Every page visited is
screenshotted under the run's temporary directory; any request to another host fails the
test (the context's routes abort it and record it), and so does any script or console error
(a Content-Security-Policy violation is one).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser import Watch, launch, screenshot
from tests.e2e.test_api_server import LiveServer

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("ui-home")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


class Org:
    """A fresh organization on the live server, with a token per role and API clients."""

    def __init__(self, server: LiveServer, name: str) -> None:
        self.server = server
        self.name = name
        self.tokens = {role: server.issue(name, role, name=role) for role in ("viewer", "editor", "deployer", "admin")}
        self.clients: dict[str, httpx.Client] = {}
        self.moves: dict[str, dict[str, Any]] = {}

    def api(self, role: str = "deployer") -> httpx.Client:
        if role not in self.clients:
            self.clients[role] = self.server.client(self.name, token=self.tokens[role])
        return self.clients[role]

    def ok(self, method: str, path: str, role: str = "deployer", **kwargs: Any) -> Any:
        response = self.api(role).request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def seed(self) -> Org:
        self.ok("POST", "/v1/scripts", json={"name": "svc", "tags": ["billing"], "description": "invoices"})
        self.ok("POST", "/v1/scripts", json={"name": "other", "tags": ["ops"]})
        for number in (1, 2, 3):
            blocks = [{"id": "read", "kind": "input"}, {"id": f"step{number}", "kind": "map", "n": number}]
            content = {"blocks": blocks, "connections": [["read", f"step{number}"]], "v": number}
            self.ok("PUT", "/v1/scripts/svc/draft", json={"content": content})
            self.ok("POST", "/v1/scripts/svc/publish", json={"label": f"rel-{number}", "note": f"note {number}"})
        for env, value in (("staging", "s3cret-staging"), ("production", "s3cret-production")):
            self.ok("PUT", "/v1/env/API_KEY", json={"value": value, "environment": env, "secret": True})
        self.moves["staging1"] = self.ok("POST", "/v1/scripts/svc/environments/staging/promote", json={"version": 1})
        self.moves["production1"] = self.ok("POST", "/v1/scripts/svc/environments/production/promote", json={"version": 1})
        self.moves["staging2"] = self.ok("POST", "/v1/scripts/svc/environments/staging/promote", json={"version": 2})
        return self

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture
def org(server: LiveServer, random_name: Any) -> Iterator[Org]:
    made = Org(server, random_name("ui")).seed()
    yield made
    made.close()


class Ui:
    """One browser context on the server: sign in, visit pages (each screenshotted)."""

    def __init__(self, browser: Any, server: LiveServer, shots: Path, test: str, **options: Any) -> None:
        self.server = server
        self.shots = shots
        self.test = test
        self.watch = Watch()
        self.context = browser.new_context(accept_downloads=True, **options)
        self.watch.attach(self.context)
        self.page = self.context.new_page()
        self.count = 0

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.server.url + path)
        return response

    def shot(self, name: str) -> Path:
        self.count += 1
        return screenshot(self.page, self.shots, f"{self.test}-{self.count:02d}-{name}")

    def sign_in(self, token: str, then: str = "/ui/scripts") -> None:
        self.goto("/ui/sign-in" + (f"?next={then}" if then != "/ui/scripts" else ""))
        self.page.get_by_label("API token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def csrf(self) -> str:
        return str(self.page.locator("input[name=csrf_token]").first.get_attribute("value"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def ui(browser: Any, server: LiveServer, shots: Path, request: pytest.FixtureRequest) -> Iterator[Ui]:
    made = Ui(browser, server, shots, request.node.name)
    yield made
    made.close()
    assert made.watch.outside == [], f"requests to other hosts: {made.watch.outside}"
    assert made.watch.errors == [], made.watch.errors


def log_size(server: LiveServer) -> int:
    return server.log_size()


# Signing in ---------------------------------------------------------------------------


def test_signing_in_sets_an_httponly_strict_session_cookie_and_signing_out_ends_it(ui: Ui, org: Org) -> None:
    response = ui.goto("/ui/scripts")
    assert "/ui/sign-in" in ui.page.url  # no session: the sign-in form, then back
    assert "content-security-policy" in response.headers
    ui.shot("sign-in")
    ui.sign_in(org.tokens["viewer"])
    cookies = {c["name"]: c for c in ui.context.cookies()}
    session = cookies["revledger_session"]
    assert session["httpOnly"] is True and session["sameSite"] == "Strict" and session["path"] == "/ui"
    assert org.tokens["viewer"] not in str(ui.context.cookies())  # the cookie is not the token
    assert ui.page.evaluate("document.cookie") == ""  # HttpOnly: not readable by scripts
    ui.page.get_by_role("button", name="Sign out").click()
    expect(ui.page.get_by_text("signed out")).to_be_visible()
    ui.goto("/ui/scripts")
    assert "/ui/sign-in" in ui.page.url


def test_a_wrong_token_is_refused_on_the_form_and_a_pasted_link_comes_back_after_signing_in(
    ui: Ui, org: Org
) -> None:
    ui.goto("/ui/sign-in")
    ui.page.get_by_label("API token").fill("rl_not-a-token")
    ui.page.get_by_role("button", name="Sign in").click()
    expect(ui.page.get_by_text("unknown or revoked token")).to_be_visible()
    ui.watch.errors.clear()  # the refused sign-in answers 401: Chromium logs it
    ui.goto("/ui/scripts/svc/diff?from=1&to=2")  # a link pasted into a chat
    ui.page.get_by_label("API token").fill(org.tokens["viewer"])
    ui.page.keyboard.press("Enter")  # the keyboard is enough
    expect(ui.page.get_by_role("heading", name=re.compile("Diff of svc"))).to_be_visible()
    assert ui.page.url.endswith("/ui/scripts/svc/diff?from=1&to=2")


# Reading ------------------------------------------------------------------------------


def test_the_scripts_page_shows_what_every_environment_runs_and_filters_by_tag(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["viewer"])
    row = ui.page.locator("tr[data-script=svc]")
    expect(row.locator("td[data-environment=production] .version")).to_have_text("v1")
    expect(row.locator("td[data-environment=production]")).to_contain_text("rel-1")
    expect(row.locator("td[data-environment=production]")).to_contain_text("by deployer")
    expect(row.locator("td[data-environment=staging] .version")).to_have_text("v2")
    expect(ui.page.locator("tr[data-script=other]")).to_be_visible()
    ui.shot("scripts")
    ui.page.get_by_label("Tag").fill("billing")
    ui.page.get_by_role("button", name="Filter").click()
    expect(ui.page.locator("tr[data-script=other]")).to_have_count(0)
    expect(ui.page.locator("tr[data-script=svc]")).to_be_visible()
    assert ui.page.url.endswith("/ui/scripts?tag=billing")


def test_the_script_page_answers_what_production_ran_at_a_chosen_instant_on_the_lanes(ui: Ui, org: Org) -> None:
    first = datetime.fromisoformat(org.moves["production1"]["time"])
    later = datetime.fromisoformat(org.moves["staging2"]["time"])
    middle = (first + (later - first) / 2).astimezone(UTC)
    ui.sign_in(org.tokens["viewer"])
    ui.goto("/ui/scripts/svc")
    lanes = ui.page.locator("svg.lanes")
    expect(lanes.locator("g.lane[data-environment=production] g.band text")).to_have_text(["v1"])
    staging = lanes.locator("g.lane[data-environment=staging] g.band")
    assert staging.evaluate_all("bands => bands.map(b => b.dataset.version)") == ["1", "2"]
    expect(staging.last.locator("text")).to_have_text("v2")  # what runs now is always labelled
    ui.page.get_by_label("What ran at").fill(middle.isoformat())
    ui.page.get_by_role("button", name="Show").click()
    answer = ui.page.locator("#at-answer li[data-environment=production]")
    expect(answer.locator(".version")).to_have_text("v1")
    expect(ui.page.locator("#at-answer li[data-environment=staging] .version")).to_have_text("v1")
    expect(ui.page.locator("#at-answer li[data-environment=development]")).to_contain_text("ran nothing")
    expect(lanes.locator("g.cursor")).to_have_count(1)
    assert "at=" in ui.page.url  # htmx pushed the instant into the URL: a stable link
    ui.shot("script-at")
    # The same URL, pasted, answers the same; and it matches the API's answer.
    ui.goto(ui.page.url.removeprefix(ui.server.url))
    expect(ui.page.locator("#at-answer li[data-environment=production] .version")).to_have_text("v1")
    api = org.ok("GET", "/v1/scripts/svc/environments/production/at", role="viewer",
                 params={"time": middle.isoformat()})
    assert api["version"] == 1
    versions = ui.page.locator("table.versions tbody tr")
    expect(versions).to_have_count(3)
    expect(versions.first).to_contain_text("rel-3")
    expect(versions.first).to_contain_text("note 3")


def test_times_show_in_the_viewers_time_zone_with_utc_on_hover(browser: Any, server: LiveServer,
                                                                shots: Path, org: Org) -> None:
    tokyo = Ui(browser, server, shots, "tokyo", timezone_id="Asia/Tokyo", locale="en-GB")
    try:
        tokyo.sign_in(org.tokens["viewer"])
        cell = tokyo.page.locator("tr[data-script=svc] td[data-environment=production] time")
        stamp = datetime.fromisoformat(str(cell.get_attribute("datetime")))
        local = stamp.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
        expect(cell).to_contain_text(local.strftime("%H:%M:%S"))
        assert cell.get_attribute("title") == stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        expect(tokyo.page.locator("footer .zone")).to_have_text("Asia/Tokyo")
        tokyo.shot("tokyo")
        assert tokyo.watch.outside == [] and tokyo.watch.errors == []
    finally:
        tokyo.close()


def test_the_diff_page_shows_blocks_a_highlighted_unified_diff_and_secrets_by_fingerprint(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["viewer"])
    ui.goto("/ui/scripts/svc")
    ui.page.locator("tr[data-version='2']").get_by_role("link", name="Diff with v1").click()
    expect(ui.page.get_by_role("heading", name="Diff of svc: version 1 → version 2")).to_be_visible()
    blocks = ui.page.locator("section.blocks")
    expect(blocks.locator("tr.added")).to_contain_text("step2")
    expect(blocks.locator("tr.removed")).to_contain_text("step1")
    expect(blocks.locator("tr.added")).to_contain_text("read → step2")
    expect(ui.page.locator(".unified .gi").first).to_be_visible()  # Pygments' inserted lines
    expect(ui.page.locator(".unified .gd").first).to_be_visible()
    ui.shot("diff-versions")
    ui.goto("/ui/scripts/svc/diff?from=staging&to=production")
    row = ui.page.locator("tr[data-key=API_KEY]")
    expect(row).to_contain_text("changed")
    expect(row).to_contain_text("fingerprint")
    content = ui.page.content()
    assert "s3cret" not in content  # secrets never appear, only their fingerprints
    api = org.ok("GET", "/v1/scripts/svc/environments/diff", role="viewer",
                 params={"left": "staging", "right": "production"})
    assert api["config"][0]["production"]["fingerprint"] in row.inner_text()
    ui.shot("diff-environments")


# Writing ------------------------------------------------------------------------------


def test_an_editor_promotes_to_staging_through_the_plan_and_is_not_offered_production(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["editor"])
    ui.goto("/ui/scripts/svc")
    row = ui.page.locator("tr[data-version='3']")
    expect(row.locator("a.promote[data-environment=production]")).to_have_count(0)
    row.get_by_role("link", name="Promote to staging…").click()
    expect(ui.page.locator(".gate.passed[data-gate=staging_first]")).to_be_visible()
    expect(ui.page.locator("pre.command")).to_contain_text("revledger promote svc --version 3 --to staging --expect-current 2")
    ui.shot("plan-staging")
    ui.page.get_by_role("button", name="Confirm promotion").click()
    expect(ui.page.get_by_role("heading", name="Promoted svc in staging: v2 → v3")).to_be_visible()
    ui.shot("promoted")
    assert org.ok("GET", "/v1/scripts/svc/environments", role="viewer")["environments"]["staging"] == 3
    # The production plan is refused to an editor, as the API refuses the move.
    response = ui.goto("/ui/scripts/svc/promote?environment=production&version=3")
    assert response.status == 403
    ui.watch.errors.clear()


def test_a_refused_gate_is_shown_and_a_deployer_overrides_it_with_a_reason(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["deployer"])
    ui.goto("/ui/scripts/svc")
    ui.page.locator("tr[data-version='3']").get_by_role("link", name="Promote to production…").click()
    refused = ui.page.locator(".gate.failed[data-gate=staging_first]")
    expect(refused).to_contain_text("version 3 never ran in staging")
    expect(ui.page.get_by_role("button", name="Confirm promotion")).to_have_count(0)
    ui.shot("plan-refused")
    ui.page.get_by_role("textbox", name=re.compile(r"^Reason")).fill("hotfix approved by the release manager")
    ui.page.get_by_label("Override the refused gates").check()
    ui.page.get_by_role("button", name="Override and promote").click()
    expect(ui.page.get_by_role("heading", name="Promoted svc in production: v1 → v3")).to_be_visible()
    expect(ui.page.get_by_text("gates overridden: staging_first")).to_be_visible()
    ui.shot("overridden")
    rows = org.ok("GET", "/v1/audit", role="viewer", params={"kind": "promote", "environment": "production"})
    assert rows[-1]["override"] is True and rows[-1]["reason"] == "hotfix approved by the release manager"


def test_an_override_without_a_reason_is_refused_and_nothing_moves(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["deployer"])
    ui.goto("/ui/scripts/svc/promote?environment=production&version=3")
    before = log_size(ui.server)
    response = ui.page.request.post(ui.server.url + "/ui/scripts/svc/promote", form={
        "csrf_token": ui.csrf(), "environment": "production", "version": "3", "expect_current": "1",
        "override_gates": "true", "reason": "",
    })
    assert response.status in (409, 422), response.status
    assert "reason" in response.text()
    assert log_size(ui.server) == before


def test_a_rollback_asks_for_the_incident_id_then_confirms_the_plan(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["deployer"])
    ui.goto("/ui/scripts/svc")
    ui.page.locator("tr[data-environment=staging]").get_by_role("link", name="Roll back staging…").click()
    expect(ui.page.locator(".plan")).to_have_count(0)  # first the incident id
    ui.page.get_by_label("Incident id").fill("INC-9")
    ui.page.get_by_label("Reason").fill("error spike")
    ui.page.get_by_role("button", name="Show the plan").click()
    expect(ui.page.locator(".gate.passed[data-gate=known_good]")).to_be_visible()
    ui.shot("rollback-plan")
    ui.page.get_by_role("button", name="Confirm rollback to v1").click()
    expect(ui.page.get_by_role("heading", name="Rolled back svc in staging: v2 → v1")).to_be_visible()
    ui.shot("rolled-back")
    rows = org.ok("GET", "/v1/audit", role="viewer", params={"kind": "rollback"})
    assert [(r["incident"], r["reason"], r["to_version"]) for r in rows] == [("INC-9", "error spike", 1)]
    ui.goto("/ui/scripts/svc")
    quarantined = ui.page.locator("g.lane[data-environment=staging] g.band.quarantined")
    assert quarantined.evaluate_all("bands => bands.map(b => b.dataset.version)") == ["2"]
    expect(quarantined.locator("rect title")).to_contain_text("rolled back and quarantined")
    expect(ui.page.locator("g.lane[data-environment=staging] g.marker.rollback")).to_have_count(1)


def test_a_viewer_is_offered_no_write_buttons_and_a_forged_post_is_refused(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["viewer"])
    ui.goto("/ui/scripts/svc")
    expect(ui.page.locator("a.promote")).to_have_count(0)
    expect(ui.page.locator("a.rollback")).to_have_count(0)
    ui.shot("viewer-script")
    before = log_size(ui.server)
    forged = ui.page.request.post(ui.server.url + "/ui/scripts/svc/promote", form={
        "csrf_token": ui.csrf(), "environment": "staging", "version": "3", "expect_current": "2"})
    assert forged.status == 403
    assert "requires" in forged.text() or "role" in forged.text()
    forged = ui.page.request.post(ui.server.url + "/ui/scripts/svc/rollback", form={
        "csrf_token": ui.csrf(), "environment": "production", "to": "0", "incident": "INC-1",
        "expect_current": "1"})
    assert forged.status == 403
    assert log_size(ui.server) == before


def test_a_post_without_the_csrf_token_is_refused(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["deployer"])
    before = log_size(ui.server)
    for form in ({}, {"csrf_token": "forged"}):
        refused = ui.page.request.post(ui.server.url + "/ui/scripts/svc/promote", form={
            **form, "environment": "staging", "version": "3", "expect_current": "2"})
        assert refused.status == 403
        assert "CSRF" in refused.text()
    assert ui.page.request.post(ui.server.url + "/ui/sign-out", form={}).status == 403
    assert log_size(ui.server) == before
    ui.goto("/ui/scripts")  # still signed in: the forged sign-out did nothing
    expect(ui.page.get_by_role("button", name="Sign out")).to_be_visible()


# Audit, incidents, compliance --------------------------------------------------------------


def test_the_audit_is_filtered_paginated_and_downloaded_as_csv(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["viewer"])
    ui.goto("/ui/audit")
    ui.page.get_by_label("promote", exact=True).check()
    ui.page.get_by_label("Environment").select_option("staging")
    ui.page.get_by_role("button", name="Filter").click()
    rows = ui.page.locator("table.audit tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("promote")
    assert "kind=promote" in ui.page.url and "environment=staging" in ui.page.url
    ui.shot("audit")
    with ui.page.expect_download() as started:
        ui.page.locator("#audit-csv").click()
    text = Path(started.value.path()).read_text(encoding="utf-8")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [(r["kind"], r["environment"], r["to_version"]) for r in parsed] == [("promote", "staging", "1"), ("promote", "staging", "2")]
    api = org.api("viewer").get("/v1/audit", params={"kind": "promote", "environment": "staging", "format": "csv"})
    assert text == api.text  # the API's CSV, byte for byte
    ui.goto("/ui/audit?limit=2")
    first_page = ui.page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    ui.page.get_by_role("link", name="Next page →").click()
    second_page = ui.page.locator("table.audit tbody tr td:first-child").all_inner_texts()
    assert len(first_page) == 2 and second_page and int(second_page[0]) > int(first_page[-1])


def records(since: str, until: str, count: int, failing: int = 0) -> list[dict[str, Any]]:
    start, stop = datetime.fromisoformat(since), datetime.fromisoformat(until)
    step = (stop - start) / (count + 1)
    return [{"timestamp": (start + step * (i + 1)).isoformat(), "script": "svc", "environment": "production",
             "status": "failed" if i < failing else "completed", "duration_ms": 100} for i in range(count)]


def test_the_incident_timeline_shows_its_chart_and_the_markdown_postmortem(ui: Ui, org: Org) -> None:
    now = lambda: datetime.now(UTC).isoformat()  # noqa: E731
    org.ok("POST", "/v1/logs", json={"records": records(org.moves["production1"]["time"], now(), 20)}, role="editor")
    org.ok("POST", "/v1/scripts/svc/environments/production/promote", json={"version": 2})
    bad = org.ok("GET", "/v1/scripts/svc/environments/production/at", params={"time": "now"})["since"]
    org.ok("POST", "/v1/logs", json={"records": records(bad, now(), 20, failing=15)}, role="editor")
    rolled = org.ok("POST", "/v1/scripts/svc/environments/production/rollback",
                    json={"to": 0, "incident": "INC-7", "reason": "error spike"})
    org.ok("POST", "/v1/logs", json={"records": records(rolled["time"], now(), 20)}, role="editor")
    org.ok("POST", "/v1/incidents", json={"id": "INC-7", "title": "totals missing", "started": bad}, role="editor")
    ui.sign_in(org.tokens["viewer"])
    ui.goto("/ui/incidents")
    ui.page.get_by_label("Incident id").fill("INC-7")
    ui.page.get_by_role("button", name="Open timeline").click()
    expect(ui.page.get_by_role("heading", name="Incident INC-7 — totals missing")).to_be_visible()
    chart = ui.page.locator(".chart svg")
    expect(chart.locator("polyline.error-rate")).not_to_have_count(0)
    expect(chart.locator("line.marker")).not_to_have_count(0)
    postmortem = ui.page.get_by_label("Postmortem skeleton to copy")
    expect(postmortem).to_have_value(re.compile(r"^# Postmortem: INC-7 — totals missing"))
    api = org.api("viewer").get("/v1/incidents/INC-7/timeline", params={"format": "md"}).text
    assert postmortem.input_value() == api.rstrip("\n") or postmortem.input_value() == api
    expect(ui.page.locator("p.recovery")).to_contain_text("Recovered")
    ui.shot("incident")


def test_the_compliance_report_lists_findings_and_downloads_as_csv_and_html(ui: Ui, org: Org) -> None:
    org.ok("POST", "/v1/scripts/svc/environments/production/promote",
           json={"version": 3, "override_gates": True, "reason": "hotfix"})
    ui.sign_in(org.tokens["viewer"])
    ui.goto("/ui/compliance?since=-1d")
    expect(ui.page.locator("ul.findings li.finding").first).to_be_visible()
    expect(ui.page.locator("ul.findings")).to_contain_text("override")
    ui.shot("compliance")
    for link, media in (("#compliance-csv", "time,actor,script"), ("#compliance-html", "<!DOCTYPE html>")):
        with ui.page.expect_download() as started:
            ui.page.locator(link).click()
        assert Path(started.value.path()).read_text(encoding="utf-8").startswith(media)


# Assets and hosts -----------------------------------------------------------------------------


PAGES = [
    "/ui/scripts", "/ui/scripts?tag=billing", "/ui/scripts/svc", "/ui/scripts/svc?at=now",
    "/ui/scripts/svc/diff?from=1&to=3", "/ui/scripts/svc/diff?from=staging&to=production",
    "/ui/scripts/svc/promote?environment=production&version=3", "/ui/scripts/svc/rollback?environment=staging",
    "/ui/scripts/svc/rollback?environment=staging&incident=INC-1", "/ui/audit", "/ui/incidents",
    "/ui/incidents/INC-1", "/ui/compliance", "/ui/requests", "/ui/requests?state=&environment=production",
]


def test_no_page_requests_another_host_and_every_page_sends_the_content_security_policy(ui: Ui, org: Org) -> None:
    org.ok("POST", "/v1/incidents", json={"id": "INC-1", "title": "slow"}, role="editor")
    ui.goto("/ui/sign-in")
    ui.sign_in(org.tokens["deployer"])
    seen: list[str] = []
    ui.page.on("request", lambda request: seen.append(request.url))
    for path in PAGES:
        response = ui.goto(path)
        assert response.status == 200, (path, response.status)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "http" not in policy
        ui.shot(re.sub(r"\W+", "-", path.strip("/")))
        assert unlabelled(ui.page) == [], path
    assert seen and all(url.startswith(ui.server.url) for url in seen), [u for u in seen if not u.startswith(ui.server.url)]
    assert any(url.endswith("/ui/static/htmx.min.js") for url in seen)
    assert ui.watch.outside == []
    # The guard itself works: a request to another host is caught (and aborted).
    with pytest.raises(sync_api.Error):
        ui.page.goto("http://example.invalid/")
    assert ui.watch.outside == ["http://example.invalid/"]
    ui.watch.outside.clear()
    ui.watch.errors.clear()


def unlabelled(page: Any) -> list[str]:
    """Controls with no accessible name (no label, no aria-label, a button without text)."""
    return list(page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea, button')]
      .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                    && !(el.tagName === 'BUTTON' && el.textContent.trim()))
      .map(el => el.outerHTML)"""))


def tab_to(page: Any, text: str, presses: int = 80) -> None:
    """Press Tab until the focused element's text starts with ``text``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && (document.activeElement.innerText || '').trim()")
        if focused.startswith(text):
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_a_promotion_can_be_made_with_the_keyboard_alone(ui: Ui, org: Org) -> None:
    ui.sign_in(org.tokens["editor"])
    ui.goto("/ui/scripts/svc")
    tab_to(ui.page, "Promote to staging")  # the first one: version 3's row (newest first)
    ui.page.keyboard.press("Enter")
    expect(ui.page.get_by_role("heading", name="Promote svc v3 to staging")).to_be_visible()
    tab_to(ui.page, "Confirm promotion")
    ui.page.keyboard.press("Enter")
    expect(ui.page.get_by_role("heading", name="Promoted svc in staging: v2 → v3")).to_be_visible()


def test_the_vendored_htmx_is_served_with_its_version_and_licence(server: LiveServer) -> None:
    static = Path(__file__).parents[2] / "api" / "web" / "static"
    body = httpx.get(f"{server.url}/ui/static/htmx.min.js").text
    assert body == (static / "htmx.min.js").read_text(encoding="utf-8")
    assert 'version:"2.0.11"' in body
    assert "2.0.11" in (static / "htmx.VERSION").read_text(encoding="utf-8")
    assert "Zero-Clause BSD" in httpx.get(f"{server.url}/ui/static/htmx.LICENSE").text
    assert httpx.get(f"{server.url}/ui/static/../settings.py").status_code == 404
    assert all(not path.startswith("/ui") for path in httpx.get(f"{server.url}/openapi.json", timeout=120).json()["paths"])
