"""The attempts export (an outdial extension): every call attempt of a campaign, one row each,
as JSON or CSV, optionally for one run, visible only to the campaign's own tenant.

Campaigns are dialed by the engine running inside the app with the fast simulated carrier
(helpers shared with tests/test_triggers.py). Retries are made observable without waiting a
real retry period by running the app on a clock that a test can move forward.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from outdial.app import create_app
from outdial.apps.service import Credentials
from outdial.config import Settings
from outdial.kit.clock import SystemClock
from outdial.kit.timefmt import parse_iso
from tests.api import V2_SHORT, Api
from tests.conftest import ACCOUNT_B, STREAM_B1, make_credentials
from tests.test_triggers import (
    FAST,
    attempts,
    finished_attempts,
    make_campaign,
    triggered,
    wait_for,
    wait_status,
)

FIELDS = [
    "attemptId", "campaignInstanceId", "phoneNumber", "uniqueId", "attemptNumber", "timeZone",
    "startedAt", "answeredAt", "endedAt", "outcome", "reason",
]  # fmt: skip
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


class ShiftedClock(SystemClock):
    """Real time plus an offset the test can grow: a retry period passes in an instant."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.offset


@pytest.fixture
def sim() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(settings: Settings, sim: dict[str, Any]) -> Settings:
    return settings.model_copy(update={"dialer": True, **FAST, **sim})


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def client(settings: Settings, clock: ShiftedClock) -> Iterator[TestClient]:
    app = create_app(settings)
    app.state.clock = clock
    with TestClient(app) as test_client:
        yield test_client


def export(api: Api, campaign_id: str, **params: str) -> Any:
    res = api.get(f"/campaign/{campaign_id}/attempts", params=params)
    assert res.status_code == 200, res.text
    return res


def completed_run(api: Api, campaign_id: str) -> str:
    run = str(triggered(api, campaign_id, "play")["campaignInstanceId"])
    wait_status(api, campaign_id, "Completed")
    return run


def test_json_export_has_one_row_per_attempt_with_exactly_the_documented_keys(api: Api) -> None:
    camp = make_campaign(api, "Export json", contacts=4)
    run = completed_run(api, camp.id)
    res = export(api, camp.id, format="json")
    assert res.headers["content-type"].startswith("application/json")
    body = res.json()
    assert set(body) == {"status", "data"} and body["status"] == "success"
    rows = body["data"]
    assert len(rows) == len(camp.phones)
    for row in rows:
        assert list(row) == FIELDS, row
        assert row["attemptId"].startswith("att-")
        assert row["campaignInstanceId"] == run
        assert row["attemptNumber"] == 1
        assert row["timeZone"] == camp.zone
        assert row["outcome"] == "answered" and row["reason"] == ""
        for key in ("startedAt", "answeredAt", "endedAt"):
            assert ISO_UTC.match(row[key]), (key, row[key])
        started, answered, ended = (
            parse_iso(row[k]) for k in ("startedAt", "answeredAt", "endedAt")
        )
        assert started <= answered <= ended, row
    assert len({r["attemptId"] for r in rows}) == len(rows)
    by_phone = {r["phoneNumber"]: r["uniqueId"] for r in rows}
    assert by_phone == dict(zip(camp.phones, camp.unique_ids, strict=True))
    assert export(api, camp.id).json() == body, "format defaults to json"


def test_csv_export_has_the_header_row_and_the_same_rows(api: Api) -> None:
    camp = make_campaign(api, "Export csv", contacts=3)
    completed_run(api, camp.id)
    rows = export(api, camp.id, format="json").json()["data"]
    res = export(api, camp.id, format="csv")
    assert res.headers["content-type"].startswith("text/csv")
    assert res.text.splitlines()[0] == ",".join(FIELDS)
    parsed = list(csv.DictReader(io.StringIO(res.text)))
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    assert parsed == as_text
    # The short prefix serves the same export.
    short = api.get(f"/campaign/{camp.id}/attempts", prefix=V2_SHORT, params={"format": "csv"})
    assert short.status_code == 200 and short.text == res.text


