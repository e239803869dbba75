"""The CSV reader of imports, without a database: decoding as bytes stream in, the header's
columns, record line numbers, and the batch check around `validate_row`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from outdial.contact_list import csv_reader
from outdial.contact_list.batch import Spec, check_batch, check_block
from outdial.contact_list.csv_reader import (
    Columns,
    CsvFile,
    CsvFileError,
    Record,
    blocks,
    decoded,
    read_columns,
    record_end,
    records,
)
from outdial.contact_list.rows import validate_row


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def read(
    text: str | bytes, size: int = 7, delimiter: str | None = None
) -> tuple[Columns, list[Record]]:
    """The columns and every record, as the workers would see them block by block."""
    data = text.encode() if isinstance(text, str) else text
    csv_file = CsvFile(pieces(data, size), {}, delimiter=delimiter, numbers_only=False)
    found: list[Record] = []
    for first_line, block in csv_file.blocks():
        found += records(block, first_line, csv_file.delimiter)
    return csv_file.columns, found


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 10_000])
def test_text_survives_any_chunking_including_split_characters(size: int) -> None:
    text = "\ufeffphoneNumber,name\r\n+14155550123,Zoë 北京\n+14155550124,Ångström"
    assert "".join(decoded(pieces(text.encode(), size))) == text[1:]


def test_invalid_utf8_is_a_file_problem_naming_the_line() -> None:
    data = b"phoneNumber\n+14155550123\n+1415\xff5550124\n"
    with pytest.raises(CsvFileError, match=r"not UTF-8.*line 3"):
        list(decoded(pieces(data, 4)))


def test_blocks_end_where_records_end() -> None:
    assert record_end('a,"b\nc"\nd,"e\n') == len('a,"b\nc"\n')
    assert record_end('x,"open\nstill open') == 0
    text = "".join(f'{i},"two\nlines",""""\n' for i in range(500))
    cut = list(blocks((text[i : i + 100] for i in range(0, len(text), 100)), 1000))
    assert "".join(cut) == text and len(cut) > 5
    assert all(record_end(block) == len(block) for block in cut)


