"""CSV imports through the HTTP API (an outdial extension): uploads as `text/csv` or multipart,
column mapping, per-row refusals with line numbers, duplicate modes, DNC lists, files refused
as a whole (the list is left exactly as it was), export and the import → export → import round
trip. Runs on SQLite and PostgreSQL like the rest of the suite."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from outdial.config import Settings
from outdial.contact_list import csv_reader
from outdial.kit.db import make_sync_engine
from outdial.models import Contact
from tests.api import Api

CL = "/campaign/contactList"
FIELDS = ("phone_number", "number_zone", "first_name", "last_name", "time_zone", "unique_id",
          "contact_priority", "custom")  # fmt: skip


def upload(
    api: Api, list_id: str, body: str | bytes, *, multipart: bool = False, **params: str
) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    if multipart:
        files = {"file": ("people.csv", data, "text/csv")}
        return api.post(f"{CL}/{list_id}/import", params=params, files=files)
    headers = {"Content-Type": "text/csv"}
    return api.post(f"{CL}/{list_id}/import", params=params, content=data, headers=headers)


def imported(res: httpx.Response, **counts: int) -> dict[str, Any]:
    assert res.status_code == 200, res.text
    job = dict(res.json()["data"])
    assert job["status"] == "completed"
    assert {k: job[k] for k in counts} == counts, job
    return job


def stored(settings: Settings, list_id: str) -> list[tuple[Any, ...]]:
    """The list's contacts as stored, in list order."""
    engine = make_sync_engine(settings.database_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(Contact).where(Contact.list_id == list_id).order_by(Contact.id)
            )
            return [tuple(getattr(c, f) for f in FIELDS) for c in rows]
    finally:
        engine.dispose()


def the_list(api: Api, list_id: str) -> dict[str, Any]:
    res = api.get(f"{CL}/{list_id}")
    assert res.status_code == 200, res.text
    return dict(res.json()["data"])


def refusals(api: Api, list_id: str, job_id: str) -> list[tuple[int, str, str]]:
    res = api.get(f"{CL}/{list_id}/imports/{job_id}/errors", params={"format": "json"})
    assert res.status_code == 200, res.text
    return [(r["line"], r["field"], r["reason"]) for r in res.json()["data"]]


def export(api: Api, list_id: str) -> str:
    res = api.get(f"{CL}/{list_id}/export")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    return res.text


@pytest.fixture
def people(api: Api) -> str:
    return str(api.create_list("People")["_id"])


# --- uploads and columns ---


@pytest.mark.parametrize("multipart", [False, True], ids=["text-csv", "multipart"])
def test_a_file_becomes_contacts_in_file_order(
    api: Api, people: str, settings: Settings, multipart: bool
) -> None:
    body = "phoneNumber,firstName\n+14155550123,Ada\n+14155550124,Bob\n+442071838750,Cy\n"
    job = imported(upload(api, people, body, multipart=multipart), totalRows=3, imported=3,
                   duplicates=0, invalid=0)  # fmt: skip
    assert [r[0] for r in stored(settings, people)] == [
        "+14155550123", "+14155550124", "+442071838750"
    ]  # fmt: skip
    assert job["fileName"] == ("people.csv" if multipart else "")
    assert job["startedAt"] and job["finishedAt"]
    shown = the_list(api, people)
    assert (shown["totalRecordCount"], shown["status"]) == (3, "Validated")
    assert shown["files"] == [{"fileId": job["id"], "fileName": job["fileName"]}]
    res = api.get(f"{CL}/{people}/imports/{job['id']}")
    assert res.status_code == 200 and res.json()["data"] == job


def test_rows_are_stored_exactly_as_add_contacts_stores_them(api: Api, settings: Settings) -> None:
    """Same normalisation, same number zone, same custom fields (which travel to the flow)."""
    rows = [
        {"phoneNumber": "(212) 555-0199", "firstName": "Grace", "lastName": "Hopper",
         "uniqueId": "c-2", "contactPriority": "7", "plan": "gold"},
        {"phoneNumber": "+442071838750", "timeZone": "Europe/London", "uniqueId": "c-3"},
        {"phoneNumber": "919845012345", "firstName": "Kore-style digits"},
    ]  # fmt: skip
    by_api = api.create_list("By API")["_id"]
    assert api.add_contacts("By API", rows).status_code == 200
    by_file = api.create_list("By file")["_id"]
    header = ["Phone Number", "first_name", "LAST NAME", "uniqueid", "Contact Priority",
              "TimeZone", "plan"]  # fmt: skip
    keys = ["phoneNumber", "firstName", "lastName", "uniqueId", "contactPriority", "timeZone",
            "plan"]  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[row.get(k, "") for k in keys] for row in rows])
    imported(upload(api, by_file, text.getvalue()), imported=3)
    assert stored(settings, by_file) == stored(settings, by_api)
    assert stored(settings, by_file)[0][1] == "America/New_York"
    assert stored(settings, by_file)[0][7] == {"plan": "gold"}


