"""What a donor report says: one project's figures for one period, as its donors see them.

Reports go to donors, so every figure is read through the access policy of a
donor of the project and counts of people get a donor's small-cell
suppression ("<5" for trainees, "<11" for victims of trafficking), whoever
asks for the files. Labels come out in the active language: build the
content inside ``translation.override(report.language)``. Reads cost a fixed
number of queries whatever the number of sessions, cases or transactions.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language_bidi, get_language_info
from django.utils.translation import gettext as _

from accounts.models import User
from assistance import vocabulary
from assistance.models import Case
from assistance.selectors import case_figures
from ctportal import access
from ctportal.suppression import Cell, protect
from projects.models import (
    SPEND_KINDS,
    Country,
    Funding,
    Indicator,
    IndicatorPeriod,
    Project,
    RecipientCountry,
    Sex,
    Transaction,
)
from projects.selectors import percent
from research.models import OutputKind, OutputStatus, ResearchOutput
from trainings.models import SessionKind, SessionStatus, TrainingSession
from trainings.page_selectors import session_cells
from trainings.selectors import sessions_with_totals, training_figures

from .models import DonorReport

Progress = Callable[[int], None]


@dataclass
class Breakdown:
    """Labelled counts of one dimension, suppressed for a donor."""

    title: str
    rows: list[tuple[str, Cell]]


@dataclass
class ReportContent:
    report: DonorReport
    project: Project
    period_label: str
    language_name: str
    rtl: bool
    generated_at: datetime.datetime
    summary: list[tuple[str, str]] = field(default_factory=list)
    budget: dict[str, Any] = field(default_factory=dict)
    fundings: list[dict[str, Any]] = field(default_factory=list)
    spend: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    assistance: dict[str, Any] = field(default_factory=dict)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    narrative: list[tuple[str, str]] = field(default_factory=list)
    training_limit: int = 0
    case_limit: int = 0


def donor_reader(project: Project) -> User:
    """An unsaved donor of ``project``: whose scope and small-cell limits the report gets.

    A project nobody funds yet has no donor to stand in for; an analyst has the
    same aggregate-only view and the same small-cell limits.
    """
    donor_id = project.fundings.order_by("pk").values_list("donor_id", flat=True).first()
    if donor_id is None:
        return User(username="donor-report", role=access.Role.ANALYST)
    return User(username="donor-report", role=access.Role.DONOR, organisation_id=donor_id)


def report_content(report: DonorReport, *, on_progress: Progress | None = None) -> ReportContent:
    """Every section of the report, read with a donor's eyes; ``on_progress`` gets 0–100."""
    step = on_progress or (lambda _percent: None)
    reader = donor_reader(Project.objects.get(pk=report.project_id))
    # Every read starts from what the donor may see, as their pages and API do.
    project = (
        Project.objects.visible_to(reader)
        .select_related("reporting_organisation")
        .prefetch_related(
            Prefetch(
                "recipient_countries", queryset=RecipientCountry.objects.select_related("country")
            ),
            Prefetch("fundings", queryset=Funding.objects.select_related("donor")),
        )
        .get(pk=report.project_id)
    )
    start, end = report.period_start, report.period_end
    content = ReportContent(
        report=report,
        project=project,
        period_label=report.period_label,
        language_name=str(get_language_info(report.language)["name_translated"]),
        rtl=get_language_bidi(),
        generated_at=timezone.now(),
        training_limit=access.small_cell_limit(reader, "training"),
        case_limit=access.small_cell_limit(reader, "case"),
    )
    content.summary = _summary(project, content.period_label)
    step(15)
    content.budget, content.fundings = _funding(project)
    content.spend = _spend(reader, project, start, end)
    step(30)
    content.indicators = _indicators(reader, project, start, end)
    step(45)
    sessions = TrainingSession.objects.visible_to(reader).filter(
        project=project, status=SessionStatus.HELD, start_date__range=(start, end)
    )
    content.sessions = _sessions(sessions, content.training_limit)
    content.training = _training(reader, sessions)
    step(65)
    cases = Case.objects.counted_for(reader).filter(
        project=project, identification_date__range=(start, end)
    )
    content.assistance = _assistance(reader, cases)
    step(80)
    content.outputs = _outputs(reader, project, start, end)
    content.narrative = [
        (_("Summary of progress"), report.summary),
        (_("Challenges and how they were addressed"), report.challenges),
        (_("Next steps"), report.next_steps),
    ]
    step(100)
    return content


