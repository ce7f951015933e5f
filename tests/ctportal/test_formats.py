"""One date format per language, everywhere: pages, PDFs, spreadsheets and e-mails."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from ctportal.formats import xlsx_format

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime.date(2015, 12, 31)
MOMENT = datetime.datetime(2026, 12, 7, 11, 41, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("code", "date", "moment", "month"),
    [
        ("en", "31 Dec 2015", "7 Dec 2026, 11:41", "Dec 2015"),
        ("fr", "31 déc. 2015", "7 déc. 2026, 11:41", "déc. 2015"),
        ("ar", "31 ديسمبر 2015", "7 ديسمبر 2026، 11:41", "ديسمبر 2015"),
    ],
)
def test_each_language_has_one_format_short_or_long(code, date, moment, month):
    with translation.override(code):
        assert date_format(DAY) == date_format(DAY, "SHORT_DATE_FORMAT") == date
        assert date_format(MOMENT, "DATETIME_FORMAT") == moment
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == moment
        assert date_format(DAY, "YEAR_MONTH_FORMAT") == month
        rendered = Template("{{ day|date }}").render(Context({"day": DAY}))
        assert rendered == date
        # Western Arabic digits in every language, as amounts use.
        assert re.search(r"[\u0660-\u0669]", rendered) is None


@pytest.mark.parametrize(
    ("code", "prefix"), [("en", "[$-809]"), ("fr", "[$-40C]"), ("ar", "[$-C01]")]
)
def test_spreadsheet_dates_name_the_month_in_the_reader_language(code, prefix):
    with translation.override(code):
        assert xlsx_format().startswith(prefix) and "mmm" in xlsx_format()
        assert "hh:mm" in xlsx_format("XLSX_DATETIME")


HARD_CODED = re.compile(r"""\|date:["'](?![A-Z_]+["']|c["']|Y-m-d["']|Y-m["']|[jF]["'])""")


def test_no_template_writes_a_date_format_of_its_own():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in HARD_CODED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
