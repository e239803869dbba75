"""Scenario builders for simulation tests: small worlds with known zones and DNC lists."""

from __future__ import annotations

from typing import Any

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
EVERY_DAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# numbers whose zone phonenumbers knows exactly (London, Mumbai, Sydney, Tokyo, Los Angeles)
NUMBER_ZONES = {
    "+442071838750": "Europe/London",
    "+912226592000": "Asia/Calcutta",  # phonenumbers uses the backward-compatible name
    "+61292701111": "Australia/Sydney",
    "+81352321111": "Asia/Tokyo",
    "+14155550123": "America/Los_Angeles",
}


def hours(
    days: tuple[str, ...] = WEEKDAYS, start: str = "9:00 AM", end: str = "6:00 PM"
) -> list[dict[str, str]]:
    return [{"day": d, "start": start, "end": end} for d in days]


def campaign(
    lists: list[str],
    dnc: str,
    *,
    name: str = "Sim",
    days: list[dict[str, str]] | None = None,
    timezone: str = "America/New_York",
    attempts: int = 3,
    retry: int = 30,
    ring: int = 30,
    order: str = "FIFO",
    priority: str = "5",
    machine: str = "no",
) -> dict[str, Any]:
    """A v2 Agentless create body."""
    return {
        "name": name,
        "description": "simulation",
        "contactLists": lists,
        "dncLists": {"name": dnc},
        "priority": priority,
        "dialingMode": "Agentless",
        "dialingStrategy": {
            "callerId": {"phoneNumber": "+14155550100"},
            "callingHours": {"frequency": "WEEKLY", "timezone": timezone, "days": days or hours()},
            "dialingOrder": order,
            "maxAttemptsPerRecord": attempts,
            "defaultRetryPeriod": retry,
            "maxRingTime": ring,
        },
        "experienceFlowName": "Sim Flow",
        "enableMachineDetect": machine,
        "campaignType": "voice",
    }


def us_number(i: int) -> str:
    """Distinct valid US numbers (San Francisco area, single-zone)."""
    return f"+1415555{i:04d}"


def contacts(count: int, zones: list[str | None]) -> list[dict[str, Any]]:
    """`count` contacts cycling through `zones` (None: no timeZone field)."""
    rows: list[dict[str, Any]] = []
    for i in range(count):
        row: dict[str, Any] = {"phoneNumber": us_number(i), "uniqueId": f"u{i}"}
        zone = zones[i % len(zones)]
        if zone:
            row["timeZone"] = zone
        rows.append(row)
    return rows
