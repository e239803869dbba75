"""When a schedule starts its runs: pure date arithmetic over wall-clock times.

Occurrences happen at the start's local time of day, every N days (Daily) or on the chosen
weekdays every N weeks (Weekly, weeks counted from the Monday of the start's week), from the
start to the end inclusive. Local times become instants through `dialer.windows`, so a
09:00 schedule stays at 09:00 local across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from outdial.dialer.windows import local_date, wall_instant

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class Plan:
    """A stored schedule: local start and end, the zone, and the rule."""

    start: datetime  # naive, local wall time
    end: datetime  # naive, local wall time
    zone: str
    kind: str  # "Daily" | "Weekly"
    every: int
    weekdays: tuple[int, ...]  # 0 = Monday

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Plan:
        return cls(
            start=datetime.fromisoformat(stored["start"]),
            end=datetime.fromisoformat(stored["end"]),
            zone=stored["timezone"],
            kind=stored["recurType"],
            every=int(stored["every"]),
            weekdays=tuple(WEEKDAYS.index(d) for d in stored.get("whichDays") or []),
        )

    def _minutes(self) -> int:
        return self.start.hour * 60 + self.start.minute

    def _on(self, day: date) -> bool:
        """Whether the rule fires on this local day."""
        offset = (day - self.start.date()).days
        if offset < 0:
            return False
        if self.kind == "Daily":
            return offset % self.every == 0
        week = (day - (self.start.date() - timedelta(days=self.start.weekday()))).days // 7
        return week % self.every == 0 and day.weekday() in self.weekdays

    def instant(self, day: date) -> datetime:
        return wall_instant(day, self._minutes(), self.zone)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after `moment` (aware), or None past the end."""
        day = max(self.start.date(), local_date(moment, self.zone))
        while day <= self.end.date():
            if self._on(day):
                at = self.instant(day)
                within = self.start <= datetime.combine(day, self.start.time()) <= self.end
                if at > moment and within:
                    return at
            day += timedelta(days=1)
        return None
