"""Reads of the victim-assistance pages: the case list, a case's page, labelled figures.

Each starts from the access policy (``Case.objects.visible_to(user)`` or
``counted_for``) and costs a fixed number of queries whatever the caseload.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from ctportal import access

from .filters import CaseFilter
from .models import Case, Identity
from .selectors import CaseFigures, case_timeline, identity_access_log
from .vocabulary import FLAG_GROUPS, AgeBand, ExploitationType, ServiceKind, Sex

NUMERIC_RANGE = re.compile(r"^\d+\D\d+$")


def case_list(*, user, params) -> tuple[CaseFilter, QuerySet]:
    """The filter form and the visible cases it selects, each flagged for follow-up.

    Only administrators choose a country office: a case worker's list is their office.
    """
    visible = Case.objects.visible_to(user)
    filterset = CaseFilter(params or None, queryset=visible)
    if access.role_of(user) != access.Role.ADMINISTRATOR:
        del filterset.filters["country_office"]
    cases = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    return filterset, cases.for_list().with_follow_up(timezone.localdate())


def case_page(*, user, pk: int) -> dict[str, Any]:
    """A case, its timeline and what the page shows around them; 404 outside the scope.

    The identity itself is never read here: only whether one is recorded, for
    the case workers who may open it.
    """
    case, timeline = case_timeline(user=user, pk=pk)
    works = access.can_work_case(user, case)
    flagged = Case.objects.filter(pk=case.pk).with_follow_up(timezone.localdate())
    follow = flagged.values("quiet", "referral_waiting", "follow_up").get()
    is_admin = access.role_of(user) == access.Role.ADMINISTRATOR
    return {
        "case": case,
        "timeline": timeline,
        "follow": follow,
        "can_work": works,
        "has_identity": (
            Identity.objects.visible_to(user).filter(case=case).exists() if works else False
        ),
        "age_band": age_band_label(case.age_band) if case.age_band else "",
        "codes": {
            group: [vocabulary(code).label for code in case.codes(group)]
            for group, vocabulary in FLAG_GROUPS.items()
        },
        "access_log": list(identity_access_log(user=user, case=case)[:20]) if is_admin else None,
    }


def age_band_label(code: str) -> str:
    """A band's label; "9–17" is isolated left to right, or Arabic would show "17–9".

    Plain text (Unicode isolates, not markup), as labels also end up in attributes.
    """
    label = str(AgeBand(code).label)
    return f"\u2066{label}\u2069" if NUMERIC_RANGE.match(label) else label


def _rows(cells: dict, labels, *, largest_first: bool = False) -> list[dict[str, Any]]:
    rows = [
        {"label": labels(key) if key not in ("", None) else _("Not recorded"), "cell": cell}
        for key, cell in cells.items()
    ]
    if largest_first:
        rows.sort(key=lambda row: -(0 if row["cell"].suppressed else row["cell"].value or 0))
    return rows


def _in_order(cells: dict, choices) -> dict:
    order = {value: index for index, value in enumerate(choices.values)}
    return dict(sorted(cells.items(), key=lambda item: order.get(item[0], len(order))))


def figure_rows(figures: CaseFigures) -> dict[str, Any]:
    """The breakdowns of ``case_figures`` as labelled rows for the cell tables."""
    exploitation = dict(ExploitationType.choices)
    services = dict(ServiceKind.choices)
    return {
        "exploitation": _rows(figures.by_exploitation, exploitation.get, largest_first=True),
        "sex": _rows(_in_order(figures.by_sex, Sex), dict(Sex.choices).get),
        "age_band": _rows(_in_order(figures.by_age_band, AgeBand), age_band_label),
        "nationality": _rows(figures.by_nationality, countries.name, largest_first=True),
        "year": _rows(figures.by_year, str),
        "year_columns": [
            {"label": str(year), "value": cell.value or 0} for year, cell in figures.by_year.items()
        ],
        "year_suppressed": any(cell.suppressed for cell in figures.by_year.values()),
        "services": _rows(figures.services_by_kind, services.get, largest_first=True),
    }
