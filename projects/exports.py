"""Portfolio files (IATI XML, CSV, XLSX) of what one user may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ctportal.formats import xlsx_format

from . import iati
from .models import (
    ExportStatus,
    Funding,
    PortfolioExport,
    Project,
    ProjectStatus,
    RecipientCountry,
)

CHUNK_SIZE = 2000
CENT = Decimal("0.01")
# Spreadsheet programs run cells starting with these as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMN_WIDTHS = {"code": 14, "iati_identifier": 28, "title": 60, "status": 16, "budget": 16}
COLUMN_WIDTHS |= {"currency": 9, "donors": 40, "countries": 24, "spent": 16}


def portfolio_exports_for(user) -> QuerySet:
    """The user's own portfolio exports, newest first."""
    return PortfolioExport.objects.visible_to(user).filter(requested_by=user)


def downloadable_export(user, pk: int) -> PortfolioExport | None:
    """A finished export of the user's own, or None."""
    return portfolio_exports_for(user).filter(pk=pk, status=ExportStatus.DONE).first()


def portfolio_columns() -> list[tuple[str, str]]:
    """(key, heading) of each column of the CSV and XLSX files."""
    return [
        ("code", _("Code")),
        ("iati_identifier", _("IATI identifier")),
        ("title", _("Title")),
        ("status", _("Status")),
        ("planned_start", _("Planned start")),
        ("planned_end", _("Planned end")),
        ("actual_start", _("Actual start")),
        ("actual_end", _("Actual end")),
        ("budget", _("Budget")),
        ("currency", _("Currency")),
        ("donors", _("Donors")),
        ("countries", _("Recipient countries")),
        ("spent", _("Spent")),
    ]


def portfolio_rows(projects: QuerySet) -> Iterator[dict[str, Any]]:
    """One dict per project, keyed like :func:`portfolio_columns`; a few queries per chunk."""
    queryset = (
        projects.with_spend()
        .prefetch_related(
            Prefetch(
                "fundings",
                queryset=Funding.objects.select_related("donor"),
                to_attr="export_fundings",
            ),
            Prefetch(
                "recipient_countries",
                queryset=RecipientCountry.objects.select_related("country"),
                to_attr="export_countries",
            ),
        )
        .order_by("code")
    )
    # Labels once, not one translation lookup per row.
    statuses = {value: str(label) for value, label in ProjectStatus.choices}
    for project in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield {
            "code": project.code,
            "iati_identifier": project.iati_identifier,
            "title": project.local_title,
            "status": statuses.get(project.status, ""),
            "planned_start": project.planned_start,
            "planned_end": project.planned_end,
            "actual_start": project.actual_start,
            "actual_end": project.actual_end,
            "budget": project.budget,
            "currency": project.currency,
            "donors": "; ".join(funding.donor.local_name for funding in project.export_fundings),
            "countries": "; ".join(
                f"{rc.country.code.code} {rc.percentage.normalize():f}%"
                for rc in project.export_countries
            ),
            "spent": (project.spent or Decimal("0")).quantize(CENT),
        }


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def render_csv(projects: QuerySet) -> tuple[bytes, int]:
    """CSV with a byte-order mark, so spreadsheet programs read Arabic text right."""
    columns = portfolio_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _key, heading in columns])
    count = 0
    for row in portfolio_rows(projects):
        writer.writerow([_csv_value(row[key]) for key, _heading in columns])
        count += 1
    return buffer.getvalue().encode("utf-8-sig"), count


def render_xlsx(projects: QuerySet) -> tuple[bytes, int]:
    """One sheet, one row per project; dates and amounts keep their types."""
    columns = portfolio_columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Portfolio"))
    for index, (key, _heading) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(key, 12)
    bold = Font(bold=True)
    header = []
    for _key, heading in columns:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in portfolio_rows(projects):
        cells = []
        for key, _heading in columns:
            cell = WriteOnlyCell(sheet, value=row[key])
            if isinstance(row[key], str):
                # Text stays text, even when it starts with "=".
                cell.data_type = "s"
            elif isinstance(row[key], Decimal):
                cell.number_format = "#,##0.00"
            elif row[key] is not None:
                cell.number_format = xlsx_format()
            cells.append(cell)
        sheet.append(cells)
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def render_portfolio(user, fmt: str) -> tuple[bytes, int]:
    """The file of every project visible to ``user`` in ``fmt``, with the project count."""
    projects = Project.objects.visible_to(user)
    if fmt == PortfolioExport.Format.IATI:
        return iati.render_activities(projects)
    if fmt == PortfolioExport.Format.CSV:
        return render_csv(projects)
    if fmt == PortfolioExport.Format.XLSX:
        return render_xlsx(projects)
    raise ValueError(f"Unknown export format: {fmt}")
