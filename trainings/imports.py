"""Attendance sheets: recognising CSV and XLSX files, reading them, their header, the template.

Problems of the whole file (size, type, header, no rows) are raised as a
ValidationError on ``file``; the rows are checked in ``trainings.import_rows``.
Row numbers are the spreadsheet's: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from projects.models import Sex

from .models import AgeBand, InstitutionType

COLUMNS = (
    "name",
    "sex",
    "age_band",
    "institution",
    "institution_type",
    "role",
    "nationality",
    "country_of_work",
    "attended",
    "pre_score",
    "post_score",
)
EXAMPLE_ROWS = (
    ("Amal Hassan", "female", "25-34", "Public Prosecution", "prosecution", "Prosecutor")
    + ("EG", "EG", "yes", "55", "80"),
    ("", "male", "35-44", "General Security", "police", "Captain", "LB", "LB", "yes", "", ""),
)
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
# Larger sheets are imported by a background worker, with progress on the page.
INLINE_ROWS = 1_000
# Past this many, the rest are summed up in one line: the first ones show the pattern.
MAX_ERRORS = 1_000
TEXT_LIMITS = {"name": 200, "institution": 255, "role": 100}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_of(value: Any) -> str:
    """A cell as text with its spaces tidied; empty for an empty cell."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def has_text(value: Any) -> bool:
    """Whether ``text_of(value)`` is not empty, without building it."""
    if type(value) is not str:
        value = "" if value is None else str(value)
    return bool(value) and not value.isspace()


def error(row: int | None, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "field": column, "message": str(message)}


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


# Recognising the file -----------------------------------------------------------


def _content_kind(head: bytes, handle: IO[bytes]) -> str:
    if head.startswith(b"PK\x03\x04"):
        try:
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "binary"
        finally:
            handle.seek(0)
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if b"\x00" in head:
        return "binary"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "not_utf8"
    return "csv"


def detect_format(upload) -> str:
    """``"csv"`` or ``"xlsx"``, from the file's name and its first bytes; else ValidationError.

    The size is checked first so that an oversized file is refused without being read.
    """
    size = getattr(upload, "size", None) or 0
    if size > MAX_BYTES:
        raise file_error(
            _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    if size == 0:
        raise file_error(_("The file is empty."))
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise file_error(
            _("Upload a CSV or XLSX file (this one is “%(extension)s”).")
            % {"extension": extension or _("without extension")}
        )
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    kind = _content_kind(head, upload)
    if kind == "xls":
        raise file_error(_("Old Excel .xls files cannot be read: save the sheet as .xlsx or CSV."))
    if extension == ".xlsx":
        if kind != "xlsx":
            raise file_error(_("The file is named .xlsx but is not an Excel workbook."))
        return "xlsx"
    if kind == "xlsx":
        raise file_error(
            _("The file is named .csv but is an Excel workbook: rename it .xlsx or save it as CSV.")
        )
    if kind == "not_utf8":
        raise file_error(_("The CSV file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."))
    if kind != "csv":
        raise file_error(_("The file is named .csv but is not a text file."))
    return "csv"


# Reading -------------------------------------------------------------------------


@dataclass
class Sheet:
    """The header and an iterator of ``(row number, cells)`` of the first worksheet."""

    header: list[Any]
    rows: Iterator[tuple[int, tuple]]
    estimated_rows: int


def _csv_sheet(text: IO[str], size: int) -> Sheet:
    first = text.readline()
    # Excel in French and Arabic locales writes semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text, delimiter=delimiter, strict=False, skipinitialspace=True)

    def records() -> Iterator[tuple[int, tuple]]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007
                yield number, tuple(cells)
        except UnicodeDecodeError as exc:
            raise file_error(
                _("Row %(row)s is not UTF-8 text. In Excel, save the file as “CSV UTF-8”.")
                % {"row": number + 1}
            ) from exc
        except csv.Error as exc:
            raise file_error(
                _("Row %(row)s could not be read as CSV: %(reason)s")
                % {"row": number + 1, "reason": exc}
            ) from exc

    header = next(csv.reader([first], delimiter=delimiter, skipinitialspace=True), [])
    return Sheet(header=list(header), rows=records(), estimated_rows=size)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@contextmanager
def open_sheet(handle: IO[bytes], fmt: str) -> Iterator[Sheet]:
    """The first worksheet of an XLSX workbook or the records of a CSV file."""
    if fmt == "csv":
        handle.seek(0)
        # Read at once (the size is checked first): the rows are then decoded from memory,
        # without a file wrapper's checks on every row.
        data = handle.read()
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        yield _csv_sheet(text, max(0, lines - 1))
        return
    from openpyxl import load_workbook

    handle.seek(0)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise file_error(_("The workbook could not be read: is it a valid .xlsx file?")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, ()) or ())
        estimate = max(0, (sheet.max_row or 1) - 1)

        def records() -> Iterator[tuple[int, tuple]]:
            for number, cells in enumerate(rows, start=2):
                yield number, tuple(_xlsx_cell(value) for value in cells)

        yield Sheet(header=header, rows=records(), estimated_rows=estimate)
    finally:
        workbook.close()


def column_positions(header: list[Any]) -> dict[str, int]:
    """Where each template column is; ValidationError naming missing and unknown columns."""
    names = [str(cell or "").strip().lower().replace(" ", "_").replace("-", "_") for cell in header]
    if not any(names):
        raise file_error(_("The first row must be the header of the template; it is empty."))
    positions: dict[str, int] = {}
    unknown, twice = [], []
    for index, name in enumerate(names):
        if not name:
            continue
        if name not in COLUMNS:
            unknown.append(str(header[index]).strip())
        elif name in positions:
            twice.append(name)
        else:
            positions[name] = index
    missing = [name for name in COLUMNS if name not in positions]
    problems = []
    if missing:
        problems.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
    if twice:
        problems.append(_("Columns given twice: %(names)s.") % {"names": ", ".join(twice)})
    if problems:
        raise file_error(
            " ".join(
                [_("The header does not match the template."), *problems]
                + [_("Download the template to see the expected header.")]
            )
        )
    return positions


def sheet_summary(upload, fmt: str) -> int:
    """Check the header and that there is a row; return an estimate of the rows."""
    with open_sheet(upload, fmt) as sheet:
        if not sheet.header and not any(True for _row in sheet.rows):
            raise file_error(_("The file is empty."))
        column_positions(sheet.header)
        for _number, cells in sheet.rows:
            if any(text_of(cell) for cell in cells):
                break
        else:
            raise file_error(_("The file has a header but no participant rows."))
        estimate = sheet.estimated_rows
    upload.seek(0)
    if estimate > MAX_ROWS:
        raise file_error(
            _("The sheet has more than %(limit)s rows; split it into smaller files.")
            % {"limit": f"{MAX_ROWS:,}"}
        )
    return max(estimate, 1)


# The template -------------------------------------------------------------------


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLE_ROWS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "participants"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in EXAMPLE_ROWS:
        sheet.append([_xlsx_number(value) for value in example])
    codes = workbook.create_sheet("codes")
    codes.append(["column", "code", "meaning"])
    for column, choices in (
        ("sex", Sex.choices),
        ("age_band", AgeBand.choices),
        ("institution_type", InstitutionType.choices),
    ):
        for code, label in choices:
            codes.append([column, code, str(label)])
    codes.append(["nationality, country_of_work", "EG, LB, JO …", "ISO 3166-1 alpha-2"])
    codes.append(["attended", "yes / no", ""])
    codes.append(["pre_score, post_score", "0–100", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_number(value: str) -> Any:
    return int(value) if value.isdigit() else value
