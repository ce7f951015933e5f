"""Reporting periods: a quarter (2024-Q3), a year (2024) or the whole project.

A period is given by its kind and a short code and turned into start and end
dates here, so every report of a quarter covers exactly the same days.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

QUARTER_CODE = re.compile(r"^\s*([1-9]\d{3})\s*-?\s*[Qq]\s*([1-4])\s*$")
YEAR_CODE = re.compile(r"^\s*([1-9]\d{3})\s*$")
# The project page offers the periods of a project; a very long one offers its last ones.
MOST_OFFERED = 60


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", gettext_lazy("Quarter")
    YEAR = "year", gettext_lazy("Year")
    PROJECT = "project", gettext_lazy("Whole project")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def code(self) -> str:
        """``2024-Q3``, ``2024`` or ``""`` for the whole project."""
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{quarter_of(self.start)}"
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        return ""

    @property
    def label(self) -> str:
        """How the period reads in the active language."""
        return period_label(self.kind, self.start, self.end)


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter(year: int, number: int) -> Period:
    start = datetime.date(year, 3 * number - 2, 1)
    following = (
        datetime.date(year + 1, 1, 1) if number == 4 else datetime.date(year, start.month + 3, 1)
    )
    return Period(PeriodKind.QUARTER, start, following - datetime.timedelta(days=1))


def year(number: int) -> Period:
    return Period(PeriodKind.YEAR, datetime.date(number, 1, 1), datetime.date(number, 12, 31))


def whole_project(project) -> Period:
    return Period(PeriodKind.PROJECT, project.start, max(project.end, project.start))


def previous_quarter(today: datetime.date) -> Period:
    """The last full quarter before ``today``."""
    number = quarter_of(today) - 1
    return quarter(today.year - 1, 4) if number == 0 else quarter(today.year, number)


def period_label(kind: str, start: datetime.date, end: datetime.date) -> str:
    if kind == PeriodKind.QUARTER:
        return _("Q%(quarter)s %(year)s") % {"quarter": quarter_of(start), "year": start.year}
    if kind == PeriodKind.YEAR:
        return _("Year %(year)s") % {"year": start.year}
    return _("Whole project (%(start)s – %(end)s)") % {
        "start": date_format(start),
        "end": date_format(end),
    }


def resolve(kind: str, code: str, project) -> Period:
    """The period of ``kind`` named by ``code`` for ``project``; ValidationError by field.

    The period must share at least one day with the project: one lying wholly
    before its start or after its end reports on nothing.
    """
    code = (code or "").strip()
    if kind == PeriodKind.QUARTER:
        match = QUARTER_CODE.match(code)
        if not match:
            raise ValidationError(
                {"period": _("Enter a quarter as year and quarter, for example 2024-Q3.")}
            )
        period = quarter(int(match[1]), int(match[2]))
    elif kind == PeriodKind.YEAR:
        match = YEAR_CODE.match(code)
        if not match:
            raise ValidationError({"period": _("Enter a year of four digits, for example 2024.")})
        period = year(int(match[1]))
    elif kind == PeriodKind.PROJECT:
        period = whole_project(project)
    else:
        raise ValidationError({"period_kind": _("Choose a quarter, a year or the whole project.")})
    check_within_project(period, project)
    return period


def check_within_project(period: Period, project) -> None:
    if period.end < period.start:
        raise ValidationError({"period": _("The period must end on or after its start.")})
    if period.end < project.start or period.start > project.end:
        raise ValidationError(
            {
                "period": _(
                    "%(period)s lies outside the project, which runs from %(start)s to %(end)s."
                )
                % {
                    "period": period.label,
                    "start": date_format(project.start),
                    "end": date_format(project.end),
                }
            }
        )


def offered(project) -> list[Period]:
    """The years and quarters of a project, most recent first, for the period field's list."""
    found: list[Period] = []
    for number in range(project.end.year, project.start.year - 1, -1):
        for q in range(4, 0, -1):
            period = quarter(number, q)
            if period.start <= project.end and period.end >= project.start:
                found.append(period)
        found.append(year(number))
    return found[:MOST_OFFERED]