def test_semicolons_bom_and_quoted_fields(api: Api, people: str, settings: Settings) -> None:
    body = '\ufeffphoneNumber;firstName;note\n"+14155550123";"Lovelace; Ada";"line one\nline two"\n'
    imported(upload(api, people, body.encode()), imported=1)
    assert stored(settings, people)[0][2] == "Lovelace; Ada"
    assert stored(settings, people)[0][7] == {"note": "line one\nline two"}


def test_an_explicit_mapping_names_the_columns(api: Api, people: str, settings: Settings) -> None:
    body = "Mobile,Given,Phone\n+14155550123,Ada,home\n"
    mapping = json.dumps({"phoneNumber": "Mobile", "firstName": "Given"})
    imported(upload(api, people, body, mapping=mapping), imported=1)
    [row] = stored(settings, people)
    assert (row[0], row[2], row[7]) == ("+14155550123", "Ada", {"Phone": "home"})


def test_national_numbers_read_in_the_request_then_list_then_server_region(
    api: Api, settings: Settings
) -> None:
    gb = api.create_list("London", defaultRegion="GB")["_id"]
    imported(upload(api, gb, "phoneNumber\n020 7183 8750\n"), imported=1)
    imported(upload(api, gb, "phoneNumber\n01 42 68 53 00\n", defaultRegion="FR"), imported=1)
    us = api.create_list("Default")["_id"]
    imported(upload(api, us, "phoneNumber\n(415) 555-0123\n"), imported=1)
    assert [r[0] for r in stored(settings, gb)] == ["+442071838750", "+33142685300"]
    assert [r[0] for r in stored(settings, us)] == ["+14155550123"]


# --- refused rows ---


def test_bad_rows_are_refused_one_by_one_with_their_line_numbers(
    api: Api, people: str, settings: Settings
) -> None:
    body = (
        "phoneNumber,timeZone,firstName,notes\n"
        "+14155550123,,Ada,\n"  # line 2: fine
        "12,,,\n"  # line 3: too short
        '+14155550124,Mars/Olympus,"multi\nline",\n'  # line 4-5: bad zone
        f"+14155550125,,{'x' * 301},\n"  # line 6: too long
        "1-800-FLOWERS,,,\n"  # line 7: letters
        "+14155550126,,too,many,cells\n"  # line 8: shape
        ",,Nobody,\n"  # line 9: no number
        "+14155550127,Europe/Paris,,ok\n"  # line 10: fine
    )
    job = imported(upload(api, people, body), totalRows=8, imported=2, invalid=6, duplicates=0)
    assert refusals(api, people, job["id"]) == [
        (3, "phoneNumber", "'12' is too short"),
        (4, "timeZone", "'Mars/Olympus' is not an IANA time zone"),
        (6, "firstName", "must be at most 300 characters"),
        (7, "phoneNumber", "'1-800-FLOWERS' is not a phone number: it contains letters"),
        (8, "", "has 5 values; the header row has 4 columns"),
        (9, "phoneNumber", "is required"),
    ]
    res = api.get(f"{CL}/{people}/imports/{job['id']}/errors", params={"format": "csv"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(res.text)))[:2] == [
        ["line", "field", "reason"], ["3", "phoneNumber", "'12' is too short"]
    ]  # fmt: skip
    assert [r[0] for r in stored(settings, people)] == ["+14155550123", "+14155550127"]
    assert the_list(api, people)["totalRecordCount"] == 2


# --- duplicates ---


def test_without_duplicates_numbers_in_the_list_or_repeated_in_the_file_are_skipped(
    api: Api, people: str, settings: Settings
) -> None:
    assert api.add_contacts("People", [{"phoneNumber": "+14155550123"}]).status_code == 200
    body = "phoneNumber,firstName\n+14155550124,first\n4155550123,known\n(415) 555-0124,again\n"
    imported(upload(api, people, body), totalRows=3, imported=1, duplicates=2, invalid=0)
    assert [(r[0], r[2]) for r in stored(settings, people)] == [
        ("+14155550123", None), ("+14155550124", "first")
    ]  # fmt: skip
    assert the_list(api, people)["totalRecordCount"] == 2


