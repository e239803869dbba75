"""Parsing and validating a block of CSV text with `validate_row`, the one row validator.

This module is what the import's worker processes import, so it stays light: the CSV reader,
`rows` and the phone-number kit, nothing of the web or database layers. A block goes out as
one string and comes back as rows ready for the staging table (tuples for SQLite, or the text
of a PostgreSQL `COPY ... (FORMAT csv)`) plus the refusals, so little is pickled either way.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from outdial.contact_list.csv_reader import records
from outdial.contact_list.rows import ContactFields, validate_row

# line, phone, number zone, first name, last name, time zone, uniqueId, priority, custom JSON
StagedRow = tuple[
    int, str, str | None, str | None, str | None, str | None, str | None, int | None, str | None
]
RowRefusal = tuple[int, str, str]  # line, field (standard name, or the custom column), reason


@dataclass(frozen=True)
class Spec:
    """How to read every record of one file: its delimiter, its columns' keys, the region for
    national numbers, and whether rows go back as COPY text."""

    headers: tuple[str, ...]
    keys: tuple[str | None, ...]
    region: str
    numbers_only: bool
    delimiter: str = ","
    copy: bool = False


@dataclass
class Checked:
    """A validated block: rows to stage (or their COPY text), refusals, and counts."""

    rows: list[StagedRow] = field(default_factory=list)
    copy: str = ""
    refusals: list[RowRefusal] = field(default_factory=list)
    total: int = 0
    valid: int = 0
    refused: int = 0


def _staged(line: int, f: ContactFields, numbers_only: bool) -> StagedRow:
    if numbers_only:
        return (line, f.phone_number, None, None, None, None, None, None, None)
    custom = json.dumps(f.custom, ensure_ascii=False) if f.custom else None
    return (
        line,
        f.phone_number,
        f.number_zone,
        f.first_name,
        f.last_name,
        f.time_zone,
        f.unique_id,
        f.contact_priority,
        custom,
    )


def _shape_problem(spec: Spec, cells: list[str]) -> str | None:
    """A record that does not fit the header, or holds a character no database stores."""
    if len(cells) != len(spec.headers):
        return f"has {len(cells)} values; the header row has {len(spec.headers)} columns"
    if any("\x00" in cell for cell in cells):
        return "contains a NUL character"
    return None


def _as_row(spec: Spec, cells: list[str]) -> dict[str, Any]:
    """The record as validate_row takes it; empty cells are absent, not empty strings."""
    return {key: cell for key, cell in zip(spec.keys, cells, strict=True) if key and cell != ""}


def check_batch(spec: Spec, batch: list[tuple[int, list[str]]]) -> Checked:
    """Validate records already split into cells."""
    out = Checked()
    for line, cells in batch:
        out.total += 1
        problem = _shape_problem(spec, cells)
        if problem is not None:
            out.refusals.append((line, "", problem))
            out.refused += 1
            continue
        result = validate_row(_as_row(spec, cells), spec.region)
        if isinstance(result, ContactFields):
            out.rows.append(_staged(line, result, spec.numbers_only))
            continue
        out.refused += 1
        out.refusals.extend((line, err.field, err.reason) for err in result)
    out.valid = len(out.rows)
    return out


def check_block(spec: Spec, first_line: int, text: str) -> Checked:
    """Parse and validate one block of whole records (runs in a worker process)."""
    batch: list[tuple[int, list[str]]] = []
    unreadable: list[RowRefusal] = []
    for line, cells, problem in records(text, first_line, spec.delimiter):
        if cells is None:
            unreadable.append((line, "", problem))
        else:
            batch.append((line, cells))
    out = check_batch(spec, batch)
    out.total += len(unreadable)
    out.refused += len(unreadable)
    if unreadable:
        out.refusals = sorted(out.refusals + unreadable, key=lambda refusal: refusal[0])
    if spec.copy:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(out.rows)
        out.copy, out.rows = buffer.getvalue(), []
    return out


def exit_with_parent() -> None:
    """Worker initializer: end this worker when the process that started it dies (a killed
    server must not leave idle workers, and with them the fork server, behind)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
