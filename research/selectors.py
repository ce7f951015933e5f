"""Reads of research records: lists, detail pages, the legislative timeline, figures.

Each starts from ``visible_to(user)`` and costs a fixed number of queries,
whatever the number of records, stages or linked projects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _

from ctportal import access
from projects.models import Country, Indicator, Organisation, Project

from .filters import AwarenessActivityFilter, LegislativeSupportFilter, ResearchOutputFilter
from .models import (
    AwarenessActivity,
    LegislativeSupport,
    OutputKind,
    OutputStatus,
    ResearchOutput,
    Stage,
)


def can_edit(user, record) -> bool:
    """Editors may change a record they can see; one without projects, administrators only."""
    role = access.role_of(user)
    if role not in access.PROJECT_EDITORS:
        return False
    if role == access.Role.ADMINISTRATOR:
        return True
    return type(record).objects.visible_to(user).filter(pk=record.pk).exists()


def can_create(user) -> bool:
    return access.role_of(user) in access.PROJECT_EDITORS


def _scoped_filter(filter_class, user, params, queryset):
    filterset = filter_class(params or None, queryset=queryset)
    if "project" in filterset.filters:
        filterset.filters["project"].queryset = Project.objects.visible_to(user).order_by("code")
    if filterset.is_bound and filterset.is_valid():
        return filterset, filterset.qs
    return filterset, queryset


def _projects_prefetch(user) -> Prefetch:
    """Linked projects the user may see; links outside their scope are not shown."""
    return Prefetch("projects", queryset=Project.objects.visible_to(user).order_by("code"))


def indicators_of(user) -> QuerySet:
    return Indicator.objects.visible_to(user).select_related("result__project")


def outputs_for_list(queryset: QuerySet, user) -> QuerySet:
    """What a list row of outputs shows, in a fixed number of queries."""
    visible = ResearchOutput.objects.visible_to(user)
    return (
        queryset.select_related("translation_of")
        .annotate(original_visible=Exists(visible.filter(pk=OuterRef("translation_of"))))
        .prefetch_related(
            _projects_prefetch(user),
            Prefetch("countries", queryset=Country.objects.order_by("name_en")),
            Prefetch("partners", queryset=Organisation.objects.order_by("name")),
            Prefetch("translations", queryset=visible.order_by("language", "pk")),
        )
    )


def output_list(*, user, params) -> tuple[ResearchOutputFilter, QuerySet]:
    """The library's filter form and the visible outputs it selects (best match first)."""
    filterset, outputs = _scoped_filter(
        ResearchOutputFilter, user, params, ResearchOutput.objects.visible_to(user)
    )
    return filterset, outputs_for_list(outputs, user)


def output_get(*, user, pk: int) -> ResearchOutput:
    """One visible output with everything its page shows; 404 outside the scope."""
    queryset = outputs_for_list(ResearchOutput.objects.visible_to(user), user).prefetch_related(
        "files",
        Prefetch("indicators", queryset=indicators_of(user)),
        Prefetch(
            "legislative_support",
            queryset=LegislativeSupport.objects.visible_to(user).select_related("country"),
        ),
    )
    return get_object_or_404(queryset, pk=pk)


def supports_for_list(queryset: QuerySet, user) -> QuerySet:
    return (
        queryset.with_stage()
        .select_related("country")
        .prefetch_related(_projects_prefetch(user), "support")
    )


def support_list(*, user, params) -> tuple[LegislativeSupportFilter, QuerySet]:
    """The filter form and the visible legislative support it selects, with current stages."""
    filterset, supports = _scoped_filter(
        LegislativeSupportFilter, user, params, LegislativeSupport.objects.visible_to(user)
    )
    return filterset, supports_for_list(supports, user)


def support_get(*, user, pk: int) -> LegislativeSupport:
    queryset = supports_for_list(LegislativeSupport.objects.visible_to(user), user)
    queryset = queryset.prefetch_related(
        "stages",
        Prefetch("outputs", queryset=ResearchOutput.objects.visible_to(user)),
        Prefetch("indicators", queryset=indicators_of(user)),
    )
    return get_object_or_404(queryset, pk=pk)