def test_with_duplicates_allowed_every_row_is_kept(api: Api, settings: Settings) -> None:
    many = api.create_list("Many", allowDuplicates=True)["_id"]
    body = "phoneNumber\n+14155550124\n+14155550124\n+14155550124\n"
    imported(upload(api, many, body), imported=3, duplicates=0)
    imported(upload(api, many, body), imported=3, duplicates=0)
    assert len(stored(settings, many)) == the_list(api, many)["totalRecordCount"] == 6


@pytest.mark.parametrize("allow", [False, True])
def test_dnc_lists_take_only_the_number_and_never_repeat_it(
    api: Api, settings: Settings, allow: bool
) -> None:
    dnc = api.create_list("Blocked", "dnc", allowDuplicates=allow)["_id"]
    body = (
        "Name,Phone,timeZone\nAda,+14155550123,not/a/zone\nBob,(415) 555-0123,\nCy,+14155550124,\n"
    )
    mapping = json.dumps({"phoneNumber": "Phone"})
    imported(upload(api, dnc, body, mapping=mapping), imported=2, duplicates=1, invalid=0)
    assert stored(settings, dnc) == [
        ("+14155550123", None, None, None, None, None, None, None),
        ("+14155550124", None, None, None, None, None, None, None),
    ]
    imported(upload(api, dnc, "phone\n+14155550125\n"), imported=1)
    assert the_list(api, dnc)["totalRecordCount"] == 3


# --- files refused as a whole ---

GOOD = "phoneNumber\n+14155550100\n"
MANY = "".join(f"+1415{555 + i // 10_000}{i % 10_000:04d}\n" for i in range(12_000))
REFUSED_FILES = [
    pytest.param(b"", "file", "empty", id="empty"),
    pytest.param(b"name,city\nAda,Paris\n", "file", "no phoneNumber column", id="no-phone"),
    pytest.param(("phoneNumber," + ",".join(f"c{i}" for i in range(150)) + "\n").encode(),
                 "file", "151 columns", id="too-many-columns"),
    pytest.param(b"phoneNumber,a,a\n", "file", "appears twice", id="duplicate-column"),
    pytest.param(("phoneNumber\n" + MANY).encode() + b"+1415\xff\n", "file", "not UTF-8",
                 id="not-utf8-after-12000-rows"),
    pytest.param(b"\xff\xfep\x00h\x00", "file", "not UTF-8", id="utf16"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field", "message"), REFUSED_FILES)
def test_a_refused_file_leaves_the_list_exactly_as_it_was(
    api: Api, people: str, settings: Settings, body: bytes, field: str, message: str
) -> None:
    imported(upload(api, people, GOOD), imported=1)
    before, listed = stored(settings, people), the_list(api, people)
    res = upload(api, people, body)
    assert res.status_code == 400, res.text
    [error] = res.json()["errors"]
    assert error["code"] == 400 and error["field"] == field and message in error["msg"]
    job_id = res.headers["X-Outdial-Import-Id"]
    job = api.get(f"{CL}/{people}/imports/{job_id}").json()["data"]
    assert job["status"] == "failed" and message in job["error"] and job["imported"] == 0
    assert stored(settings, people) == before
    after = the_list(api, people)
    assert after["status"] == "Invalid"
    assert after["totalRecordCount"] == listed["totalRecordCount"] == 1
    assert after["files"] == listed["files"]
    imported(upload(api, people, "phoneNumber\n+14155550101\n"), imported=1)
    assert the_list(api, people)["status"] == "Validated"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"other": ("a.csv", GOOD.encode())}, "no field named 'file'"),
        (None, "boundary"),
    ],
)
def test_multipart_needs_a_file_field(
    api: Api, people: str, settings: Settings, files: Any, message: str
) -> None:
    if files is None:
        headers = {"Content-Type": "multipart/form-data"}
        res = api.post(f"{CL}/{people}/import", content=GOOD.encode(), headers=headers)
    else:
        res = api.post(f"{CL}/{people}/import", files=files)
    assert res.status_code == 400, res.text
    assert message in res.json()["errors"][0]["msg"]
    assert stored(settings, people) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mapping": "{not json"}, "mapping"),
        ({"mapping": json.dumps({"phone": "Mobile"})}, "mapping.phone"),
        ({"mapping": json.dumps({"phoneNumber": ""})}, "mapping.phoneNumber"),
        ({"mapping": json.dumps({"phoneNumber": "Mobile"})}, "mapping.phoneNumber"),
        ({"delimiter": "|"}, "delimiter"),
        ({"defaultRegion": "XX"}, "defaultRegion"),
    ],
)
def test_bad_options_are_400_naming_the_field(
    api: Api, people: str, settings: Settings, params: dict[str, str], field: str
) -> None:
    res = upload(api, people, GOOD, multipart=False, **params)
    assert res.status_code == 400, res.text
    assert field in {e.get("field", "").split(".[")[0] for e in res.json()["errors"]}, res.text
    assert stored(settings, people) == []


