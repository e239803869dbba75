"""Prometheus metrics of the dialer (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ATTEMPTS = Counter("outdial_attempts_total", "Call attempts recorded, by outcome", ["outcome"])
DNC_EXCLUDED = Counter("outdial_dnc_excluded_total", "Records excluded by a DNC list at dial time")
IN_FLIGHT = Gauge("outdial_calls_in_flight", "Calls this process is placing right now")
