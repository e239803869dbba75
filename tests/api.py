"""A thin test client that speaks outdial's Kore API: auth header, prefixes, helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

from outdial.apps.service import Credentials
from outdial.kit.auth import mint

V2 = "/campaign/api/v2/public/{stream}"
V2_SHORT = "/api/v2/public/{stream}"
V1 = "/agentassist/api/v1/public/{stream}"
V1_1 = "/api/1.1/public/{stream}"
CALLER_ID = "+14155550100"


def hours(days: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR")) -> list[dict[str, str]]:
    return [{"day": d, "start": "9:00 AM", "end": "6:00 PM"} for d in days]


def campaign_body(name: str, lists: list[str], dnc: str | None, **overrides: Any) -> dict[str, Any]:
    """A valid v2 Agentless create body; `overrides` replace top-level keys."""
    body: dict[str, Any] = {
        "name": name,
        "description": f"{name} description",
        "contactLists": lists,
        "priority": "5",
        "dialingMode": "Agentless",
        "dialingStrategy": {
            "callerId": {"phoneNumber": CALLER_ID},
            "callingHours": {
                "frequency": "WEEKLY",
                "timezone": "America/New_York",
                "days": hours(),
            },
            "dialingOrder": "FIFO",
            "maxAttemptsPerRecord": 3,
            "defaultRetryPeriod": 10,
            "maxRingTime": 30,
        },
        "schedule": {"isSchedulingEnabled": False},
        "experienceFlowName": "Survey Flow",
        "enableMachineDetect": "no",
        "campaignType": "voice",
    }
    if dnc is not None:
        body["dncLists"] = {"name": dnc}
    body.update(overrides)
    return body


@dataclass
class Api:
    """Requests as one app on one stream; `token` can be replaced to test auth."""

    client: TestClient
    creds: Credentials
    stream: str
    token: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.token:
            self.token = mint(self.creds.client_id, self.creds.client_secret)

    @property
    def account(self) -> str:
        return self.creds.account_id

    def url(self, path: str, prefix: str = V2) -> str:
        return prefix.format(stream=self.stream) + path

    def request(
        self, method: str, path: str, *, prefix: str = V2, query: bool = True, **kwargs: Any
    ) -> httpx.Response:
        params = dict(kwargs.pop("params", {}) or {})
        if query:
            params.setdefault("accountId", self.account)
        headers = {"auth": self.token, **self.headers, **(kwargs.pop("headers", {}) or {})}
        return self.client.request(
            method, self.url(path, prefix), params=params, headers=headers, **kwargs
        )

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)

    # --- helpers that build state through the API itself ---

    def create_list(self, name: str, list_type: str = "call", **extra: Any) -> dict[str, Any]:
        body = {
            "name": name,
            "description": f"{name} list",
            "source": "passiveApi",
            "listType": list_type,
            **extra,
        }
        res = self.post("/campaign/contactList/createContactList", json=body)
        assert res.status_code == 200, res.text
        return dict(res.json()["data"])

    def add_contacts(self, list_name: str, rows: list[dict[str, Any]]) -> httpx.Response:
        body = {"contact_list_name": list_name, "data": rows}
        return self.post("/campaign/contactList/addContacts", prefix=V1_1, query=False, json=body)

    def create_campaign(self, body: dict[str, Any]) -> dict[str, Any]:
        res = self.post("/campaign", params={"campaignType": "voice"}, json=body)
        assert res.status_code == 200, res.text
        return dict(res.json()["data"])

    def basic_setup(self, suffix: str = "") -> tuple[str, str]:
        """A call list with two contacts and a DNC list; returns their names."""
        lists, dnc = f"Customers{suffix}", f"Blocked{suffix}"
        self.create_list(lists)
        self.create_list(dnc, "dnc")
        res = self.add_contacts(
            lists, [{"phoneNumber": "+14155550123"}, {"phoneNumber": "+14155550124"}]
        )
        assert res.status_code == 200, res.text
        return lists, dnc