def _summary(project: Project, period: str) -> list[tuple[str, str]]:
    countries = ", ".join(
        f"{rc.country.name} ({rc.percentage.normalize():f}%)"
        for rc in project.recipient_countries.all()
    )
    donors = ", ".join(str(funding.donor) for funding in project.fundings.all())
    return [
        (_("Project"), project.local_title),
        (_("Code"), project.code),
        (_("IATI identifier"), project.iati_identifier),
        (_("Status"), str(project.get_status_display())),
        (_("Start"), date_format(project.start)),
        (_("End"), date_format(project.end)),
        (_("Recipient countries"), countries or "—"),
        (_("Reporting organisation"), str(project.reporting_organisation)),
        (_("Donors"), donors or "—"),
        (_("Reporting period"), period),
    ]


def _funding(project: Project) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = [
        {
            "donor": str(funding.donor),
            "amount": funding.amount,
            "currency": funding.currency,
            "share": funding.share,
        }
        for funding in sorted(
            project.fundings.all(), key=lambda f: (f.currency != project.currency, f.currency)
        )
    ]
    return {"amount": project.budget, "currency": project.currency}, rows


def _spend(reader, project: Project, start: datetime.date, end: datetime.date) -> list[dict]:
    """Spend per currency, in the period and up to its end; never added across currencies."""
    rows = (
        Transaction.objects.visible_to(reader)
        .filter(project=project, kind__in=SPEND_KINDS, date__lte=end)
        .order_by()
        .values("currency")
        .annotate(
            in_period=Sum("value", filter=Q(date__gte=start)),
            to_date=Sum("value"),
        )
        .order_by("currency")
    )
    found = {row["currency"]: row for row in rows}
    currencies = sorted(found, key=lambda code: (code != project.currency, code))
    if project.currency not in found:
        currencies.insert(0, project.currency)
    spend = []
    for code in currencies:
        row = found.get(code, {})
        to_date = row.get("to_date") or Decimal("0")
        budget = project.budget if code == project.currency else None
        spend.append(
            {
                "currency": code,
                "budget": budget,
                "in_period": row.get("in_period") or Decimal("0"),
                "to_date": to_date,
                "percent": percent(to_date, budget),
            }
        )
    return spend


def _indicators(reader, project: Project, start: datetime.date, end: datetime.date) -> list[dict]:
    """Each indicator with its periods that overlap the report's; "—" where none does."""
    overlapping = IndicatorPeriod.objects.filter(period_start__lte=end, period_end__gte=start)
    indicators = (
        Indicator.objects.visible_to(reader)
        .filter(result__project=project)
        .select_related("result")
        .prefetch_related(
            Prefetch("periods", queryset=overlapping.order_by("period_start"), to_attr="shown")
        )
        .order_by("result__order", "result_id", "order", "pk")
    )
    rows = []
    for indicator in indicators:
        base = {
            "result": indicator.result.title,
            "indicator": indicator.local_title,
            "unit": indicator.local_unit,
            "baseline": indicator.baseline_value,
        }
        if not indicator.shown:
            rows.append({**base, "period": "—", "target": None, "actual": None, "percent": None})
        for period in indicator.shown:
            rows.append(
                {
                    **base,
                    "period": _dates(period.period_start, period.period_end),
                    "target": period.target,
                    "actual": period.actual,
                    "percent": percent(period.actual or Decimal("0"), period.target),
                }
            )
    return rows


def _dates(start: datetime.date, end: datetime.date) -> str:
    return f"{date_format(start)} – {date_format(end)}"


def _sessions(sessions, limit: int) -> list[dict[str, Any]]:
    kinds = dict(SessionKind.choices)
    rows = []
    for session in (
        sessions_with_totals(sessions).select_related("host_country").order_by("start_date", "pk")
    ):
        place = session.host_country.name + (f", {session.city}" if session.city else "")
        rows.append(
            {
                "title": session.title,
                "kind": str(kinds.get(session.kind, session.kind)),
                "start": session.start_date,
                "end": session.end_date,
                "place": place,
                **session_cells(session, limit),
            }
        )
    if limit:
        _protect_sessions(rows)
    return rows


