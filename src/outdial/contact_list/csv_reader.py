"""Reading an uploaded CSV file as it streams: bytes to text, text to blocks of whole records
(cut where an even number of quotes has been seen, so quoted line breaks stay inside their
block), the header row to columns, and each block to numbered records (in the workers).

Kore's CSV rules (spec §4.13): a header row whose names become fields, at most 150 columns,
values of at most 300 characters. The standard fields are recognised in the header whatever
their case, spaces or underscores (`Phone Number`, `phone_number`); an explicit mapping names
the column of a field instead; every other column is a custom field. Files are UTF-8 with or
without a byte-order mark, comma- or semicolon-separated, with quoted fields (the `csv`
module's dialect). Problems with the file as a whole raise `CsvFileError`; problems with one
record are returned with its line number, and the import carries on.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

from outdial.contact_list.rows import MAX_COLUMNS, MAX_KEY, STANDARD_FIELDS

DELIMITERS = (",", ";")
BLOCK_CHARS = 1 << 18
MAX_BLOCK = 1 << 24
_IGNORED = re.compile(r"[\s_]+")
_BY_KEY = {field.lower(): field for field in STANDARD_FIELDS}


class CsvFileError(Exception):
    """The file cannot be imported at all; `field` names what is wrong (`file`, `mapping.x`)."""

    def __init__(self, msg: str, field: str = "file") -> None:
        super().__init__(msg)
        self.msg = msg
        self.field = field


def decoded(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text of a UTF-8 byte stream (a leading BOM dropped), piece by piece."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 0
    for chunk in chain(chunks, [None]):
        try:
            text = decoder.decode(b"", final=True) if chunk is None else decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise CsvFileError(f"the file is not UTF-8 text (near line {lines + 1})") from exc
        lines += text.count("\n")
        if text:
            yield text


def record_end(text: str) -> int:
    """Where the last complete record of `text` ends: just past the last newline with an even
    number of double quotes before it (one inside a quoted field has an odd number); 0 if
    there is none."""
    total, after, pos = text.count('"'), 0, len(text)
    while (newline := text.rfind("\n", 0, pos)) >= 0:
        after += text.count('"', newline, pos)
        if (total - after) % 2 == 0:
            return newline + 1
        pos = newline
    return 0


def blocks(texts: Iterable[str], size: int) -> Iterator[str]:
    """The text re-cut into blocks of about `size` characters, each ending where a record
    ends, so each can be parsed on its own (a block passing MAX_BLOCK is cut at its last
    newline: only an unterminated quote gets there)."""
    pending: list[str] = []
    length = 0
    for text in texts:
        pending.append(text)
        length += len(text)
        if length < size:
            continue
        joined = "".join(pending)
        end = record_end(joined) if length < MAX_BLOCK else joined.rfind("\n") + 1
        if length >= MAX_BLOCK and not end:
            raise CsvFileError(f"the file has a line longer than {MAX_BLOCK} characters")
        pending, length = [joined[end:]], length - end
        if end:
            yield joined[:end]
    tail = "".join(pending)
    if tail:
        yield tail


def lines(text: str) -> list[str]:
    """`text` split after each `\\n` only (csv must see `\\r` and U+2028 inside fields)."""
    parts = text.split("\n")
    last = parts.pop()
    return [part + "\n" for part in parts] + ([last] if last else [])


def sniff_delimiter(header: str) -> str:
    """Semicolon when the header line has more semicolons than commas, else comma."""
    return ";" if header.count(";") > header.count(",") else ","


def field_key(name: str) -> str | None:
    """The standard field a header names, ignoring case, spaces and underscores."""
    return _BY_KEY.get(_IGNORED.sub("", name).lower())


@dataclass(frozen=True)
class Columns:
    """What each column of the file becomes: a standard field, a custom field or nothing
    (`None`: DNC lists keep only the number). `headers` are the names as the file has them."""

    headers: tuple[str, ...]
    keys: tuple[str | None, ...]


def _check_names(headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise CsvFileError(f"the file has {len(headers)} columns; at most {MAX_COLUMNS} allowed")
    seen: set[str] = set()
    for index, name in enumerate(headers, start=1):
        if not name:
            raise CsvFileError(f"column {index} has no name in the header row")
        if len(name) > MAX_KEY:
            raise CsvFileError(f"column name {name[:20]!r}... is longer than {MAX_KEY} characters")
        if "\x00" in name:
            raise CsvFileError(f"column {index}'s name contains a NUL character")
        if name in seen:
            raise CsvFileError(f"column {name!r} appears twice in the header row")
        seen.add(name)


def _explicit(headers: list[str], mapping: Mapping[str, str]) -> dict[int, str]:
    """Column index -> field for an explicit mapping `{field: column name}`."""
    chosen: dict[int, str] = {}
    for field, column in mapping.items():
        if column not in headers:
            raise CsvFileError(
                f"mapping.{field} names column {column!r}, which the header row does not have",
                f"mapping.{field}",
            )
        index = headers.index(column)
        if index in chosen:
            raise CsvFileError(f"column {column!r} is mapped twice", f"mapping.{field}")
        chosen[index] = field
    return chosen


def _automatic(headers: list[str], taken: Mapping[int, str]) -> dict[int, str]:
    """Column index -> standard field for the headers that name one (and are not mapped)."""
    found: dict[int, str] = {}
    for index, name in enumerate(headers):
        field = field_key(name)
        if index in taken or field is None:
            continue
        if field in taken.values():
            if name in STANDARD_FIELDS:  # it would collide with the mapped field
                raise CsvFileError(
                    f"column {name!r} is the field {field}, which mapping.{field} gives to "
                    "another column; rename one of them",
                    f"mapping.{field}",
                )
            continue  # kept as a custom field under its own name
        if field in found.values():
            raise CsvFileError(f"two columns name the field {field} (one is {name!r})")
        found[index] = field
    return found


def read_columns(header: list[str], mapping: Mapping[str, str], *, numbers_only: bool) -> Columns:
    """The meaning of each column; a file without a phone column is refused, except that a
    single-column file is taken as a column of numbers."""
    headers = [name.strip() for name in header]
    _check_names(headers)
    fields = _explicit(headers, mapping)
    fields.update(_automatic(headers, fields))
    if "phoneNumber" not in fields.values():
        if len(headers) != 1:
            raise CsvFileError(
                f"the file has no phoneNumber column (header: {', '.join(headers)[:200]}); "
                "name it phoneNumber or map one with mapping.phoneNumber"
            )
        fields[0] = "phoneNumber"
    keys: list[str | None] = [fields.get(i, name) for i, name in enumerate(headers)]
    if numbers_only:
        keys = [k if k == "phoneNumber" else None for k in keys]
    return Columns(tuple(headers), tuple(keys))


# where a record starts, its values (None when it cannot be read) and why not
Record = tuple[int, list[str] | None, str]


def records(text: str, first_line: int, delimiter: str) -> Iterator[Record]:
    """Every record of a block, numbered by the line it starts on; empty lines (and a lone
    blank cell) are skipped, unreadable records reported."""
    reader = csv.reader(lines(text), delimiter=delimiter)
    seen = 0
    while True:
        try:
            for cells in reader:
                line, seen = first_line + seen, reader.line_num
                if any(cells) and (len(cells) > 1 or cells[0].strip()):
                    yield line, cells, ""
            return
        except csv.Error as exc:
            yield first_line + seen, None, f"cannot be read as CSV: {exc}"
            seen = reader.line_num


def _first_record(text: str) -> int:
    """Where the first record of `text` ends (the header row may hold quoted newlines)."""
    quotes, start = 0, 0
    while (newline := text.find("\n", start)) >= 0:
        quotes += text.count('"', start, newline)
        if quotes % 2 == 0:
            return newline + 1
        start = newline + 1
    return len(text)


class CsvFile:
    """A CSV file read from a byte stream: `columns` from its header row, then `blocks()` of
    whole records for the workers to parse."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        mapping: Mapping[str, str],
        *,
        delimiter: str | None,
        numbers_only: bool,
    ) -> None:
        self._blocks = blocks(decoded(chunks), BLOCK_CHARS)
        first = next(self._blocks, "")
        end = _first_record(first)
        header, self._rest = first[:end], first[end:]
        if not header.strip():
            raise CsvFileError("the file is empty: it needs a header row")
        self.delimiter = delimiter or sniff_delimiter(header)
        self._next_line = 1 + header.count("\n")
        try:
            cells = next(csv.reader(lines(header), delimiter=self.delimiter))
        except csv.Error as exc:
            raise CsvFileError(f"the header row cannot be read: {exc}") from exc
        self.columns = read_columns(cells, mapping, numbers_only=numbers_only)

    def blocks(self) -> Iterator[tuple[int, str]]:
        """The records after the header, in blocks, each with the line it starts on."""
        for block in chain([self._rest], self._blocks):
            if block:
                yield self._next_line, block
                self._next_line += block.count("\n")
