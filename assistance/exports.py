"""CTDC files (CSV, XLSX) of anonymised case records, written to a temporary file as they stream."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .ctdc import COLUMNS

# Kept in memory up to this size, then on disk: a national file can hold 250,000 rows.
SPOOL_BYTES = 8 * 1024 * 1024


def _cell(value) -> str:
    # Every value is a CTDC code, a region name, a year or 0/1: none can start a formula.
    return "" if value is None else str(value)


def spool() -> IO[bytes]:
    """Where a file is written before it goes to storage."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def write_csv(rows: Iterable[list], handle: IO[bytes]) -> int:
    """CTDC columns as the header, one line per record; UTF-8 with a byte-order mark."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        count += 1
    text.flush()
    text.detach()
    return count


def write_xlsx(rows: Iterable[list], handle: IO[bytes]) -> int:
    """One sheet named CTDC; flags and years as numbers, empty cells for withheld values."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("CTDC")
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(handle)
    return count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
