"""Every documented contact-list sample request goes through the API and its answer is
compared with the documented response."""

from __future__ import annotations

from typing import Any

from tests.api import V1, V1_1, Api
from tests.kore import assert_same_shape, request_sample, sample

CREATE = "/campaign/contactList/createContactList"


def _create_v2(api: Api, **changes: Any) -> dict[str, Any]:
    res = api.post(CREATE, json=request_sample("create-contact-list-v2-request") | changes)
    assert res.status_code == 200, res.text
    return dict(res.json())


def test_create_v2_matches_sample(api: Api) -> None:
    got = _create_v2(api)
    assert_same_shape(got, sample("create-contact-list-v2-response"))
    assert got["data"]["_id"].startswith("cl-")


def test_create_v1_sample_with_its_name1_typo(api: Api) -> None:
    res = api.post(CREATE, prefix=V1, json=request_sample("create-contact-list-request"))
    assert res.status_code == 200, res.text
    ignore = {"name", "description", "message", "source"}
    assert_same_shape(res.json(), sample("create-contact-list-response"), ignore)
    assert res.json()["data"]["name"] == "Renewal Due - July 2025"


def test_get_v2_matches_sample(api: Api) -> None:
    created = _create_v2(api, name="Renewal Due - May/June 2025")["data"]
    got = api.get(f"/campaign/contactList/{created['_id']}").json()
    assert_same_shape(got, sample("get-contact-list-details-v2-response"))


def test_get_v1_matches_sample(api: Api) -> None:
    created = _create_v2(
        api, name="Renewal Due - August 2025", allowDuplicates=True, source="passiveApiIntegration"
    )["data"]
    got = api.get(f"/campaign/contactList/{created['_id']}", prefix=V1).json()
    assert_same_shape(got, sample("get-contact-list-details-response"), {"description"})


def test_update_v2_matches_sample(api: Api) -> None:
    created = _create_v2(api)["data"]
    body = request_sample("update-contact-list-v2-request")
    got = api.put(f"/campaign/contactList/{created['_id']}", json=body).json()
    assert_same_shape(got, sample("update-contact-list-v2-response"))
    assert got["data"]["contactListId"] == created["_id"]
    again = api.get(f"/campaign/contactList/{created['_id']}").json()["data"]
    assert again["name"] == body["name"] and again["description"] == body["description"]


def test_update_v1_matches_sample(api: Api) -> None:
    created = _create_v2(api, name="Renewal Due - August 2025")["data"]
    body = request_sample("update-contact-list-request")  # the docs repeat the create body
    got = api.put(f"/campaign/contactList/{created['_id']}", json=body, prefix=V1).json()
    assert_same_shape(got, sample("update-contact-list-response"))


def test_delete_matches_samples(api: Api) -> None:
    for prefix, name, sample_name in [
        (None, "Renewal Due - May/June 2025", "delete-contact-list-details-v2-response"),
        (V1, "Renewal Due - August 2025", "delete-contact-list-details-response"),
    ]:
        created = _create_v2(
            api, name=name, source="passiveApiIntegration" if prefix else "passiveApi"
        )
        kwargs = {"prefix": prefix} if prefix else {}
        got = api.delete(f"/campaign/contactList/{created['data']['_id']}", **kwargs).json()
        assert_same_shape(got, sample(sample_name), {"description"})


def test_get_all_lists_matches_samples(api: Api) -> None:
    _create_v2(api, name="Renewal Due - July 2025")
    for prefix, sample_name in [
        (None, "get-all-contact-lists-v2-response"),
        (V1, "get-all-contact-lists-response"),
    ]:
        kwargs = {"prefix": prefix} if prefix else {}
        got = api.get(
            "/campaign/contactList/getAllListDetails", params={"type": "call"}, **kwargs
        ).json()
        ignore = {"name", "description", "source", "dataSyncMode", "totalRecordCount", "status"}
        assert_same_shape(got, sample(sample_name), ignore)
        assert [item["name"] for item in got["data"]] == ["Renewal Due - July 2025"]


def test_add_contacts_and_get_all_contacts_match_samples(api: Api) -> None:
    created = _create_v2(api, name="Renewal Due - July 2025")["data"]
    body = request_sample("add-contacts-to-contact-list-request")
    body["data"] = [
        {"phoneNumber": "+912233344556"},
        {"phoneNumber": "912233344557"},
        {"phoneNumber": "+91 22 3334 4558"},
    ]  # the sample's number is not valid
    res = api.post("/campaign/contactList/addContacts", prefix=V1_1, query=False, json=body)
    assert res.status_code == 200, res.text
    assert_same_shape(res.json(), sample("add-contacts-to-contact-list-response"))
    for prefix, sample_name in [
        (None, "get-all-contacts-of-a-contactlist-v2-response"),
        (V1, "get-all-contacts-of-a-contactlist-response"),
    ]:
        kwargs = {"prefix": prefix} if prefix else {}
        got = api.get(f"/campaign/contactList/{created['_id']}/getAllContacts", **kwargs).json()
        assert_same_shape(got, sample(sample_name), {"totalResults"})
        numbers = [c["phoneNumber"] for c in got["data"]["results"]]
        assert numbers == ["+912233344556", "+912233344557", "+912233344558"]