def legislative_timeline(*, supports: QuerySet) -> list[dict[str, Any]]:
    """Instruments grouped by country (regional ones last), each with its dated stages.

    Two queries: the instruments, then all their stages.
    """
    rows = list(
        supports.select_related("country")
        .prefetch_related("stages")
        .order_by("country__name_en", "title", "pk")
    )
    groups: dict[Any, dict[str, Any]] = {}
    for support in rows:
        key = support.country_id or 0
        if key not in groups:
            groups[key] = {"country": support.country, "supports": []}
        groups[key]["supports"].append(support)
    ordered = [group for key, group in groups.items() if key]
    ordered.sort(key=lambda group: group["country"].name)
    if 0 in groups:
        ordered.append(groups[0])
    return ordered


def activities_for_list(queryset: QuerySet, user) -> QuerySet:
    return queryset.prefetch_related(
        _projects_prefetch(user),
        Prefetch("countries", queryset=Country.objects.order_by("name_en")),
    )


def activity_list(*, user, params) -> tuple[AwarenessActivityFilter, QuerySet]:
    filterset, activities = _scoped_filter(
        AwarenessActivityFilter, user, params, AwarenessActivity.objects.visible_to(user)
    )
    return filterset, activities_for_list(activities, user)


def activity_get(*, user, pk: int) -> AwarenessActivity:
    queryset = activities_for_list(AwarenessActivity.objects.visible_to(user), user)
    queryset = queryset.prefetch_related(
        "files",
        Prefetch("indicators", queryset=indicators_of(user)),
    )
    return get_object_or_404(queryset, pk=pk)


def _language_name(code: str) -> str:
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _linked(queryset: QuerySet, project: Project | None) -> QuerySet:
    return queryset if project is None else queryset.filter(projects=project)


def research_figures(*, user, project: Project | None = None) -> dict[str, Any]:
    """Dashboard figures: published outputs by kind and language, instruments by stage, reach.

    Three queries whatever the number of records; narrowed to one project when given.
    """
    outputs = _linked(ResearchOutput.objects.visible_to(user), project)
    published = defaultdict(int)
    by_language = defaultdict(int)
    for kind, language, number in (
        outputs.filter(status=OutputStatus.PUBLISHED)
        .order_by()
        .values_list("kind", "language")
        .annotate(n=Count("pk"))
    ):
        published[kind] += number
        by_language[language] += number
    kinds = dict(OutputKind.choices)
    supports = _linked(LegislativeSupport.objects.visible_to(user), project)
    by_stage = dict(
        supports.with_stage().order_by().values_list("current_stage").annotate(n=Count("pk"))
    )
    activities = _linked(AwarenessActivity.objects.visible_to(user), project)
    reach = activities.aggregate(
        activities=Count("pk"),
        people=Sum("people_reached"),
        audience=Sum("audience_estimate"),
        materials=Sum("materials_distributed"),
    )
    return {
        "outputs_published": sum(published.values()),
        "by_kind": [
            {"label": str(kinds.get(kind, kind)), "value": number}
            for kind, number in sorted(published.items(), key=lambda item: -item[1])
        ],
        "by_language": [
            {"label": _language_name(code), "value": number}
            for code, number in sorted(by_language.items(), key=lambda item: -item[1])
        ],
        "instruments": sum(by_stage.values()),
        "by_stage": [
            {"label": str(label), "value": by_stage[code]}
            for code, label in Stage.choices
            if by_stage.get(code)
        ]
        + (
            [{"label": _("No stage recorded"), "value": by_stage[None]}]
            if by_stage.get(None)
            else []
        ),
        "reach": reach,
    }


HIDDEN_HISTORY_FIELDS = {"id", "version", "created_at", "updated_at"}


def record_history(*, record, user, limit: int = 10) -> list[dict[str, Any]] | None:
    """The last changes of a record: who, when and which fields; None for donors.

    Donors see figures, not who in the office changed what.
    """
    if access.role_of(user) == access.Role.DONOR:
        return None
    model = type(record)
    fields = [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in HIDDEN_HISTORY_FIELDS
    ]
    records = list(
        record.history.select_related("history_user").order_by("-history_id")[: limit + 1]
    )
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes = []
        if older is not None and newer.history_type == "~":
            for change in newer.diff_against(older, included_fields=fields).changes:
                field = model._meta.get_field(change.field)
                shown = dict(field.choices or [])
                changes.append(
                    (
                        str(field.verbose_name),
                        str(shown.get(change.old, change.old or "")),
                        str(shown.get(change.new, change.new or "")),
                    )
                )
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "action": {"+": "created", "-": "deleted"}.get(newer.history_type, "changed"),
                "changes": changes,
            }
        )
    return entries[:limit]
