"""The Lists pages in real Chromium: CSV upload with its progress bar and refused-rows report,
contacts paged and searched, DNC numbers added and removed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.browser import (
    Console,
    LiveServer,
    Page,
    audit,
    contacts_csv,
    create_list,
    expect,
    fast_settings,
    off_loop,
    readme_shot,
    sign_in,
    upload_csv,
)
from tests.conftest import ACCOUNT_A, STREAM_A1, make_credentials

BODY_LIMIT = 2048


def test_upload_report_paging_and_search(tab: tuple[Page, Console], database_url: str) -> None:
    """A file far larger than the JSON body limit streams in; refused rows are reported with
    their line numbers; contacts page and search."""
    page, _ = tab
    settings = fast_settings(database_url, max_body_bytes=BODY_LIMIT)
    creds = off_loop(make_credentials, settings, ACCOUNT_A, [STREAM_A1])
    good = contacts_csv(60, "America/Chicago")
    bad_lines = "12,Short,Number,,u-short\n+14155550199,Bad,Zone,Mars/Olympus,u-zone\n"
    text = good + bad_lines + contacts_csv(3, "America/Chicago", first=0).split("\n", 1)[1]
    assert len(text.encode()) > BODY_LIMIT
    with LiveServer(settings) as server:
        sign_in(page, server.url, creds.client_id, creds.client_secret)
        create_list(page, server.url, STREAM_A1, "Customers")
        expect(page.locator("#contacts-empty")).to_be_visible()
        audit(page)
        upload_csv(page, "customers.csv", text)
        expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
        expect(page.locator("#import-rows")).to_have_text("65")
        expect(page.locator("#import-added")).to_have_text("60")
        expect(page.locator("#import-duplicates")).to_have_text("3")
        expect(page.locator("#import-refused")).to_have_text("2")
        refused = page.locator("#refused-rows tbody tr")
        expect(refused).to_have_count(2)
        expect(refused.nth(0)).to_contain_text("62")
        expect(refused.nth(0)).to_contain_text("phoneNumber")
        expect(refused.nth(1)).to_contain_text("63")
        expect(refused.nth(1)).to_contain_text("timeZone")
        with page.expect_download() as download:
            page.locator("#refused-csv").click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert [(r["line"], r["field"]) for r in rows] == [
            ("62", "phoneNumber"),
            ("63", "timeZone"),
        ]
        # the contacts table refreshed itself after the import
        expect(page.locator("#contacts-page")).to_contain_text("Page 1 of 3 (60 in all)")
        readme_shot(page, "list-upload")
        page.locator("#contacts-next").click()
        expect(page.locator("#contacts-page")).to_contain_text("Page 2 of 3")
        page.get_by_label("Search", exact=True).fill("Name42")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#contacts-table tbody tr")).to_have_count(1)
        expect(page.locator("#contacts-table")).to_contain_text("+14155551042")
        page.get_by_label("Search", exact=True).fill("555-1007")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#contacts-table tbody tr")).to_have_count(1)
        expect(page.locator("#contacts-table")).to_contain_text("u-7")
        audit(page)
        page.reload()
        expect(page.locator("#import-added")).to_have_text("60")
        upload_csv(page, "wrong.csv", "name,city\nAda,London\n")
        expect(page.locator("#import-job")).to_have_attribute("data-status", "failed")
        expect(page.locator("#import-report [role=alert]")).to_contain_text("phoneNumber")
        expect(page.locator("#contacts-page")).to_contain_text("(60 in all)")


def test_dnc_numbers_added_and_removed(tab: tuple[Page, Console], database_url: str) -> None:
    page, _ = tab
    settings = fast_settings(database_url)
    creds = off_loop(make_credentials, settings, ACCOUNT_A, [STREAM_A1])
    with LiveServer(settings) as server:
        sign_in(page, server.url, creds.client_id, creds.client_secret)
        create_list(page, server.url, STREAM_A1, "Do not call", "dnc")
        page.get_by_label("Numbers to add").fill("+14155550123\n(212) 555-0199, 12")
        page.get_by_role("button", name="Add numbers").click()
        expect(page.locator("#err-dnc-add")).to_have_text("data[2].phoneNumber '12' is too short")
        expect(page.get_by_label("Numbers to add")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#contacts-empty")).to_be_visible()
        page.get_by_label("Numbers to add").fill("+14155550123\n(212) 555-0199")
        page.get_by_role("button", name="Add numbers").click()
        expect(page.locator(".notice")).to_have_text("Added 2 number(s); 0 already listed.")
        expect(page.locator("#contacts-table tbody tr")).to_have_count(2)
        expect(page.locator("#contacts-table")).to_contain_text("+12125550199")
        audit(page)
        page.get_by_label("Numbers to remove").fill("212-555-0199")
        page.get_by_role("button", name="Remove numbers").click()
        expect(page.locator(".notice")).to_have_text("Removed 1 number(s).")
        expect(page.locator("#contacts-table tbody tr")).to_have_count(1)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
        expect(page.locator("#dnc-lists")).to_contain_text("Do not call")
        expect(page.locator("#dnc-lists")).to_contain_text("Default Global DNC")
        audit(page)
