"""Every documented campaign sample request goes through the API and its answer is compared
with the documented response: same keys at every level, same types, same fixed values."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import V1, V2_SHORT, Api
from tests.kore import assert_same_shape, request_sample, sample

SAMPLE_LIST = "CL Only 2020 Dec 4"
SAMPLE_DNC = "DNC CL Dec 4"
V1_LIST = "Recent Buyers - Q2 2025"


@pytest.fixture
def lists(api: Api) -> Api:
    """The lists the v2 and v1 samples name."""
    api.create_list(SAMPLE_LIST)
    api.create_list(SAMPLE_DNC, "dnc")
    api.create_list(V1_LIST)
    return api


def _create(api: Api, name: str, prefix: str | None = None, **changes: Any) -> dict[str, Any]:
    body = request_sample(name) | changes
    kwargs = {"prefix": prefix} if prefix else {}
    res = api.post("/campaign", params={"campaignType": "voice"}, json=body, **kwargs)
    assert res.status_code == 200, res.text
    return dict(res.json())


@pytest.mark.parametrize("mode", ["agentless", "progressive", "preview"])
def test_create_v2_matches_sample(lists: Api, mode: str) -> None:
    got = _create(lists, f"create-voice-campaign-{mode}-v2-request")
    assert_same_shape(got, sample(f"create-voice-campaign-{mode}-v2-response"))
    assert got["data"]["id"].startswith("cd-")


def test_create_v2_on_the_short_prefix(lists: Api) -> None:
    got = _create(lists, "create-voice-campaign-agentless-v2-request", prefix=V2_SHORT)
    assert_same_shape(got, sample("create-voice-campaign-agentless-v2-response"))


@pytest.mark.parametrize("mode", ["agentless", "progressive"])
def test_create_v1_matches_sample(lists: Api, mode: str) -> None:
    got = _create(lists, f"create-voice-campaign-{mode}-request", prefix=V1)
    assert_same_shape(got, sample(f"create-voice-campaign-{mode}-response"), {"name", "lname"})


def test_create_v1_preview_answers_the_minimal_shape(lists: Api) -> None:
    got = _create(lists, "create-voice-campaign-preview-request", prefix=V1)
    assert_same_shape(got, sample("create-voice-campaign-preview-response"), {"message"})
    assert got["message"] == "Campaign Billing Reminder Voice Campaign creation in progress"
    assert got["data"]["campId"] == got["id"]


def test_get_v2_matches_sample_and_is_ready(lists: Api) -> None:
    created = _create(lists, "create-voice-campaign-agentless-v2-request")["data"]
    got = lists.get(f"/campaign/{created['id']}").json()
    assert_same_shape(got, sample("get-voice-campaign-by-id-v2-response"), {"description"})
    assert got["data"]["status"] == "Ready"
    assert got["data"]["experienceFlow"] == created["experienceFlow"]


def test_update_v2_matches_sample(lists: Api) -> None:
    created = _create(lists, "create-voice-campaign-agentless-v2-request")["data"]
    body = request_sample("update-voice-campaign-v2-request")
    res = lists.put(f"/campaign/{created['id']}", params={"campaignType": "sms"}, json=body)
    assert res.status_code == 200, res.text
    got = res.json()
    assert_same_shape(got, sample("update-voice-campaign-v2-response"), {"description"})
    assert got["id"] == got["data"]["_id"] == created["id"]
    assert got["data"]["description"] == body["description"]


def test_update_v1_matches_sample(lists: Api) -> None:
    created = _create(lists, "create-voice-campaign-preview-request", prefix=V1)
    body = request_sample("update-voice-campaign-request")
    res = lists.put(
        f"/campaign/{created['id']}", params={"campaignType": "voice"}, json=body, prefix=V1
    )
    assert res.status_code == 200, res.text
    assert_same_shape(res.json(), sample("update-voice-campaign-response"))


def test_delete_v2_matches_sample(lists: Api) -> None:
    created = _create(lists, "create-voice-campaign-progressive-v2-request")["data"]
    got = lists.delete(f"/campaign/{created['id']}", params={"campaignType": "voice"}).json()
    assert_same_shape(got, sample("delete-voice-campaign-v2-response"))
    assert lists.get(f"/campaign/{created['id']}").status_code == 404


def test_delete_v1_matches_sample_before_any_run(lists: Api) -> None:
    created = _create(lists, "create-voice-campaign-preview-request", prefix=V1)
    got = lists.delete(f"/campaign/{created['id']}", prefix=V1).json()
    expected = sample("delete-voice-campaign-response")
    del expected["data"]["campaignInstanceId"]
    assert_same_shape(got, expected, {"name", "lname", "description", "status", "message"})
    assert got["message"] == "Campaign Billing Reminder Voice Campaign deleted successfully"


@pytest.mark.parametrize(
    ("prefix", "name"), [(None, "get-campaign-status-v2"), (V1, "get-campaign-status")]
)
def test_status_matches_sample(lists: Api, prefix: str | None, name: str) -> None:
    created = _create(lists, "create-voice-campaign-progressive-v2-request")["data"]
    kwargs = {"prefix": prefix} if prefix else {}
    res = lists.post(
        f"/campaign/{created['id']}/status", params={"view": "status"}, json={}, **kwargs
    )
    expected = sample(f"{name}-response")
    assert_same_shape(res.json(), expected, {"name", "status"})
    assert res.json()["data"] == {"id": created["id"], "status": "Ready", "name": created["name"]}


def test_list_v2_matches_sample(lists: Api) -> None:
    _create(lists, "create-voice-campaign-preview-v2-request")
    _create(lists, "create-voice-campaign-progressive-v2-request")
    _create(lists, "create-voice-campaign-agentless-v2-request")
    body = sample("get-all-campaigns-v2-request-voice")
    documented = lists.post("/campaign/getAllCampaignDetails", json=body)
    assert documented.status_code == 200
    assert documented.json()["data"]["results"] == []  # the sample's window is in 2025
    body["startDate"], body["endDate"] = "2020-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z"
    got = lists.post("/campaign/getAllCampaignDetails", json=body).json()
    expected = sample("get-all-campaigns-v2-response-voice")
    assert_same_shape(
        got, expected, {"name", "description", "totalResults", "totalPages", "dialingMode"}
    )
    assert [r["dialingMode"] for r in got["data"]["results"]] == ["Progressive", "Preview"]
    assert got["data"]["totalResults"] == 2


def test_list_v1_items_match_legacy_sample(lists: Api) -> None:
    _create(lists, "create-voice-campaign-progressive-request", prefix=V1)
    _create(lists, "create-voice-campaign-preview-request", prefix=V1)
    body = sample("get-all-voice-campaigns-request")
    got = lists.post("/campaign/getAllCampaignDetails", json=body, prefix=V1).json()
    expected = sample("get-all-voice-campaigns-response")
    ignore = {
        "name",
        "description",
        "totalResults",
        "totalPages",
        "hasMore",
        "limit",
        "status",
        "dialingMode",
        "contactLists",
    }
    assert_same_shape(got, expected, ignore)
    assert got["data"]["totalResults"] == 2


def test_list_v1_sms_sample_request_is_accepted(lists: Api) -> None:
    res = lists.post(
        "/campaign/getAllCampaignDetails", json=sample("get-all-campaigns-request"), prefix=V1
    )
    assert res.status_code == 200, res.text
    assert res.json()["data"]["results"] == []
