"""The dashboard's pure parts, without a browser: signed session cookies, the campaign form's
mapping onto the API body and back, the chart's geometry, and the upload path."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from starlette.datastructures import FormData

from outdial.contact_list.endpoints import is_upload
from outdial.kit.errors import ErrorItem
from outdial.report.service import OutcomeSeries
from outdial.web import chart, forms
from outdial.web.session import MAX_AGE_S, Signer, fresh, signing_key
from outdial.web.uploads import UPLOAD_PATH


def test_cookies_are_signed_and_expire() -> None:
    signer = Signer(signing_key(""))
    session = fresh("cs-app", "fingerprint")
    value = signer.dumps(session)
    assert signer.loads(value, time.time()) == session
    for at in (len(value) // 3, len(value) - 2):  # in the payload, in the signature
        tampered = value[:at] + ("B" if value[at] == "A" else "A") + value[at + 1 :]
        assert signer.loads(tampered, time.time()) is None
    assert signer.loads("garbage", time.time()) is None
    assert signer.loads(value, time.time() + MAX_AGE_S + 5) is None
    assert Signer(signing_key("")).loads(value, time.time()) is None, "a new process, a new key"
    configured = Signer(signing_key("a configured secret key"))
    again = Signer(signing_key("a configured secret key"))
    assert again.loads(configured.dumps(session), time.time()) == session
    forged = replace(session, app_id="cs-other")
    assert signer.loads(Signer(b"x" * 32).dumps(forged), time.time()) is None


def test_the_upload_path_streams_past_the_body_limit() -> None:
    """The dashboard's upload URL is one the body-size limit lets stream, like the API's."""
    assert is_upload(UPLOAD_PATH.format(stream="st-1", list_id="cl-1"))


def submitted(**cells: str) -> FormData:
    base = {
        "name": "Weekly", "description": "", "priority": "4", "dialingMode": "Agentless",
        "dialingStrategy.maxRingTime": "30", "day-MO-on": "on", "day-MO-0-start": "09:30",
        "day-MO-0-end": "17:00", "day-MO-1-start": "18:00", "day-MO-1-end": "20:15",
    }  # fmt: skip
    items = [*({**base, **cells}.items()), ("contactLists", "A"), ("contactLists", "B")]
    return FormData(items)


def test_the_form_becomes_the_api_body() -> None:
    body, origin = forms.body(forms.from_submission(submitted()), scheduling=True)
    assert body["contactLists"] == ["A", "B"]
    assert body["priority"] == "4"
    assert body["dialingStrategy"]["maxRingTime"] == 30
    assert "maxAttemptsPerRecord" not in body["dialingStrategy"], "empty numbers are missing"
    assert "experienceFlowName" not in body
    assert body["schedule"] == {"isSchedulingEnabled": True}
    assert body["dialingStrategy"]["callingHours"]["days"] == [
        {"day": "MO", "start": "9:30 AM", "end": "5:00 PM"},
        {"day": "MO", "start": "6:00 PM", "end": "8:15 PM"},
    ]
    assert origin == {0: "day-MO-0", 1: "day-MO-1"}


RING = "dialingStrategy.maxRingTime"
DAYS = "dialingStrategy.callingHours.days"


def test_errors_land_beside_their_controls() -> None:
    form = forms.from_submission(submitted(**{RING: "ten"}))
    _, origin = forms.body(form, scheduling=False)
    forms.place(
        form,
        [
            ErrorItem(f"{RING} must be an integer", 400, RING),
            ErrorItem(f"{DAYS}[1] start ...", 400, f"{DAYS}[1]"),
            ErrorItem(f"{DAYS}[0].end ...", 400, f"{DAYS}[0].end"),
            ErrorItem(f"{DAYS} overlap", 400, DAYS),
            ErrorItem("contactLists[1] 'B' is not a contact list here", 400, "contactLists[1]"),
            ErrorItem("Campaign is Active; pause or stop it to edit it", 409),
        ],
        origin,
    )
    assert form.errors[RING] == [f"{RING} must be an integer"]
    assert form.row_errors("MO") == [f"{DAYS}[1] start ...", f"{DAYS}[0].end ..."]
    assert form.errors["hours"] == [f"{DAYS} overlap"]
    assert form.errors["contactLists"] == ["contactLists[1] 'B' is not a contact list here"]
    assert form.general == ["Campaign is Active; pause or stop it to edit it"]


def test_clock_conversions_round_trip() -> None:
    for text in ("00:00", "09:05", "12:00", "23:59"):
        assert forms.from_clock(forms.to_clock(text)) == text
    assert forms.to_clock("25:00") == "25:00", "the API explains what is wrong with it"


def test_the_chart_stacks_cumulative_outcomes() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    points = [start + timedelta(seconds=s) for s in (0, 5, 10)]
    drawn = chart.build(OutcomeSeries(points, {"busy": [0, 1, 2], "answered": [0, 3, 7]}))
    assert [b.label for b in drawn.bands] == ["Answered", "Busy"]
    assert [b.total for b in drawn.bands] == [7, 2]
    assert drawn.total == 9
    assert [v for _, v in drawn.y_ticks] == [0, 5, 10]
    empty = chart.build(OutcomeSeries(points, {}))
    assert empty.bands == [] and empty.total == 0
