"""The session list as CSV and XLSX files, with the filters of the page.

Files hold sessions and their totals, never a participant's name; small
totals are hidden from aggregate-only users as on the pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ctportal.formats import xlsx_format
from ctportal.xlsx_stream import write_sheet
from projects.exports import FORMULA_START

from .models import SessionKind, SessionStatus
from .page_selectors import session_cells

CHUNK_SIZE = 2000
WIDE = {"title": 50, "audiences": 30, "partners": 30, "facilitators": 30, "project_title": 40}


def session_columns() -> list[tuple[str, str]]:
    """(key, heading) of each column."""
    return [
        ("project", _("Project")),
        ("project_title", _("Project title")),
        ("title", _("Title")),
        ("kind", _("Kind")),
        ("status", _("Status")),
        ("start_date", _("Start date")),
        ("end_date", _("End date")),
        ("host_country", _("Host country")),
        ("city", _("City")),
        ("venue", _("Venue")),
        ("audiences", _("Audiences")),
        ("partners", _("Partner institutions")),
        ("facilitators", _("Facilitators")),
        ("participants", _("Participants")),
        ("female", _("Women")),
        ("male", _("Men")),
        ("other", _("Other or not recorded")),
    ]


def session_rows(sessions: QuerySet, *, limit: int) -> Iterator[dict[str, Any]]:
    """One dict per session of a list already scoped and annotated with its totals."""
    kinds, statuses = dict(SessionKind.choices), dict(SessionStatus.choices)
    # Not a zero: nobody's sex was recorded as a woman or a man.
    not_recorded = _("not recorded")
    queryset = sessions.prefetch_related("partners", "facilitators")
    for session in queryset.iterator(chunk_size=CHUNK_SIZE):
        cells = session_cells(session, limit)
        yield {
            "project": session.project.code,
            "project_title": session.project.local_title,
            "title": session.title,
            "kind": str(kinds.get(session.kind, session.kind)),
            "status": str(statuses.get(session.status, session.status)),
            "start_date": session.start_date,
            "end_date": session.end_date,
            "host_country": session.host_country.name,
            "city": session.city,
            "venue": session.venue,
            "audiences": "; ".join(str(a) for a in session.audiences.all()),
            "partners": "; ".join(o.name for o in session.partners.all()),
            "facilitators": "; ".join(o.name for o in session.facilitators.all()),
            "participants": cells["total"].shown,
            "female": cells["female"].shown if cells["sex_recorded"] else not_recorded,
            "male": cells["male"].shown if cells["sex_recorded"] else not_recorded,
            "other": cells["other"].shown,
        }


def _text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def render_csv(sessions: QuerySet, *, limit: int) -> bytes:
    """CSV with a byte-order mark, so spreadsheet programs read Arabic text right."""
    columns = session_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _key, heading in columns])
    for row in session_rows(sessions, limit=limit):
        values = [row[key] for key, _heading in columns]
        writer.writerow(
            [
                "" if v is None else v.isoformat() if hasattr(v, "isoformat") else _text(v)
                for v in values
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(sessions: QuerySet, *, limit: int) -> bytes:
    """One sheet, one row per session; dates and numbers keep their types, text stays
    text even when it starts with "=" (``ctportal.xlsx_stream``)."""
    columns = session_columns()
    keys = [key for key, _heading in columns]
    buffer = io.BytesIO()
    write_sheet(
        buffer,
        sheet=_("Training sessions"),
        header=[heading for _key, heading in columns],
        rows=map(itemgetter(*keys), session_rows(sessions, limit=limit)),
        widths=[WIDE.get(key, 14) for key in keys],
        date_format=xlsx_format(),
        datetime_format=xlsx_format("XLSX_DATETIME"),
    )
    return buffer.getvalue()
