"""`make bench`: run every benchmark and print the figures (ratios against baselines
measured in the same run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import api, dialer, imports, sip
from bench.common import pg_available

RESULTS = Path(__file__).parent / "results"


def main(argv: list[str]) -> None:
    only = set(argv)
    results: dict[str, object] = {}
    sizes = (10_000, 100_000, 1_000_000)
    if not only or "overhead" in only:
        backends = ["sqlite", *(["postgresql"] if pg_available() else [])]
        results["schedulingOverhead"] = [
            row for backend in backends for row in dialer.scheduling_overhead(backend, sizes)
        ]
        for row in results["schedulingOverhead"]:  # type: ignore[attr-defined]
            print(json.dumps(row), flush=True)
    if not only or "api" in only:
        backends = ["sqlite", *(["postgresql"] if pg_available() else [])]
        results["api"] = [api.get_vs_bare(backend) for backend in backends]
        for row in results["api"]:  # type: ignore[attr-defined]
            print(json.dumps(row), flush=True)
    if not only or "imports" in only:
        backends = ["sqlite", *(["postgresql"] if pg_available() else [])]
        results["imports"] = imports.run(backends)
    if not only or "sip" in only:
        results["sip"] = sip.sustained_cps()
    if not only or "simulate" in only:
        results["simulated100k"] = dialer.simulated_campaign()
        print(json.dumps(results["simulated100k"]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
