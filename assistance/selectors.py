"""Reads of victim assistance: dashboard figures, shelter occupancy, a case's timeline.

Figures are database aggregations over the cases the user may count
(``Case.objects.counted_for``), so donors and analysts get numbers without
ever getting rows, and counts from 1 to the small-cell limit are hidden
from them. Every read costs a fixed number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.shortcuts import get_object_or_404

from ctportal import access
from ctportal.suppression import Cell, protect
from dashboards.summaries import store as summaries

from .models import Case, CaseNote, IdentityAccess, Referral, Service, Shelter, ShelterStay
from .vocabulary import ExploitationType, age_band_order, flag_field


@dataclass
class CaseFigures:
    identified: Cell
    assisted: Cell
    by_exploitation: dict[str, Cell] = field(default_factory=dict)
    by_sex: dict[str, Cell] = field(default_factory=dict)
    by_age_band: dict[str, Cell] = field(default_factory=dict)
    by_nationality: dict[str, Cell] = field(default_factory=dict)
    by_year: dict[int, Cell] = field(default_factory=dict)
    services_by_kind: dict[str, Cell] = field(default_factory=dict)


def _breakdown(rows, limit: int, order=str) -> dict:
    """Cells of a partition of the cases ("" is "not recorded"), protected against subtraction."""
    cells = {key: Cell(count, limit) for key, count in sorted(rows, key=lambda r: order(r[0]))}
    protect(list(cells.values()))
    return cells


def case_figures(*, user, cases=None) -> CaseFigures:
    """Cases identified and assisted (at least one service), broken down for dashboards.

    ``cases`` narrows the figures (e.g. a filtered list); it is intersected
    with what the user may count. Exploitation types overlap (a case may
    have several), but most victims have one: they are protected against
    subtraction from the total like a partition. The victims assisted are a
    part of those identified: when the rest (not assisted) is a small cell, the
    assisted are hidden. The whole scope's figures are read from the summaries
    when current.
    """
    numbers = summaries.read(FIGURES_PAGE, "", user) if cases is None else None
    if numbers is None:
        numbers = case_numbers(user=user, cases=cases)
    limit = access.small_cell_limit(user, "case")
    identified = Cell(numbers["identified"], limit)
    assisted = Cell(numbers["assisted"], limit)
    if not identified.suppressed:
        protect([assisted], unseen=identified.value - assisted.value)
    by_exploitation = {code: Cell(n, limit) for code, n in numbers["by_exploitation"]}
    protect(list(by_exploitation.values()))
    return CaseFigures(
        identified=identified,
        assisted=assisted,
        by_exploitation=by_exploitation,
        by_sex=_breakdown(numbers["by_sex"], limit),
        by_age_band=_breakdown(numbers["by_age_band"], limit, order=age_band_order),
        by_nationality=_breakdown(numbers["by_nationality"], limit),
        by_year=_breakdown(numbers["by_year"], limit),
        services_by_kind={kind: Cell(n, limit) for kind, n in numbers["services_by_kind"]},
    )


# The key of the whole scope's figures among the summaries (dashboards.summaries).
FIGURES_PAGE = "page:assistance"


def case_numbers(*, user, cases=None) -> dict:
    """The numbers behind ``case_figures``, before any is hidden, as plain data."""
    scoped = Case.objects.counted_for(user)
    if cases is not None:
        scoped = _narrowed(scoped, cases)
    has_service = Exists(Service.objects.filter(case=OuterRef("pk")))
    totals = scoped.annotate(has_service=has_service).aggregate(
        identified=Count("pk"), assisted=Count("pk", filter=Q(has_service=True))
    )
    exploitation = scoped.aggregate(
        **{
            code: Count("pk", filter=Q(**{flag_field(code): True}))
            for code in ExploitationType.values
        }
    )

    def grouped(queryset, key: str):
        rows = queryset.values_list(key).annotate(n=Count("pk")).order_by()
        return [[k, n] for k, n in sorted(rows, key=lambda r: str(r[0]))]

    services = Service.objects.filter(case__in=scoped)
    return {
        "identified": totals["identified"],
        "assisted": totals["assisted"],
        "by_exploitation": [[code, n] for code, n in exploitation.items() if n],
        "by_sex": grouped(scoped, "sex"),
        "by_age_band": grouped(scoped.with_age_band(), "age_band"),
        "by_nationality": grouped(scoped, "citizenship"),
        "by_year": grouped(scoped.annotate(year=ExtractYear("identification_date")), "year"),
        "services_by_kind": grouped(services, "kind"),
    }


def _narrowed(scoped, cases):
    """The cases of both querysets: their conditions joined when they can be (no
    ``id IN (SELECT id ...)`` for a narrowing that is the whole scope), else by id."""
    if cases.model is Case and cases.query.distinct == scoped.query.distinct:
        try:
            return scoped & cases
        except TypeError:  # sliced or otherwise not combinable
            pass
    return scoped.filter(pk__in=cases.values("pk"))


def shelter_occupancy(*, user, on: datetime.date | None = None):
    """The shelters a user may see, each with ``occupancy`` on the day and its capacity."""
    return (
        Shelter.objects.visible_to(user)
        .with_occupancy(on)
        .select_related("country", "organisation")
        .order_by("country__name_en", "name")
    )


def identity_access_log(*, user, case: Case | None = None):
    """The identity access log, newest first: administrators only."""
    log = IdentityAccess.objects.visible_to(user).select_related("user", "case")
    return log.filter(case=case) if case is not None else log


@dataclass
class TimelineEntry:
    day: datetime.date
    kind: str
    item: object


def case_timeline(*, user, pk: int) -> tuple[Case, list[TimelineEntry]]:
    """A case and its services, referrals, stays and (for its case workers) notes, newest first.

    404 outside the user's scope. Five queries whatever the length of the timeline.
    """
    case = get_object_or_404(Case.objects.visible_to(user).for_list(), pk=pk)
    entries = [
        TimelineEntry(s.start_date, "service", s)
        for s in Service.objects.filter(case=case).select_related("provider")
    ]
    entries += [
        TimelineEntry(r.sent_on, "referral", r)
        for r in Referral.objects.filter(case=case).select_related(
            "from_organisation", "to_organisation"
        )
    ]
    entries += [
        TimelineEntry(s.admitted_on, "stay", s)
        for s in ShelterStay.objects.filter(case=case).select_related("shelter")
    ]
    entries += [
        TimelineEntry(n.written_at.date(), "note", n)
        for n in CaseNote.objects.visible_to(user).filter(case=case).select_related("author")
    ]
    return case, sorted(entries, key=attrgetter("day"), reverse=True)