def test_unknown_lists_and_imports_are_404(api: Api, people: str) -> None:
    assert upload(api, "cl-0000000-0000-4000-8000-000000000000", GOOD).status_code == 404
    job = imported(upload(api, people, GOOD))
    other = api.create_list("Other")["_id"]
    for path in (f"{CL}/{people}/imports/im-nope", f"{CL}/{other}/imports/{job['id']}",
                 f"{CL}/{people}/imports/im-nope/errors"):  # fmt: skip
        res = api.get(path)
        assert res.status_code == 404, res.text


def test_uploads_are_not_held_to_the_json_body_limit(
    api: Api, people: str, settings: Settings
) -> None:
    body = "phoneNumber\n" + MANY
    assert len(body) > settings.max_body_bytes / 8
    limit = settings.max_body_bytes
    padded = body + "\n" * (limit - len(body) + 1)
    imported(upload(api, people, padded), imported=12_000)
    assert the_list(api, people)["totalRecordCount"] == 12_000


# --- large files: worker processes, order and counts across blocks ---


def test_a_file_of_many_blocks_keeps_file_order_and_exact_counts(
    api: Api, people: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small blocks: about twenty of them, checked by the worker processes out of order."""
    monkeypatch.setattr(csv_reader, "BLOCK_CHARS", 16_000)
    rows = ["phoneNumber,uniqueId"]
    for i in range(15_017):
        number = f"+1415555{i % 9000:04d}" if i % 1000 else "not a number"
        rows.append(f"{number},u{i}")
    job = imported(upload(api, people, "\n".join(rows) + "\n"), totalRows=15_017, imported=8991,
                   invalid=16, duplicates=15_017 - 8991 - 16)  # fmt: skip
    kept = stored(settings, people)
    assert [r[5] for r in kept[:3]] == ["u1", "u2", "u3"]
    assert kept[-1][5] == "u8999"
    assert len(refusals(api, people, job["id"])) == 16
    assert the_list(api, people)["totalRecordCount"] == 8991


# --- export and the round trip ---

ROUND_TRIP = (
    "Phone Number,First Name,lastName,timeZone,uniqueId,contactPriority,Plan,Note\n"
    '(415) 555-0123,Ada,"Lovelace, Countess",,u1,3,gold,"quote "" and\nnewline"\n'
    "+442071838750,Zoë,,Europe/London,u2,,,\n"
    "+14155550124,,,,,,silver,ünïcode\n"
)


def test_import_export_import_changes_nothing(api: Api, people: str, settings: Settings) -> None:
    imported(upload(api, people, ROUND_TRIP), imported=3)
    first = export(api, people)
    before = stored(settings, people)
    again = imported(upload(api, people, first), imported=0, duplicates=3, invalid=0)
    assert again["totalRows"] == 3
    assert stored(settings, people) == before
    copy = api.create_list("Copy")["_id"]
    imported(upload(api, copy, first), imported=3)
    assert stored(settings, copy) == before
    assert export(api, copy) == first
    header, *rows = list(csv.reader(io.StringIO(first)))
    assert header == ["firstName", "lastName", "phoneNumber", "timeZone", "uniqueId",
                      "contactPriority", "Plan", "Note"]  # fmt: skip
    assert rows[0] == ["Ada", "Lovelace, Countess", "+14155550123", "", "u1", "3", "gold",
                       'quote " and\nnewline']  # fmt: skip


def test_export_includes_custom_fields_added_through_add_contacts(api: Api, people: str) -> None:
    row = {"phoneNumber": "+14155550123", "vip": True, "balance": 12.5}
    assert api.add_contacts("People", [row]).status_code == 200
    header, values = list(csv.reader(io.StringIO(export(api, people))))
    assert dict(zip(header, values, strict=True))["vip"] == "true"
    assert dict(zip(header, values, strict=True))["balance"] == "12.5"


def test_a_dnc_list_exports_its_numbers(api: Api) -> None:
    dnc = api.create_list("Blocked", "dnc")["_id"]
    imported(upload(api, dnc, "phoneNumber\n+14155550123\n+14155550124\n"), imported=2)
    assert export(api, dnc) == '"phoneNumber"\n"+14155550123"\n"+14155550124"\n'
