"""A one-sheet XLSX workbook written row by row into a file: memory flat, fast for wide sheets.

openpyxl's write-only mode streams too, but it builds a cell object per value:
a 200,000-row CTDC file (63 columns, 12.6 million cells) took about four
minutes with it on the two-core machine the portal is measured on. Here each
distinct value is turned into its XML once and reused, rows go out as text
into a deflated ZIP member as they come, and nothing of the sheet is kept:
the same file takes seconds (tests/bench/test_bench_exports.py).

The package is the smallest SpreadsheetML a spreadsheet program, openpyxl and
pandas read: a workbook, one worksheet, a style sheet with a bold font for
the header and a number format each for dates, date-times and decimals.
Text is written as inline strings, never as formulas; integers, floats and
decimals as numbers; dates and naive date-times as Excel serial numbers under
their format; booleans as booleans; None and "" as empty cells. Cells carry
no reference (SpreadsheetML allows it: they follow one another), which keeps
a wide row short.
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">\
<Relationship Id="rId1" Target="xl/workbook.xml" \
Type="{RELATIONSHIPS}/officeDocument"/></Relationships>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">\
<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{RELATIONSHIPS}/worksheet"/>\
<Relationship Id="rId2" Target="styles.xml" Type="{RELATIONSHIPS}/styles"/>\
</Relationships>"""
# Cell styles (indexes into cellXfs): the header's bold font, then one number
# format each for dates, date-times and decimals.
BOLD, DATE, DATETIME, DECIMAL = 1, 2, 3, 4
# Formats unless the caller gives its own: openpyxl's, and Excel's plain number.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
DECIMAL_FORMAT = "General"
# Day 0 of Excel's serial dates (1900 system, its phantom 29 February 1900 included).
EPOCH = datetime.datetime(1899, 12, 30)
# Characters XML 1.0 cannot carry at all: dropped from text.
ILLEGAL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
# Fragments of distinct values kept for reuse. A sheet of mostly unique values
# (titles, codes) fills it with values seen once: when full it starts again, so
# it holds a few MiB at most and the values that recur come back at once.
CACHE_LIMIT = 10_000
ROWS_PER_WRITE = 500
# Fixed member dates: the same rows give the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SHEET_NAME_FORBIDDEN = dict.fromkeys(map(ord, "[]:*?/\\"), " ")


def styles(*, date_format: str, datetime_format: str, decimal_format: str) -> str:
    """The style sheet: a normal and a bold font, three number formats (ids from 164)."""
    formats = (date_format, datetime_format, decimal_format)
    number_formats = "".join(
        f'<numFmt numFmtId="{164 + index}" formatCode={quoteattr(code)}/>'
        for index, code in enumerate(formats)
    )
    numbered = "".join(
        f'<xf numFmtId="{164 + index}" fontId="0" fillId="0" borderId="0" xfId="0" '
        f'applyNumberFormat="1"/>'
        for index in range(len(formats))
    )
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="{len(formats)}">{number_formats}</numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="{2 + len(formats)}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>{numbered}</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""


def sheet_name(title: str) -> str:
    """A name spreadsheet programs accept: at most 31 characters, none of []:*?/\\."""
    return title.translate(SHEET_NAME_FORBIDDEN)[:31].strip() or "Sheet1"


def excel_serial(value: datetime.date) -> int | float:
    """Days since Excel's day 0, as openpyxl counts them; the time of day as a fraction."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            raise ValueError("Spreadsheet date-times carry no time zone: convert to local time.")
        moment = value
    else:
        moment = datetime.datetime.combine(value, datetime.time())
    delta = moment - EPOCH
    days = delta.days - 1 if 0 < delta.days <= 60 else delta.days
    if isinstance(value, datetime.datetime):
        return days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return days


def _text(value: str, style: str = "") -> str:
    text = escape(value.translate(ILLEGAL))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def cell_xml(value) -> str:
    """One cell: a number, a date, a boolean, inline text, or empty."""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal):
        return f'<c s="{DECIMAL}"><v>{value}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, datetime.date):
        style = DATETIME if isinstance(value, datetime.datetime) else DATE
        return f'<c s="{style}"><v>{excel_serial(value)}</v></c>'
    return _text(str(value))


class _Fragments(dict):
    """Cell XML by (type, value): on their own 1, True and Decimal(1) are one key."""

    def __missing__(self, key) -> str:
        if len(self) >= CACHE_LIMIT:
            self.clear()
        xml = self[key] = cell_xml(key[1])
        return xml


def _member(archive: zipfile.ZipFile, name: str, content: str) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, content)


def write_sheet(
    handle: IO[bytes],
    *,
    sheet: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[float] = (),
    date_format: str = DATE_FORMAT,
    datetime_format: str = DATETIME_FORMAT,
    decimal_format: str = DECIMAL_FORMAT,
    compresslevel: int = 1,
) -> int:
    """Write a workbook of one sheet (a bold ``header``, then ``rows``) into ``handle``.

    ``rows`` is read once, as it comes; returns the number of rows written.
    ``widths`` are the first columns' widths in characters; dates, date-times
    and decimals show in the Excel number formats given.
    Level 1 compression: the sheet's XML is highly repetitive, so it is nearly
    as small as level 6 and several times faster to make.
    """
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        _member(zf, "[Content_Types].xml", CONTENT_TYPES)
        _member(zf, "_rels/.rels", ROOT_RELS)
        _member(
            zf,
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            f'<sheet name={quoteattr(sheet_name(sheet))} sheetId="1" r:id="rId1"/>'
            f"</sheets></workbook>",
        )
        _member(zf, "xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        _member(
            zf,
            "xl/styles.xml",
            styles(
                date_format=date_format,
                datetime_format=datetime_format,
                decimal_format=decimal_format,
            ),
        )
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        count = 0
        with zf.open(info, "w", force_zip64=True) as part:
            first = "".join(_text(str(name), f' s="{BOLD}"') for name in header)
            columns = "".join(
                f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                for index, width in enumerate(widths, start=1)
            )
            part.write(
                (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{MAIN}">{f"<cols>{columns}</cols>" if columns else ""}'
                    f'<sheetData><row r="1">{first}</row>'
                ).encode()
            )
            fragment = _Fragments().__getitem__
            pending: list[str] = []
            for row in rows:
                count += 1
                # (type, value) pairs, made in C: the row's cells without a Python call each.
                cells = map(fragment, zip(map(type, row), row, strict=True))
                pending.append(f'<row r="{count + 1}">{"".join(cells)}</row>')
                if len(pending) >= ROWS_PER_WRITE:
                    part.write("".join(pending).encode())
                    pending.clear()
            part.write("".join(pending).encode())
            part.write(b"</sheetData></worksheet>")
    return count
