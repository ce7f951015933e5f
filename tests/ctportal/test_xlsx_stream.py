import datetime
import io
import weakref
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from assistance.exports import write_csv, write_xlsx
from ctportal.xlsx_stream import write_sheet


class Row(list):
    """A row that can be watched: its finaliser tells when nobody holds it any more."""


def watched_rows(count: int, width: int, limit: int):
    """Rows made one at a time; fails as soon as more than ``limit`` are held at once.

    ``list(watched_rows(...))`` fails at row ``limit + 1``, so a writer passes only
    if it lets each row go soon after reading it.
    """
    alive = [0]

    def gone():
        alive[0] -= 1

    for index in range(count):
        assert alive[0] <= limit, f"{alive[0]} rows held at row {index}"
        row = Row([index % 7, "ET", None, "Southern Asia"] + [1, 0] * ((width - 4) // 2))
        alive[0] += 1
        weakref.finalize(row, gone)
        yield row


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_values_keep_their_types_and_text_never_becomes_a_formula():
    handle = io.BytesIO()
    rows = [
        [2019, "Female", None, "", Decimal("12.50"), 0.5],
        ['=HYPERLINK("http://x")', " spaced ", 'a<b & c>"d"', "بيروت", True, -3],
        ["bell\x07and\x1bescape", "", 1, None, "", ""],
    ]
    count = write_sheet(handle, sheet="CTDC", header=["a", "b", "c", "d", "e", "f"], rows=rows)
    sheet = read(handle.getvalue())["CTDC"]

    assert count == 3
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("a", "b", "c", "d", "e", "f")
    assert values[1] == (2019, "Female", None, None, 12.5, 0.5)
    assert values[2] == ('=HYPERLINK("http://x")', " spaced ", 'a<b & c>"d"', "بيروت", True, -3)
    assert values[3][:3] == ("bellandescape", None, 1)
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["A3"].data_type == "s"
    assert sheet["A2"].data_type == "n"


def test_the_same_rows_give_the_same_bytes():
    def build():
        handle = io.BytesIO()
        write_sheet(handle, sheet="S", header=["x"], rows=[[1], ["two"]])
        return handle.getvalue()

    assert build() == build()
    names = zipfile.ZipFile(io.BytesIO(build())).namelist()
    assert "xl/worksheets/sheet1.xml" in names and "[Content_Types].xml" in names


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_ctdc_writers_read_rows_as_they_come_and_keep_none(writer):
    handle = io.BytesIO()

    count = writer(watched_rows(30_000, 63, limit=5), handle)

    assert count == 30_000
    assert handle.tell() > 30_000


def test_a_writer_that_lists_its_rows_is_caught():
    with pytest.raises(AssertionError, match="rows held"):
        list(watched_rows(100, 63, limit=5))


def test_ctdc_xlsx_of_many_rows_reads_back_whole():
    handle = io.BytesIO()
    rows = ([index, "ET", None, "Southern Asia"] for index in range(5000))

    write_xlsx(rows, handle)

    sheet = read(handle.getvalue())["CTDC"]
    assert sheet.max_row == 5001
    assert [cell.value for cell in sheet[5001][:4]] == [4999, "ET", None, "Southern Asia"]


def test_dates_and_decimals_carry_their_formats_and_columns_their_widths():
    handle = io.BytesIO()
    rows = [
        [datetime.date(2024, 2, 29), datetime.datetime(2024, 3, 1, 13, 30), Decimal("1234.5")],
        [datetime.date(1900, 2, 1), None, Decimal("0.00")],
    ]
    write_sheet(
        handle,
        sheet="Dates",
        header=["day", "moment", "amount"],
        rows=rows,
        widths=[14, 20],
        date_format="d mmm yyyy",
        datetime_format="d mmm yyyy, hh:mm",
        decimal_format="#,##0.00",
    )
    sheet = read(handle.getvalue())["Dates"]

    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (datetime.datetime(2024, 2, 29), datetime.datetime(2024, 3, 1, 13, 30), 1234.5),
        (datetime.datetime(1900, 2, 1), None, 0),
    ]
    assert [cell.number_format for cell in sheet[2]] == [
        "d mmm yyyy",
        "d mmm yyyy, hh:mm",
        "#,##0.00",
    ]
    assert sheet["A2"].is_date and not sheet["C2"].is_date and sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width == 14
    assert sheet.column_dimensions["B"].width == 20


def test_equal_values_of_different_types_keep_their_own_cells():
    handle = io.BytesIO()
    write_sheet(
        handle,
        sheet="S",
        header=["a", "b", "c"],
        rows=[[1, True, Decimal(1)], [True, 1, 0], [False, 0, Decimal(0)]],
        decimal_format="0.00",
    )
    sheet = read(handle.getvalue())["S"]

    assert [[cell.data_type for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        ["n", "b", "n"],
        ["b", "n", "n"],
        ["b", "n", "n"],
    ]
    assert [cell.number_format for cell in sheet[2]] == ["General", "General", "0.00"]
    assert [cell.number_format for cell in sheet[4]] == ["General", "General", "0.00"]


def test_a_date_time_with_a_time_zone_is_refused():
    aware = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)

    with pytest.raises(ValueError, match="time zone"):
        write_sheet(io.BytesIO(), sheet="S", header=["a"], rows=[[aware]])


def test_a_sheet_name_loses_what_spreadsheet_programs_refuse():
    handle = io.BytesIO()
    write_sheet(handle, sheet="Cases [2026]: a/b? " + "x" * 40, header=["a"], rows=[])

    assert read(handle.getvalue()).sheetnames == ["Cases  2026   a b  xxxxxxxxxxxx"]
