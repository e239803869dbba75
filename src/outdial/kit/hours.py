"""Calling-hours vocabulary: Kore's day codes and `h:mm AM/PM` clock times."""

from __future__ import annotations

import re

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CLOCK = re.compile(r"^\s*(0?[1-9]|1[0-2]):([0-5][0-9])\s*([AaPp][Mm])\s*$")


def parse_clock(text: str) -> int:
    """Minutes after midnight for `9:00 AM`, `09:00 am`, `12:30 PM`; ValueError otherwise."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time like 9:00 AM")
    hour, minute, half = int(match[1]) % 12, int(match[2]), match[3].upper()
    return (hour + (12 if half == "PM" else 0)) * 60 + minute


def format_clock(minutes: int) -> str:
    """`9:00 AM` for 540: Kore's spelling, no leading zero."""
    hour, minute = divmod(minutes, 60)
    half = "PM" if hour >= 12 else "AM"
    return f"{(hour % 12) or 12}:{minute:02d} {half}"
