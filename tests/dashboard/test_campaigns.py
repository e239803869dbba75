"""The dashboard in real Chromium: build lists, create a campaign in the form, start it and
watch it reach Completed on the simulated carrier; pause and resume; validation errors beside
their fields, with the API's own messages."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from outdial.apps.service import Credentials
from outdial.kit.auth import mint
from tests.api import campaign_body
from tests.browser import (
    DAYS,
    Console,
    LiveServer,
    Page,
    audit,
    contacts_csv,
    create_list,
    expect,
    fast_settings,
    fill_campaign,
    off_loop,
    open_zone,
    readme_shot,
    sign_in,
    upload_csv,
)
from tests.conftest import ACCOUNT_A, STREAM_A1, make_credentials

DNC_NUMBERS = ("+14155551001", "+14155551004")


def serve(database_url: str, **overrides: object) -> tuple[LiveServer, Credentials]:
    settings = fast_settings(database_url, **overrides)
    creds = off_loop(make_credentials, settings, ACCOUNT_A, [STREAM_A1])
    return LiveServer(settings), creds


def prepare_lists(page: Page, base: str, zone: str, count: int) -> None:
    """A contact list from a CSV upload and a DNC list holding two of its numbers."""
    create_list(page, base, STREAM_A1, "Renewals")
    upload_csv(page, "renewals.csv", contacts_csv(count, zone) + f"12,Bad,Number,{zone},u-bad\n")
    expect(page.locator("#import-added")).to_have_text(str(count))
    expect(page.locator("#import-refused")).to_have_text("1")
    create_list(page, base, STREAM_A1, "Opted out", "dnc")
    page.get_by_label("Numbers to add").fill("\n".join(DNC_NUMBERS))
    page.get_by_role("button", name="Add numbers").click()
    expect(page.locator(".notice")).to_contain_text("Added 2 number(s)")


def create_campaign(page: Page, base: str, name: str, zone: str) -> None:
    page.goto(f"{base}/ui/{STREAM_A1}/campaigns/new")
    fill_campaign(page, name, ["Renewals"], "Opted out", zone)
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url("**/campaigns/cd-*")
    expect(page.locator(".notice")).to_contain_text(f"Campaign {name} created")


def test_campaign_runs_to_completed(tab: tuple[Page, Console], database_url: str) -> None:
    page, _ = tab
    zone, count = open_zone(), 12
    server, creds = serve(database_url)
    with server:
        base = server.url
        sign_in(page, base, creds.client_id, creds.client_secret)
        prepare_lists(page, base, zone, count)
        create_campaign(page, base, "Renewal reminder", zone)
        expect(page.locator("#preview-contacts")).to_have_text(str(count))
        expect(page.locator("#preview-dial")).to_have_text(str(count - len(DNC_NUMBERS)))
        expect(page.locator("#preview-dnc")).to_have_text(str(len(DNC_NUMBERS)))
        expect(page.locator("#preview-invalid")).to_have_text("1")
        expect(page.locator("#preview-zones")).to_contain_text("Open now")
        audit(page)
        page.locator("#action-play").click()  # appears once the campaign is Ready
        expect(page.locator(".notice")).to_contain_text("Campaign Started")
        expect(page.locator("#campaign-status")).to_have_attribute(
            "data-status", "Completed", timeout=90_000
        )
        expect(page.locator("#stat-records")).to_have_text(str(count))
        expect(page.locator("#stat-remaining")).to_have_text("0")
        expect(page.locator("#stat-dnc")).to_have_text(str(len(DNC_NUMBERS)))
        expect(page.locator("#stat-dialed")).to_have_text(str(count - len(DNC_NUMBERS)))
        assert page.locator("svg.chart-svg polygon").count() >= 1
        page.reload()
        readme_shot(page, "campaign")
        check_attempts(page, count - len(DNC_NUMBERS))
        runs = page.locator("section[aria-labelledby=runs-title] tbody tr")
        expect(runs).to_have_count(1)
        expect(runs.first).to_contain_text("Completed")
        audit(page)
        page.goto(f"{base}/ui/{STREAM_A1}/campaigns")
        row = page.locator("tr", has_text="Renewal reminder")
        expect(row).to_contain_text("Completed")
        expect(row.locator("progress")).to_have_attribute("value", str(count))
        expect(row.locator("td").nth(1)).to_have_text("Agentless")
        expect(row.locator("td").nth(5)).to_have_text(re.compile(r"^\d+\.\d%$"))
        expect(row.locator("td").nth(6)).to_contain_text("(Completed)")
        readme_shot(page, "campaigns")
        audit(page)
        page.get_by_label("Mode").select_option("Progressive")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(".empty")).to_contain_text("No campaigns match these filters")
        page.get_by_label("Mode").select_option("Agentless")
        page.get_by_label("Status").select_option("Completed")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("tr", has_text="Renewal reminder")).to_be_visible()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
        expect(page.locator("#call-lists")).to_contain_text("Renewal reminder")
        readme_shot(page, "lists")


def check_attempts(page: Page, dialed: int) -> None:
    """The attempts table filters by outcome, and its CSV holds exactly what it shows."""
    table = page.locator("#attempts-table tbody tr")
    expect(table).to_have_count(dialed)
    answered = int(page.locator("#outcomes tr", has_text="Answered").locator("td").inner_text())
    page.get_by_label("Outcome", exact=True).select_option("answered")
    page.locator("#attempts-filter").click()
    expect(table).to_have_count(answered)
    for cell in table.locator("td:nth-child(6)").all_inner_texts():
        assert cell == "answered"
    with page.expect_download() as download:
        page.locator("#attempts-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == answered
    assert {r["outcome"] for r in rows} <= {"answered"}
    page.get_by_label("Outcome", exact=True).select_option("")
    page.get_by_label("Run", exact=True).select_option(index=1)
    page.get_by_label("Number contains").fill("555-1005")
    page.locator("#attempts-filter").click()
    expect(table).to_have_count(1)
    expect(table).to_contain_text("+14155551005")
    page.get_by_label("Number contains").fill("")
    page.locator("#attempts-filter").click()
    expect(table).to_have_count(dialed)


def test_pause_resume_and_stop(tab: tuple[Page, Console], database_url: str) -> None:
    """A slow account (one call every four seconds) stays Active long enough to pause."""
    page, _ = tab
    zone = open_zone()
    server, creds = serve(database_url, default_cps=0.25)
    with server:
        base = server.url
        sign_in(page, base, creds.client_id, creds.client_secret)
        prepare_lists(page, base, zone, 20)
        create_campaign(page, base, "Slow one", zone)
        page.locator("#action-play").click()
        expect(page.locator("#campaign-status")).to_have_attribute("data-status", "Active")
        page.locator("#action-pause").click()
        expect(page.locator(".notice")).to_contain_text("Campaign Paused")
        expect(page.locator("#campaign-status")).to_have_attribute("data-status", "Paused")
        expect(page.locator("#action-resume")).to_be_visible()
        audit(page)
        page.locator("#action-resume").click()
        expect(page.locator(".notice")).to_contain_text("Campaign Resumed")
        expect(page.locator("#campaign-status")).to_have_attribute("data-status", "Active")
        page.goto(f"{base}/ui/{STREAM_A1}/campaigns?status=Active")
        row = page.locator("tr", has_text="Slow one")
        progress = row.locator("progress")
        before = progress.get_attribute("value")
        expect(progress).not_to_have_attribute("value", str(before))  # the table polls itself
        row.get_by_role("button", name="Stop Slow one").click()
        expect(page.locator(".notice")).to_contain_text("Campaign Stopped")
        expect(page.locator(".empty")).to_contain_text("No campaigns match these filters")
        page.get_by_label("Status").select_option("Stopped")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("tr", has_text="Slow one")).to_contain_text("Stopped")


def test_validation_errors_match_the_api(tab: tuple[Page, Console], database_url: str) -> None:
    """The form's errors are the API's, word for word, shown beside the fields they name;
    fixing them creates the campaign, and editing shows the saved week grid."""
    page, _ = tab
    zone = open_zone()
    server, creds = serve(database_url)
    with server:
        base = server.url
        sign_in(page, base, creds.client_id, creds.client_secret)
        prepare_lists(page, base, zone, 3)
        page.goto(f"{base}/ui/{STREAM_A1}/campaigns/new")
        fill_campaign(page, "Checked", ["Renewals"], "Opted out", zone)
        page.get_by_label("Ring time (seconds)").fill("500")
        page.fill("#day-TU-0-start", "18:00")
        page.fill("#day-TU-0-end", "09:00")
        page.get_by_role("button", name="Create campaign").click()
        expected = api_errors(base, creds, zone)
        ring = page.locator("#err-f-dialingStrategy-maxRingTime")
        expect(ring).to_have_text(expected["dialingStrategy.maxRingTime"])
        expect(page.locator("#err-day-TU")).to_have_text(
            expected["dialingStrategy.callingHours.days[1]"]
        )
        expect(page.get_by_label("Ring time (seconds)")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#error-summary")).to_be_focused()
        readme_shot(page, "validation")
        audit(page)
        page.get_by_label("Ring time (seconds)").fill("45")
        page.fill("#day-TU-0-start", "09:00")
        page.fill("#day-TU-0-end", "18:00")
        page.uncheck("#day-SU-on")
        page.get_by_role("button", name="Create campaign").click()
        page.wait_for_url("**/campaigns/cd-*")
        page.get_by_role("link", name="Edit configuration").click()
        expect(page.get_by_label("Ring time (seconds)")).to_have_value("45")
        expect(page.locator("#day-SU-on")).not_to_be_checked()
        expect(page.locator("#day-TU-0-start")).to_have_value("09:00")
        page.get_by_label("Ring time (seconds)").fill("60")
        page.fill("#day-WE-0-end", "17:30")
        page.get_by_role("button", name="Save campaign").click()
        page.wait_for_url("**/campaigns/cd-*")
        expect(page.locator(".notice")).to_contain_text("Campaign Checked saved")
        expect(page.locator("main")).to_contain_text("60 s")
        expect(page.locator("tr", has_text="Wednesday")).to_contain_text("12:00 AM to 5:30 PM")
        expect(page.locator("tr", has_text="Sunday")).to_contain_text("No calls")


def api_errors(base: str, creds: Credentials, zone: str) -> dict[str, str]:
    """What the API answers for the same mistakes, by field."""
    days = [{"day": d, "start": "12:00 AM", "end": "11:59 PM"} for d in DAYS]
    days[1] = {"day": "TU", "start": "6:00 PM", "end": "9:00 AM"}
    body = campaign_body("Checked", ["Renewals"], "Opted out")
    strategy = body["dialingStrategy"]
    strategy["maxRingTime"] = 500
    strategy["callingHours"] = {"frequency": "WEEKLY", "timezone": zone, "days": days}
    url = f"{base}/campaign/api/v2/public/{STREAM_A1}/campaign?campaignType=voice"
    headers = {"auth": mint(creds.client_id, creds.client_secret), "accountId": ACCOUNT_A}
    answer = httpx.post(url, json=body, headers=headers, timeout=30)
    assert answer.status_code == 400, answer.text
    return {e["field"]: e["msg"] for e in answer.json()["errors"]}


def test_contacts_wait_for_their_window(tab: tuple[Page, Console], database_url: str) -> None:
    """Calling hours only on a day that is not today: the preview says when the window
    opens, and a started run dials nobody; its records wait for their window."""
    page, _ = tab
    zone, count = open_zone(), 5
    later = DAYS[(datetime.now(ZoneInfo(zone)).weekday() + 2) % 7]
    server, creds = serve(database_url)
    with server:
        base = server.url
        sign_in(page, base, creds.client_id, creds.client_secret)
        prepare_lists(page, base, zone, count)
        page.goto(f"{base}/ui/{STREAM_A1}/campaigns/new")
        fill_campaign(page, "Not today", ["Renewals"], "Opted out", zone)
        for day in DAYS:
            if day != later:
                page.uncheck(f"#day-{day}-on")
        page.get_by_role("button", name="Create campaign").click()
        page.wait_for_url("**/campaigns/cd-*")
        expect(page.locator("#preview-zones")).to_contain_text("Open at")
        page.locator("#action-play").click()
        expect(page.locator(".notice")).to_contain_text("Campaign Started")
        to_dial = str(count - len(DNC_NUMBERS))
        expect(page.locator("#stat-window")).to_have_text(to_dial)
        expect(page.locator("#stat-remaining")).to_have_text(to_dial)
        expect(page.locator("#stat-dnc")).to_have_text(str(len(DNC_NUMBERS)))
        expect(page.locator("#stat-dialed")).to_have_text("0")
        expect(page.locator("#campaign-status")).to_have_attribute("data-status", "Active")
        page.locator("#action-stop").click()
        expect(page.locator(".notice")).to_contain_text("Campaign Stopped")
        expect(page.locator("#stat-remaining")).to_have_text("0")
