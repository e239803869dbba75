"""The pre-launch preview of a campaign (an outdial extension): contacts a run would dial,
those the campaign's and the account's DNC lists exclude, rows refused at import for their
numbers, and per time zone (the contact's own, else its number's, else the campaign's) the
contacts to dial and when calling hours next open. Read on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from outdial.kit.clock import VirtualClock
from tests.api import Api, campaign_body

# Wednesday 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles, 00:00 Thursday in Tokyo
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
CL = "/campaign/contactList"


def upload(api: Api, list_id: str, body: str) -> dict[str, Any]:
    res = api.post(
        f"{CL}/{list_id}/import", content=body.encode(), headers={"Content-Type": "text/csv"}
    )
    assert res.status_code == 200, res.text
    return dict(res.json()["data"])


def preview(api: Api, campaign_id: str) -> dict[str, Any]:
    res = api.get(f"/campaign/{campaign_id}/preview")
    assert res.status_code == 200, res.text
    return dict(res.json()["data"])


@pytest.fixture
def fixed(client: TestClient, api: Api) -> Api:
    client.app.state.clock = VirtualClock(NOW)  # type: ignore[attr-defined]
    return api


@pytest.fixture
def campaign(fixed: Api) -> str:
    api = fixed
    people = api.create_list("People")["_id"]
    more = api.create_list("More")["_id"]
    blocked = api.create_list("Blocked", "dnc")["_id"]
    upload(api, people, (
        "phoneNumber,timeZone\n"
        "+12125550101,\n"  # New York
        "+12125550102,\n"  # New York, on the campaign's DNC list
        "+18005550123,\n"  # toll-free: no zone of its own, so the campaign's
        "+14155550101,\n"  # Los Angeles, on the account's global DNC list
        "+14155550102,\n"  # Los Angeles
        "+442071838750,\n"  # London
        "+13125550101,Asia/Tokyo\n"  # Chicago number, Tokyo contact
        "12,\n"  # refused: no run will dial it
    ))  # fmt: skip
    upload(api, more, "phoneNumber\n+13125550102\n")
    upload(api, blocked, "phoneNumber\n+12125550102\n")
    res = api.add_contacts("Default Global DNC", [{"phoneNumber": "+14155550101"}])
    assert res.status_code == 200, res.text
    return str(api.create_campaign(campaign_body("Renewals", ["People", "More"], "Blocked"))["id"])


def test_preview_counts_contacts_dnc_refusals_and_zones(fixed: Api, campaign: str) -> None:
    data = preview(fixed, campaign)
    assert {k: data[k] for k in ("contacts", "toDial", "dncExcluded", "invalidNumbers")} == {
        "contacts": 8, "toDial": 6, "dncExcluded": 2, "invalidNumbers": 1
    }  # fmt: skip
    assert data["at"] == "2026-03-04T15:00:00.000Z"
    assert data["timeZones"] == [
        {"timeZone": "America/New_York", "contacts": 2, "openNow": True,
         "nextOpen": "2026-03-04T15:00:00.000Z"},
        {"timeZone": "America/Chicago", "contacts": 1, "openNow": True,
         "nextOpen": "2026-03-04T15:00:00.000Z"},
        {"timeZone": "America/Los_Angeles", "contacts": 1, "openNow": False,
         "nextOpen": "2026-03-04T17:00:00.000Z"},
        {"timeZone": "Asia/Tokyo", "contacts": 1, "openNow": False,
         "nextOpen": "2026-03-05T00:00:00.000Z"},
        {"timeZone": "Europe/London", "contacts": 1, "openNow": True,
         "nextOpen": "2026-03-04T15:00:00.000Z"},
    ]  # fmt: skip


def test_preview_changes_nothing_and_follows_the_lists(fixed: Api, campaign: str) -> None:
    before = fixed.get(f"/campaign/{campaign}").json()
    first = preview(fixed, campaign)
    assert fixed.get(f"/campaign/{campaign}").json() == before
    assert preview(fixed, campaign) == first
    res = fixed.post(
        "/campaign/contactList/removeContacts",
        prefix="/api/1.1/public/{stream}",
        query=False,
        json={"contact_list_name": "Blocked", "data": [{"phoneNumber": "+12125550102"}]},
    )
    assert res.status_code == 200, res.text
    after = preview(fixed, campaign)
    assert (after["toDial"], after["dncExcluded"]) == (7, 1)
    assert after["timeZones"][0] == {**first["timeZones"][0], "contacts": 3}


def test_a_campaign_with_empty_lists_previews_nothing(fixed: Api) -> None:
    fixed.create_list("Empty")
    fixed.create_list("No one", "dnc")
    campaign = fixed.create_campaign(campaign_body("Quiet", ["Empty"], "No one"))["id"]
    data = preview(fixed, campaign)
    assert (data["contacts"], data["toDial"], data["timeZones"]) == (0, 0, [])


def test_unknown_campaign_is_404(fixed: Api) -> None:
    res = fixed.get("/campaign/cd-0000000-0000-4000-8000-000000000000/preview")
    assert res.status_code == 404, res.text
