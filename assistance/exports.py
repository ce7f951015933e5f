"""CTDC files (CSV, XLSX) of anonymised case records, written to a temporary file as they stream.

Both writers read the rows once, as the database cursor hands them over, and
keep none: memory stays flat whatever the number of records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO

from ctportal.xlsx_stream import write_sheet

from .ctdc import COLUMNS


def _cell(value) -> str:
    # Every value is a CTDC code, a region name, a year or 0/1: none can start a formula.
    return "" if value is None else str(value)


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
    """One sheet named CTDC; flags and years as numbers, empty cells for withheld values.

    Written by ``ctportal.xlsx_stream``: at 63 columns, openpyxl's per-cell objects
    made a national file of 200,000 rows take minutes.
    """
    return write_sheet(handle, sheet="CTDC", header=COLUMNS, rows=rows)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
