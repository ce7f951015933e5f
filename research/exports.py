"""Research lists as CSV and XLSX files, with the filters of the page they come from.

The querysets given are already scoped by the access policy and carry their
prefetches (see ``selectors``), so a file costs the same few queries as a page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ctportal.formats import xlsx_format
from ctportal.xlsx_stream import write_sheet
from projects.exports import FORMULA_START

from .models import Stage

CHUNK_SIZE = 2000
WIDE = 45


def _names(items) -> str:
    return "; ".join(str(item) for item in items)


def _codes(projects) -> str:
    return "; ".join(project.code for project in projects)


def _output_columns() -> list[tuple[str, str, Callable]]:
    return [
        ("title", _("Title"), lambda o: o.title),
        ("kind", _("Kind"), lambda o: o.get_kind_display()),
        ("status", _("Status"), lambda o: o.get_status_display()),
        ("publication_date", _("Publication date"), lambda o: o.publication_date),
        ("language", _("Language"), lambda o: o.language),
        ("translation_of", _("Translation of"), lambda o: o.translation_of or ""),
        ("authors", _("Authors"), lambda o: "; ".join(o.authors.split("\n")).strip()),
        ("partners", _("Partner organisations"), lambda o: _names(o.partners.all())),
        ("countries", _("Countries covered"), lambda o: _names(c.code for c in o.countries.all())),
        ("projects", _("Projects"), lambda o: _codes(o.projects.all())),
        ("abstract", _("Abstract"), lambda o: o.abstract),
    ]


def _support_columns() -> list[tuple[str, str, Callable]]:
    stages = dict(Stage.choices)
    return [
        ("country", _("Country"), lambda s: s.country.code if s.country else _("Regional")),
        ("instrument", _("Instrument"), lambda s: s.get_instrument_display()),
        ("title", _("Title"), lambda s: s.title),
        ("reference", _("Official reference"), lambda s: s.reference),
        ("stage", _("Current stage"), lambda s: stages.get(s.current_stage, "")),
        ("stage_date", _("Since"), lambda s: s.stage_date),
        ("support", _("Support given"), lambda s: _names(s.support.all())),
        ("projects", _("Projects"), lambda s: _codes(s.projects.all())),
    ]


def _activity_columns() -> list[tuple[str, str, Callable]]:
    return [
        ("title", _("Title"), lambda a: a.title),
        ("kind", _("Kind"), lambda a: a.get_kind_display()),
        ("audience", _("Audience"), lambda a: a.get_audience_display()),
        ("channel", _("Channel"), lambda a: a.get_channel_display()),
        ("start_date", _("Start date"), lambda a: a.start_date),
        ("end_date", _("End date"), lambda a: a.end_date),
        ("countries", _("Countries"), lambda a: _names(c.code for c in a.countries.all())),
        ("people_reached", _("People reached directly"), lambda a: a.people_reached),
        ("audience_estimate", _("Estimated audience"), lambda a: a.audience_estimate),
        ("materials_distributed", _("Materials distributed"), lambda a: a.materials_distributed),
        ("projects", _("Projects"), lambda a: _codes(a.projects.all())),
    ]


COLUMNS = {
    "research-outputs": (_output_columns, gettext_noop("Research outputs")),
    "legislative-support": (_support_columns, gettext_noop("Legislative support")),
    "awareness-activities": (_activity_columns, gettext_noop("Awareness activities")),
}


def rows(kind: str, records: QuerySet) -> tuple[list[str], Iterator[list[Any]]]:
    """Headings, and one list of values per record."""
    columns = COLUMNS[kind][0]()

    def values() -> Iterator[list[Any]]:
        for record in records.iterator(chunk_size=CHUNK_SIZE):
            yield [value(record) for _key, _heading, value in columns]

    return [heading for _key, heading, _value in columns], values()


def _text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, int):
        return value
    return _text(str(value))


def render_csv(kind: str, records: QuerySet) -> bytes:
    """CSV with a byte-order mark, so spreadsheet programs read Arabic text right."""
    headings, lines = rows(kind, records)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    for line in lines:
        writer.writerow([_csv_value(value) for value in line])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    # Numbers and dates keep their types; anything else (choices, related records) is text.
    if value is None or isinstance(value, int) or hasattr(value, "isoformat"):
        return value
    return str(value)


def render_xlsx(kind: str, records: QuerySet) -> bytes:
    """One sheet, one row per record; dates and numbers keep their types, text stays
    text even when it starts with "=" (``ctportal.xlsx_stream``)."""
    headings, lines = rows(kind, records)
    buffer = io.BytesIO()
    write_sheet(
        buffer,
        sheet=_(COLUMNS[kind][1]),
        header=headings,
        rows=([_xlsx_value(value) for value in line] for line in lines),
        widths=[WIDE] + [16] * (len(headings) - 1),
        date_format=xlsx_format(),
        datetime_format=xlsx_format("XLSX_DATETIME"),
    )
    return buffer.getvalue()


def render(kind: str, records: QuerySet, *, fmt: str) -> bytes:
    return render_csv(kind, records) if fmt == "csv" else render_xlsx(kind, records)
