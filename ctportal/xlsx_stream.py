"""A one-sheet XLSX workbook written row by row into a file: memory flat, fast for wide sheets.

openpyxl's write-only mode streams too, but it builds a cell object per value:
a 200,000-row CTDC file (63 columns, 12.6 million cells) took about four
minutes with it on the two-core machine the portal is measured on. Here each
distinct value is turned into its XML once and reused, rows go out as text
into a deflated ZIP member as they come, and nothing of the sheet is kept:
the same file takes seconds (tests/bench/test_bench_exports.py).

The package is the smallest SpreadsheetML a spreadsheet program, openpyxl and
pandas read: a workbook, one worksheet, a style sheet with a bold font for
the header. Text is written as inline strings, never as formulas; integers
and decimals as numbers; None and "" as empty cells. Cells carry no
reference (SpreadsheetML allows it: they follow one another), which keeps a
wide row short.
"""

from __future__ import annotations

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
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
BOLD = 1
# Characters XML 1.0 cannot carry at all: dropped from text.
ILLEGAL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
# Fragments of distinct values kept for reuse; past this, each value is built anew.
CACHE_LIMIT = 100_000
ROWS_PER_WRITE = 500
# Fixed member dates: the same rows give the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _text(value: str, style: str = "") -> str:
    text = escape(value.translate(ILLEGAL))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def cell_xml(value) -> str:
    """One cell: a number, inline text, or empty."""
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c><v>{value}</v></c>"
    return _text(str(value))


class _Fragments(dict):
    def __missing__(self, value) -> str:
        xml = cell_xml(value)
        if len(self) < CACHE_LIMIT:
            self[value] = xml
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
    compresslevel: int = 1,
) -> int:
    """Write a workbook of one sheet (a bold ``header``, then ``rows``) into ``handle``.

    ``rows`` is read once, as it comes; returns the number of rows written.
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
            f'<sheet name={quoteattr(sheet[:31])} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        _member(zf, "xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        _member(zf, "xl/styles.xml", STYLES)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        count = 0
        with zf.open(info, "w", force_zip64=True) as part:
            first = "".join(_text(str(name), f' s="{BOLD}"') for name in header)
            part.write(
                (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{first}</row>'
                ).encode()
            )
            fragment = _Fragments().__getitem__
            pending: list[str] = []
            for row in rows:
                count += 1
                pending.append(f'<row r="{count + 1}">{"".join(map(fragment, row))}</row>')
                if len(pending) >= ROWS_PER_WRITE:
                    part.write("".join(pending).encode())
                    pending.clear()
            part.write("".join(pending).encode())
            part.write(b"</sheetData></worksheet>")
    return count