def _protect_sessions(rows: list[dict[str, Any]]) -> None:
    """Hide more cells of the table of sessions where a hidden one could be worked out.

    Its columns add up to figures the report shows (the participations and the
    breakdown by sex), and each session's women, men and others to its total.
    """
    parts = ("female", "male", "other")
    for _round in range(4):
        before = sum(row[key].suppressed for row in rows for key in ("total", *parts))
        protect([row["total"] for row in rows])
        for key in parts:
            protect([row[key] for row in rows])
        for row in rows:
            if row["total"].suppressed:
                for key in parts:
                    if row[key].value and not row[key].suppressed:
                        row[key].hidden = True
            protect([row[key] for key in parts])
        after = sum(row[key].suppressed for row in rows for key in ("total", *parts))
        if after == before:
            return


def _labelled(
    cells: dict, labels: dict, *, unknown: str, in_order: bool = False
) -> list[tuple[str, Cell]]:
    """Shown counts largest first, then hidden ones by label: their order must not rank them.

    ``in_order`` keeps the order the selector gives (age bands youngest first, as
    on the pages): a fixed order ranks nothing either.
    """
    rows = [(str(labels.get(key) or key or unknown), cell) for key, cell in cells.items()]
    if in_order:
        return rows
    return sorted(
        rows,
        key=lambda row: (
            row[1].suppressed,
            0 if row[1].suppressed else -(row[1].value or 0),
            row[0],
        ),
    )


def _training(reader: User, sessions) -> dict[str, Any]:
    figures = training_figures(user=reader, sessions=sessions)
    for group in (figures.by_sex, figures.by_country):
        # Participations of no stated sex or country are the rest of the total shown.
        unseen = (figures.attendances.value or 0) - sum(c.value or 0 for c in group.values())
        protect(list(group.values()), unseen=max(unseen, 0))
    countries = {c.code: c.name for c in Country.objects.filter(code__in=list(figures.by_country))}
    not_stated = _("Not stated")
    return {
        "sessions_held": figures.sessions_held,
        "people_trained": figures.people_trained,
        "attendances": figures.attendances,
        "breakdowns": [
            Breakdown(
                _("By sex"), _labelled(figures.by_sex, dict(Sex.choices), unknown=not_stated)
            ),
            Breakdown(
                _("By country of work"),
                _labelled(figures.by_country, countries, unknown=not_stated),
            ),
        ],
    }


def _assistance(reader: User, cases) -> dict[str, Any]:
    figures = case_figures(user=reader, cases=cases)
    unknown = _("Not recorded")
    return {
        "identified": figures.identified,
        "assisted": figures.assisted,
        "breakdowns": [
            Breakdown(
                _("By sex"),
                _labelled(figures.by_sex, dict(vocabulary.Sex.choices), unknown=unknown),
            ),
            Breakdown(
                _("By age at identification"),
                _labelled(
                    figures.by_age_band,
                    dict(vocabulary.AgeBand.choices),
                    unknown=unknown,
                    in_order=True,
                ),
            ),
            Breakdown(
                _("By type of exploitation (a case may have several)"),
                _labelled(
                    figures.by_exploitation,
                    dict(vocabulary.ExploitationType.choices),
                    unknown=unknown,
                ),
            ),
            Breakdown(
                _("Services delivered"),
                _labelled(
                    figures.services_by_kind, dict(vocabulary.ServiceKind.choices), unknown=unknown
                ),
            ),
        ],
    }


def _outputs(reader: User, project: Project, start, end) -> list[dict[str, Any]]:
    kinds = dict(OutputKind.choices)
    outputs = (
        ResearchOutput.objects.visible_to(reader)
        .filter(
            projects=project,
            status=OutputStatus.PUBLISHED,
            publication_date__range=(start, end),
        )
        .order_by("publication_date", "title")
    )
    return [
        {
            "title": output.title,
            "kind": str(kinds.get(output.kind, output.kind)),
            "language": _language_name(output.language),
            "date": output.publication_date,
        }
        for output in outputs
    ]


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code
