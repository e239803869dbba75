"""Phone numbers in E.164 and the time zones they imply.

`read_number` accepts international numbers (`+1 415 555 0100`, `0044...`), national numbers
read in a default region, and bare digits that already carry a country code (Kore stores
numbers like `9122333445566`), and gives the E.164 form with the number's IANA zone when
`phonenumbers` knows exactly one (the dialer's fallback when a contact has no `timeZone`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as pn_timezone

MAX_INPUT = 40


class InvalidNumberError(ValueError):
    """The text is not a dialable number; the message says why."""


_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length for its country",
}


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _reason(number: PhoneNumber | None) -> str:
    if number is None:
        return "not a phone number"
    why = phonenumbers.is_possible_number_with_reason(number)
    return _REASONS.get(why, "not a valid number for its country")


@dataclass(frozen=True)
class Number:
    """A valid number: its E.164 form and, when `phonenumbers` gives exactly one, its zone."""

    e164: str
    zone: str | None


def _clean(raw: str) -> str:
    text = raw.strip()
    if not text or len(text) > MAX_INPUT:
        raise InvalidNumberError("not a phone number")
    if any(c.isalpha() for c in text):
        # phonenumbers would read 1-800-FLOWERS as keypad digits; a dialer must not guess
        raise InvalidNumberError("not a phone number: it contains letters")
    return "+" + text[2:] if text.startswith("00") else text


def _valid(raw: str, region: str) -> tuple[PhoneNumber, int]:
    """The number and its type. A number is valid exactly when its type is known (what
    `is_valid_number` computes), so the type is worked out once, for the zone lookup too:
    pattern matching is most of the cost of a large import."""
    text = _clean(raw)
    candidates = [text] if text.startswith("+") else [text, "+" + text]
    first: PhoneNumber | None = None
    for candidate in candidates:
        number = _parse(candidate, None if candidate.startswith("+") else region)
        first = first or number
        if number is None:
            continue
        kind = phonenumbers.number_type(number)
        if kind != PhoneNumberType.UNKNOWN:
            return number, kind
    raise InvalidNumberError(_reason(first))


def _zones(number: PhoneNumber, kind: int) -> list[str]:
    """`time_zones_for_number`, given the number's type."""
    if phonenumbers.is_number_type_geographical(kind, number.country_code or 0):
        found = pn_timezone.time_zones_for_geographical_number(number)
    else:
        found = pn_timezone.time_zones_for_number(number)
    return [z for z in found if z in all_time_zones()]


def read_number(raw: str, region: str) -> Number:
    """`raw` as a valid number with its zone, or InvalidNumberError naming the reason."""
    number, kind = _valid(raw, region)
    zones = _zones(number, kind)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return Number(e164, zones[0] if len(zones) == 1 else None)


def to_e164(raw: str, region: str) -> str:
    """The E.164 form of `raw`, or InvalidNumberError naming the reason."""
    return phonenumbers.format_number(_valid(raw, region)[0], PhoneNumberFormat.E164)


@cache
def all_time_zones() -> frozenset[str]:
    """Every IANA zone name tzdata knows."""
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in all_time_zones()