@pytest.mark.parametrize("size", [1, 13, 1000])
def test_line_numbers_hold_across_blocks(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(csv_reader, "BLOCK_CHARS", 64)
    body = "phoneNumber,note\n" + "".join(
        f'+1415555{i:04d},"a\nb"\n' if i % 3 == 0 else f"+1415555{i:04d},x\n\n" for i in range(40)
    )
    _, found = read(body, size)
    assert len(found) == 40
    line = 2
    for i, (start, cells, _) in enumerate(found):
        assert start == line and cells is not None and cells[0] == f"+1415555{i:04d}"
        line += 2


def test_bom_comma_and_quotes() -> None:
    columns, found = read('\ufeff"First Name","phone_number"\n"Lovelace, Ada","+14155550123"\n')
    assert columns.keys == ("firstName", "phoneNumber")
    assert found == [(2, ["Lovelace, Ada", "+14155550123"], "")]


def test_semicolons_are_guessed_and_can_be_forced() -> None:
    columns, found = read("phoneNumber;city\n+14155550123;Paris, France\n")
    assert columns.headers == ("phoneNumber", "city")
    assert found == [(2, ["+14155550123", "Paris, France"], "")]
    columns, found = read("phoneNumber;city\n+14155550123;Paris\n", delimiter=",")
    assert columns.headers == ("phoneNumber;city",)


def test_quoted_newlines_keep_the_starting_line_number() -> None:
    _, found = read('phoneNumber,note\n+14155550123,"two\nlines"\n\n+14155550124,x\n')
    assert found == [
        (2, ["+14155550123", "two\nlines"], ""),
        (5, ["+14155550124", "x"], ""),
    ]


def test_blank_lines_are_skipped_and_unreadable_records_reported() -> None:
    data = 'phoneNumber,x\n\n  \n+14155550123,"ab"c\n+14155550124,y\n'
    _, found = read(data)
    assert [r[0] for r in found] == [4, 5]
    _, found = read('phoneNumber\n"x' + "y" * 140_000 + "\n+14155550124\n")
    assert found[0][1] is None and "field larger than field limit" in found[0][2]


@pytest.mark.parametrize(
    ("header", "keys"),
    [
        (["PHONE NUMBER", "first_name", "Last Name", "time zone", "UniqueID"],
         ("phoneNumber", "firstName", "lastName", "timeZone", "uniqueId")),
        (["contact_priority", " phoneNumber ", "Plan"], ("contactPriority", "phoneNumber", "Plan")),
        (["Mobile"], ("phoneNumber",)),
    ],
)  # fmt: skip
def test_standard_fields_are_found_whatever_their_spelling(
    header: list[str], keys: tuple[str, ...]
) -> None:
    assert read_columns(header, {}, numbers_only=False).keys == keys


def test_an_explicit_mapping_wins_and_the_other_column_stays_custom() -> None:
    columns = read_columns(
        ["Phone Number", "Mobile"], {"phoneNumber": "Mobile"}, numbers_only=False
    )
    assert columns.keys == ("Phone Number", "phoneNumber")


def test_dnc_files_keep_only_the_number() -> None:
    columns = read_columns(["Name", "Phone"], {"phoneNumber": "Phone"}, numbers_only=True)
    assert columns.keys == (None, "phoneNumber")


@pytest.mark.parametrize(
    ("header", "mapping", "field", "message"),
    [
        (["a", "b"], {}, "file", "no phoneNumber column"),
        ([f"c{i}" for i in range(150)] + ["phoneNumber"], {}, "file", "151 columns"),
        (["phoneNumber", ""], {}, "file", "column 2 has no name"),
        (["phoneNumber", "x", "x"], {}, "file", "'x' appears twice"),
        (["phoneNumber", "y" * 65], {}, "file", "longer than 64"),
        (["phoneNumber", "phone_number"], {}, "file", "two columns name the field phoneNumber"),
        (["phoneNumber"], {"firstName": "Given"}, "mapping.firstName", "'Given'"),
        (["phoneNumber", "Mobile"], {"phoneNumber": "Mobile"}, "mapping.phoneNumber",
         "rename one"),
    ],
)  # fmt: skip
def test_bad_headers_refuse_the_file(
    header: list[str], mapping: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(CsvFileError, match=message) as caught:
        read_columns(header, mapping, numbers_only=False)
    assert caught.value.field == field


def test_an_empty_file_needs_a_header() -> None:
    with pytest.raises(CsvFileError, match="empty"):
        read("")


SPEC = Spec(
    headers=("Phone", "First", "city", "timeZone"),
    keys=("phoneNumber", "firstName", "city", "timeZone"),
    region="US",
    numbers_only=False,
)


def test_batch_check_is_validate_row_on_each_record() -> None:
    rows = [
        (2, ["(415) 555-0123", "Ada", "Paris", ""]),
        (3, ["12", "Bob", "", "Mars/Olympus"]),
        (4, ["+14155550124", "x" * 301, "", ""]),
        (5, ["+14155550125", "Cy"]),
        (6, ["+14155550126", "D\x00", "", ""]),
    ]
    checked = check_batch(SPEC, rows)
    expected = validate_row(
        {"phoneNumber": "(415) 555-0123", "firstName": "Ada", "city": "Paris"}, "US"
    )
    assert not isinstance(expected, list)
    assert checked.rows == [
        (2, expected.phone_number, expected.number_zone, "Ada", None, None, None, None,
         '{"city": "Paris"}'),
    ]  # fmt: skip
    assert checked.refused == 4
    assert checked.refusals == [
        (3, "phoneNumber", "'12' is too short"),
        (3, "timeZone", "'Mars/Olympus' is not an IANA time zone"),
        (4, "firstName", "must be at most 300 characters"),
        (5, "", "has 2 values; the header row has 4 columns"),
        (6, "", "contains a NUL character"),
    ]


def test_empty_custom_cells_are_absent_not_empty_strings() -> None:
    checked = check_batch(SPEC, [(2, ["+14155550123", "", "", ""])])
    assert checked.rows[0][8] is None


def test_dnc_batches_stage_only_numbers() -> None:
    spec = Spec(("Phone", "Name"), ("phoneNumber", None), "US", numbers_only=True)
    checked = check_batch(spec, [(2, ["+14155550123", "Ada"])])
    assert checked.rows == [(2, "+14155550123", None, None, None, None, None, None, None)]


def test_a_header_may_hold_a_quoted_line_break() -> None:
    columns, found = read('"phone\nNumber",x\n+14155550123,y\n')
    assert columns.headers == ("phone\nNumber", "x")
    assert found == [(3, ["+14155550123", "y"], "")]


def test_blocks_come_back_as_copy_text_for_postgresql() -> None:
    spec = Spec(("phoneNumber", "note"), ("phoneNumber", "note"), "US", False, ",", copy=True)
    checked = check_block(spec, 2, '+14155550123,"a, ""b""\nc"\n12,x\n')
    assert (checked.total, checked.valid, checked.refused) == (2, 1, 1)
    assert checked.rows == [] and checked.refusals == [(4, "phoneNumber", "'12' is too short")]
    assert list(csv.reader(io.StringIO(checked.copy))) == [
        ["2", "+14155550123", "America/Los_Angeles", "", "", "", "", "",
         '{"note": "a, \\"b\\"\\nc"}'],
    ]  # fmt: skip
