"""Portfolio files (IATI XML, CSV, XLSX) of what one user may see.

Each writer reads the projects in chunks from the database and writes them
into a file handle as they come (a temporary file in the export job), so
memory does not grow with the portfolio.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from operator import itemgetter
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ctportal.formats import xlsx_format
from ctportal.xlsx_stream import write_sheet

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
AMOUNT_FORMAT = "#,##0.00"


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


ROW_FIELDS = (
    "pk",
    "code",
    "iati_identifier",
    "title",
    "title_ar",
    "title_fr",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget",
    "currency",
    "spent",
)


def _chunks(projects: QuerySet) -> Iterator[list[dict[str, Any]]]:
    """The projects (ordered by code) as plain dicts, a chunk at a time, each chunk its own
    query. Plain values, not model instances: prefetched instances point at each other,
    and such cycles wait for the garbage collector, so memory grew with every chunk.

    The chunk's projects are picked first (by code, from its index) and only they are
    summed: with the sums on all projects after ``last``, each chunk's query added up
    the rest of the portfolio, and time grew with the square of its size."""
    ordered = projects.order_by("code")
    last = None
    while True:
        page = (ordered if last is None else ordered.filter(code__gt=last)).values("pk")
        queryset = Project.objects.filter(pk__in=page[:CHUNK_SIZE]).with_spend()
        chunk = list(queryset.order_by("code").values(*ROW_FIELDS))
        if chunk:
            yield chunk
        if len(chunk) < CHUNK_SIZE:
            return
        last = chunk[-1]["code"]


def portfolio_rows(projects: QuerySet) -> Iterator[dict[str, Any]]:
    """One dict per project, keyed like :func:`portfolio_columns`; three queries per chunk."""
    # Labels once, not one translation lookup per row.
    statuses = {value: str(label) for value, label in ProjectStatus.choices}
    # Titles and donor names in the reader's language (``in_reader_language``).
    lang = (get_language() or settings.LANGUAGE_CODE)[:2]
    title = f"title_{lang}" if lang in {"ar", "fr"} else "title"
    name = f"donor__name_{lang}" if lang in {"ar", "fr"} else "donor__name"
    for chunk in _chunks(projects):
        ids = [project["pk"] for project in chunk]
        donors: dict[int, list[str]] = defaultdict(list)
        # The models' own orderings: largest share first.
        for project_id, local, main in Funding.objects.filter(project_id__in=ids).values_list(
            "project_id", name, "donor__name"
        ):
            donors[project_id].append(local or main)
        countries: dict[int, list[str]] = defaultdict(list)
        for project_id, code, percentage in RecipientCountry.objects.filter(
            project_id__in=ids
        ).values_list("project_id", "country__code", "percentage"):
            countries[project_id].append(f"{code} {percentage.normalize():f}%")
        for project in chunk:
            yield {
                "code": project["code"],
                "iati_identifier": project["iati_identifier"],
                "title": project[title] or project["title"],
                "status": statuses.get(project["status"], ""),
                "planned_start": project["planned_start"],
                "planned_end": project["planned_end"],
                "actual_start": project["actual_start"],
                "actual_end": project["actual_end"],
                "budget": project["budget"],
                "currency": project["currency"],
                "donors": "; ".join(donors[project["pk"]]),
                "countries": "; ".join(countries[project["pk"]]),
                "spent": (project["spent"] or Decimal("0")).quantize(CENT),
            }


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def write_csv(projects: QuerySet, handle: IO[bytes]) -> int:
    """CSV with a byte-order mark, so spreadsheet programs read Arabic text right."""
    columns = portfolio_columns()
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([heading for _key, heading in columns])
    count = 0
    for row in portfolio_rows(projects):
        writer.writerow([_csv_value(row[key]) for key, _heading in columns])
        count += 1
    text.flush()
    text.detach()
    return count


def write_xlsx(projects: QuerySet, handle: IO[bytes]) -> int:
    """One sheet, one row per project; dates and amounts keep their types, text stays
    text even when it starts with "=".

    Written by ``ctportal.xlsx_stream``, as the CTDC file: openpyxl's per-cell
    objects made 50,000 projects take half a minute.
    """
    columns = portfolio_columns()
    keys = [key for key, _heading in columns]
    return write_sheet(
        handle,
        sheet=_("Portfolio"),
        header=[heading for _key, heading in columns],
        rows=map(itemgetter(*keys), portfolio_rows(projects)),
        widths=[COLUMN_WIDTHS.get(key, 12) for key in keys],
        date_format=xlsx_format(),
        decimal_format=AMOUNT_FORMAT,
    )


def write_portfolio(user, fmt: str, handle: IO[bytes]) -> int:
    """Write the file of every project visible to ``user`` in ``fmt`` into ``handle``,
    project by project; returns the project count."""
    projects = Project.objects.visible_to(user)
    if fmt == PortfolioExport.Format.IATI:
        return iati.write_activities(handle, projects)
    if fmt == PortfolioExport.Format.CSV:
        return write_csv(projects, handle)
    if fmt == PortfolioExport.Format.XLSX:
        return write_xlsx(projects, handle)
    raise ValueError(f"Unknown export format: {fmt}")
