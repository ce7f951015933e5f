"""The donor report as a workbook: one sheet per section, right-to-left in Arabic.

Amounts and counts keep their number types; a suppressed count is the text a
donor sees ("<5", "<11" or "*"). Text typed by people (titles, narrative) is
always stored as text, so a cell starting with "=" never runs as a formula.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ctportal.formats import xlsx_format
from ctportal.suppression import Cell

from .content import Breakdown, ReportContent

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0B5C8E")
SECTION_FONT = Font(bold=True, size=12, color="083F63")
TITLE_FONT = Font(bold=True, size=14, color="083F63")
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
# Characters a sheet title may not hold, and its longest length.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_LENGTH = 31


class Sheet:
    """Appends rows to a worksheet, styling headers and typing values."""

    def __init__(self, workbook: Workbook, title: str, widths: list[int], *, rtl: bool):
        name = SHEET_TITLE_FORBIDDEN.sub(" ", title)[:SHEET_TITLE_LENGTH].strip()
        self.ws: Worksheet = workbook.create_sheet(name or f"Sheet{len(workbook.sheetnames)}")
        self.ws.sheet_view.rightToLeft = rtl
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.row = 0

    def title(self, text: str, font: Font = SECTION_FONT) -> None:
        self.row += 1 if self.row == 0 else 2
        cell = self.ws.cell(row=self.row, column=1)
        _text(cell, text)
        cell.font = font

    def note(self, text: str) -> None:
        if not text:
            return
        self.row += 1
        cell = self.ws.cell(row=self.row, column=1)
        _text(cell, text)
        cell.font = Font(italic=True, color="5D6B7A")

    def header(self, *headings: str) -> None:
        self.row += 1
        for column, heading in enumerate(headings, start=1):
            cell = self.ws.cell(row=self.row, column=column)
            _text(cell, heading)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = WRAP

    def values(self, *values: Any, money: tuple[int, ...] = ()) -> None:
        self.row += 1
        for column, value in enumerate(values, start=1):
            _put(self.ws.cell(row=self.row, column=column), value, money=column in money)

    def freeze_below(self) -> None:
        self.ws.freeze_panes = self.ws.cell(row=self.row + 1, column=1)


def _text(cell, text: str) -> None:
    cell.value = text
    cell.data_type = "s"


def _put(cell, value: Any, *, money: bool = False) -> None:
    if isinstance(value, Cell):
        if value.suppressed:
            _text(cell, str(value.shown))
            cell.alignment = Alignment(horizontal="right")
        else:
            cell.value = value.value or 0
            cell.number_format = COUNT_FORMAT
    elif value is None:
        _text(cell, "—")
    elif isinstance(value, str):
        _text(cell, value)
        cell.alignment = WRAP
    elif isinstance(value, Decimal | int | float):
        cell.value = value
        cell.number_format = MONEY_FORMAT if money else COUNT_FORMAT
        if isinstance(value, Decimal) and not money and value != value.to_integral_value():
            cell.number_format = "#,##0.0#"
    elif hasattr(value, "isoformat"):
        cell.value = value
        cell.number_format = xlsx_format()
    else:
        _text(cell, str(value))


def _summary(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Summary"), [28, 70], rtl=c.rtl)
    sheet.title(_("Donor report: %(project)s") % {"project": c.project.local_title}, TITLE_FONT)
    sheet.note(
        _("%(period)s · %(language)s · generated %(date)s")
        % {
            "period": c.period_label,
            "language": c.language_name,
            "date": date_format(c.generated_at, "DATETIME_FORMAT") + " UTC",
        }
    )
    sheet.title(_("Project summary"))
    for label, value in c.summary:
        sheet.values(label, value)
        sheet.ws.cell(row=sheet.row, column=1).font = Font(bold=True)


def _funding(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Funding and spend"), [36, 12, 18, 18, 18, 16], rtl=c.rtl)
    sheet.title(_("Funding by donor"))
    sheet.header(_("Donor"), _("Currency"), _("Amount"), _("Share of budget (%)"))
    sheet.freeze_below()
    for row in c.fundings:
        sheet.values(row["donor"], row["currency"], row["amount"], row["share"], money=(3,))
    sheet.title(_("Budget and spend"))
    sheet.note(_("Each currency on its own row: amounts in different currencies are not added."))
    sheet.header(
        _("Currency"),
        _("Budget"),
        _("Spent in the period"),
        _("Spent to the end of the period"),
        _("Share of budget spent (%)"),
    )
    for row in c.spend:
        sheet.values(
            row["currency"],
            row["budget"],
            row["in_period"],
            row["to_date"],
            row["percent"],
            money=(2, 3, 4),
        )


def _indicators(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Indicators"), [30, 44, 14, 12, 24, 12, 12, 14], rtl=c.rtl)
    sheet.header(
        _("Result"),
        _("Indicator"),
        _("Unit"),
        _("Baseline"),
        _("Period"),
        _("Target"),
        _("Actual"),
        _("Share of target (%)"),
    )
    sheet.freeze_below()
    for row in c.indicators:
        sheet.values(
            row["result"],
            row["indicator"],
            row["unit"],
            row["baseline"],
            row["period"],
            row["target"],
            row["actual"],
            row["percent"],
        )


def _breakdowns(sheet: Sheet, breakdowns: list[Breakdown], heading: str) -> None:
    for breakdown in breakdowns:
        sheet.title(breakdown.title)
        sheet.header(heading, _("Number"))
        if not breakdown.rows:
            sheet.note(_("None in this period."))
        for label, cell in breakdown.rows:
            sheet.values(label, cell)


def _trainings(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Trainings"), [44, 20, 14, 14, 24, 13, 13, 13, 16], rtl=c.rtl)
    sheet.header(
        _("Title"),
        _("Kind"),
        _("Start"),
        _("End"),
        _("Place"),
        _("Participants"),
        _("Women"),
        _("Men"),
        _("Other or not recorded"),
    )
    sheet.freeze_below()
    not_recorded = _("not recorded")
    for row in c.sessions:
        sheet.values(
            row["title"],
            row["kind"],
            row["start"],
            row["end"],
            row["place"],
            row["total"],
            row["female"] if row["sex_recorded"] else not_recorded,
            row["male"] if row["sex_recorded"] else not_recorded,
            row["other"],
        )
    people = Sheet(book, _("People trained"), [40, 14], rtl=c.rtl)
    people.title(_("People trained"))
    people.note(_small_cells_note(c.training_limit))
    people.values(_("Sessions held"), c.training["sessions_held"])
    people.values(_("People trained"), c.training["people_trained"])
    people.values(_("Participations"), c.training["attendances"])
    _breakdowns(people, c.training["breakdowns"], _("Group"))


def _assistance(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Assistance"), [48, 14], rtl=c.rtl)
    sheet.title(_("Victims of trafficking identified and assisted"))
    sheet.note(_small_cells_note(c.case_limit))
    sheet.values(_("Cases identified"), c.assistance["identified"])
    sheet.values(_("Cases assisted"), c.assistance["assisted"])
    _breakdowns(sheet, c.assistance["breakdowns"], _("Group"))


def _outputs(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Outputs"), [60, 24, 14, 16], rtl=c.rtl)
    sheet.header(_("Title"), _("Kind"), _("Language"), _("Published"))
    sheet.freeze_below()
    for row in c.outputs:
        sheet.values(row["title"], row["kind"], row["language"], row["date"])


def _narrative(book: Workbook, c: ReportContent) -> None:
    sheet = Sheet(book, _("Narrative"), [30, 100], rtl=c.rtl)
    for heading, text in c.narrative:
        sheet.values(heading, text or _("Nothing was written for this section."))
        sheet.ws.cell(row=sheet.row, column=1).font = Font(bold=True)


def _small_cells_note(limit: int) -> str:
    if not limit:
        return ""
    return _(
        "Counts from 1 to %(limit)s are shown as “<%(shown)s”, and “*” hides one more count "
        "that would let them be worked out, so that no one can be singled out."
    ) % {"limit": limit, "shown": limit + 1}


def render_xlsx(content: ReportContent) -> bytes:
    """The workbook of ``content``; call inside ``translation.override(report.language)``."""
    book = Workbook()
    book.remove(book.active)
    for section in (
        _summary,
        _funding,
        _indicators,
        _trainings,
        _assistance,
        _outputs,
        _narrative,
    ):
        section(book, content)
    book.properties.title = f"{content.project.code} {content.period_label}"
    book.properties.language = content.report.language
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
