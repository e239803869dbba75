"""A short-lived, bounded cache of app credentials, so a request does not read the database
to check its token. A rotated secret is refused by every process within the cache's
lifetime (immediately in the process that rotated it)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class AppKey:
    """What authentication needs of an app."""

    app_id: str
    secret: str
    account_id: str
    streams: frozenset[str]


class AppCache:
    """App id -> credentials for `ttl_s` seconds (0 disables); unknown apps are not kept."""

    def __init__(self, ttl_s: float, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.now = now
        self._entries: OrderedDict[str, tuple[float, AppKey]] = OrderedDict()

    async def get(self, app_id: str, load: Callable[[], Awaitable[AppKey | None]]) -> AppKey | None:
        hit = self._entries.get(app_id)
        if hit is not None and hit[0] > self.now():
            return hit[1]
        found = await load()
        if found is not None and self.ttl_s > 0:
            self._entries[app_id] = (self.now() + self.ttl_s, found)
            self._entries.move_to_end(app_id)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return found

    def forget(self, app_id: str) -> None:
        self._entries.pop(app_id, None)