def test_run_filter_returns_only_that_runs_attempts(api: Api) -> None:
    camp = make_campaign(api, "Two runs", contacts=3)
    first = completed_run(api, camp.id)
    second = completed_run(api, camp.id)
    assert first != second
    everything = attempts(api, camp.id)
    assert len(everything) == 2 * len(camp.phones)
    for run in (first, second):
        rows = attempts(api, camp.id, run)
        assert len(rows) == len(camp.phones)
        assert {r["campaignInstanceId"] for r in rows} == {run}
        assert sorted(r["phoneNumber"] for r in rows) == camp.phones
        assert all(r["attemptNumber"] == 1 for r in rows), "a new run starts counting again"
        csv_rows = list(
            csv.DictReader(
                io.StringIO(export(api, camp.id, format="csv", campaignInstanceId=run).text)
            )
        )
        assert [r["attemptId"] for r in csv_rows] == [r["attemptId"] for r in rows]
    assert attempts(api, camp.id, "cid-0000000-0000-4000-8000-000000000000") == []


@pytest.mark.parametrize("sim", [{"sim_answer": 0.0, "sim_busy": 1.0}], ids=["busy"])
def test_attempt_number_counts_retries_of_a_record(api: Api, clock: ShiftedClock) -> None:
    camp = make_campaign(api, "Retries", contacts=3, maxAttemptsPerRecord=2, defaultRetryPeriod=1)
    run = triggered(api, camp.id, "play")["campaignInstanceId"]

    def first_attempts_ended() -> list[dict[str, Any]] | None:
        rows = finished_attempts(api, camp.id)
        return rows if rows and len(rows) == len(camp.phones) else None

    first = wait_for(first_attempts_ended, "every record's first attempt to end")
    assert all(r["attemptNumber"] == 1 and r["outcome"] == "busy" for r in first), first
    assert all(r["answeredAt"] is None and r["reason"] for r in first), first

    clock.offset = timedelta(minutes=1, seconds=5)  # the retry period passes
    wait_status(api, camp.id, "Completed")
    rows = attempts(api, camp.id)
    assert len(rows) == 6 and {r["campaignInstanceId"] for r in rows} == {run}
    for number in camp.phones:
        mine = [r for r in rows if r["phoneNumber"] == number]
        assert [r["attemptNumber"] for r in mine] == [1, 2], mine
        assert all(r["outcome"] == "busy" for r in mine)
        gap = parse_iso(mine[1]["startedAt"]) - parse_iso(mine[0]["endedAt"])
        assert gap >= timedelta(minutes=1), "a retry waits defaultRetryPeriod"


def test_other_tenants_and_unknown_campaigns_are_404(
    api: Api, client: TestClient, settings: Settings, creds: Credentials
) -> None:
    camp = make_campaign(api, "Private", contacts=2, open_now=False)
    assert export(api, camp.id).json() == {"status": "success", "data": []}, "no run yet"
    other_account = Api(client, make_credentials(settings, ACCOUNT_B, [STREAM_B1]), STREAM_B1)
    other_stream = Api(client, creds, creds.streams[1])
    for outsider in (other_account, other_stream):
        for fmt in ("json", "csv"):
            res = outsider.get(f"/campaign/{camp.id}/attempts", params={"format": fmt})
            assert res.status_code == 404, res.text
            assert res.json()["errors"][0]["code"] == 404
    missing = api.get("/campaign/cd-0000000-0000-4000-8000-000000000000/attempts")
    assert missing.status_code == 404
    res = api.get(f"/campaign/{camp.id}/attempts", params={"format": "xml"})
    assert res.status_code == 400
    assert [e.get("field") for e in res.json()["errors"]] == ["format"]
