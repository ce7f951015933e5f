"""Importing an IATI activity file: all activities or none, and nothing when nothing changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ctportal import access
from ctportal.audit import delete_with_history
from dashboards.invalidation import invalidate
from projects.models import (
    Budget,
    Disaggregation,
    Funding,
    Indicator,
    IndicatorPeriod,
    Organisation,
    ParticipatingOrganisation,
    Project,
    RecipientCountry,
    Result,
    Transaction,
)

from .facts import Problem
from .planning import ActivityPlan, ImportPlan, plan_import

BATCH = 2_000
PROJECT_FIELDS = (
    "title",
    "description",
    "objectives",
    "target_groups",
    "key_achievements",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "currency",
    "reporting_organisation",
    "budget",
)


@dataclass
class ImportOutcome:
    """What an import found and, unless it was a dry run or had problems, wrote."""

    plan: ImportPlan
    written: bool = False
    created: list[Project] = field(default_factory=list)
    updated: list[Project] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.plan.problems


def iati_import(*, user, content: bytes, dry_run: bool = False) -> ImportOutcome:
    """Create or update the projects of an IATI 2.03 activity file, all or nothing.

    Every activity is checked first; when any has a problem, or on a dry run,
    nothing is written and the outcome lists the problems and what would be
    done. Projects are matched by iati-identifier and organisations by @ref;
    an unchanged project is not touched at all (no save, no history row).
    Raises PermissionDenied for users who may not create projects.
    """
    if not access.can_create_project(user):
        raise PermissionDenied
    try:
        with transaction.atomic():
            plan = plan_import(user=user, content=content, lock=not dry_run)
            outcome = ImportOutcome(plan=plan)
            if dry_run or plan.problems or not plan.activities:
                return outcome
            _write(outcome, user)
            outcome.written = bool(outcome.created or outcome.updated or plan.new_organisations)
    except IntegrityError:
        # Another import or edit created the same project or organisation meanwhile.
        message = _(
            "These projects or organisations were changed by someone else during the import; "
            "nothing was imported. Check the file again."
        )
        plan = ImportPlan(activities=[], problems=[Problem(message)])
        return ImportOutcome(plan=plan)
    if outcome.written:
        # Bulk inserts send no signals: cached figures are retired here.
        invalidate()
    return outcome


def _write(outcome: ImportOutcome, user) -> None:
    plan = outcome.plan
    for organisation in plan.new_organisations:
        organisation.full_clean(validate_unique=False)
    bulk_create_with_history(
        plan.new_organisations, Organisation, batch_size=BATCH, default_user=user
    )
    now = timezone.now()
    new = [p for p in plan.activities if p.action == "create"]
    changed = [p for p in plan.activities if p.action == "update"]
    for activity in new:
        activity.project = Project(**activity.values)
        activity.changed = list(PARTS)
    bulk_create_with_history([a.project for a in new], Project, batch_size=BATCH, default_user=user)
    updated = []
    for activity in changed:
        project = activity.project
        for name in PROJECT_FIELDS:
            if name in activity.values:
                setattr(project, name, activity.values[name])
        project.version += 1
        project.updated_at = now
        updated.append(project)
    if updated:
        bulk_update_with_history(
            updated,
            Project,
            [*PROJECT_FIELDS, "version", "updated_at"],
            batch_size=BATCH,
            default_user=user,
        )
    _replace_children([*new, *changed], user)
    outcome.created = [a.project for a in new]
    outcome.updated = updated


PARTS = ("fundings", "participants", "countries", "transactions", "budgets", "results")
RELATED = {
    "fundings": "fundings",
    "participants": "participating_organisations",
    "countries": "recipient_countries",
    "transactions": "transactions",
    "budgets": "budgets",
    "results": "results",
}


def _replace_children(activities: list[ActivityPlan], user) -> None:
    """Each changed part of each project becomes exactly what the file says."""
    for activity in activities:
        if not activity.is_new:
            for part in activity.changed:
                if part in RELATED:
                    for old in getattr(activity.project, RELATED[part]).all():
                        delete_with_history(old, user=user)
    rows: dict[type, list] = {
        Funding: [],
        ParticipatingOrganisation: [],
        RecipientCountry: [],
        Transaction: [],
        Budget: [],
    }
    results = []
    for activity in activities:
        project, parts = activity.project, set(activity.changed)
        for part, model in (
            ("fundings", Funding),
            ("participants", ParticipatingOrganisation),
            ("countries", RecipientCountry),
            ("budgets", Budget),
        ):
            if part in parts:
                for row in activity.rows[part]:
                    # Organisations created above get their keys from the instances at insert.
                    row.project = project
                    rows[model].append(row)
        if "transactions" in parts:
            rows[Transaction].extend(
                Transaction(project=project, **values) for values in activity.rows["transactions"]
            )
        if "results" in parts:
            results.extend((project, result) for result in activity.rows["results"])
    for model, instances in rows.items():
        bulk_create_with_history(instances, model, batch_size=BATCH, default_user=user)
    _create_results(results, user)


def _create_results(results: list, user) -> None:
    """Results, indicators, periods and breakdowns: one bulk insert per level."""
    result_rows, nested = [], []
    for project, ((kind, title, description, order), indicators) in results:
        result = Result(
            project=project, kind=kind, title=title, description=description, order=order
        )
        result_rows.append(result)
        nested.append((result, indicators))
    bulk_create_with_history(result_rows, Result, batch_size=BATCH, default_user=user)
    indicator_rows, periods_of = [], []
    for result, indicators in nested:
        for (title, measure, ascending, year, baseline, order), periods in indicators:
            indicator = Indicator(
                result=result,
                title=title,
                measure=measure,
                ascending=ascending,
                baseline_year=year,
                baseline_value=baseline,
                order=order,
            )
            indicator_rows.append(indicator)
            periods_of.append((indicator, periods))
    bulk_create_with_history(indicator_rows, Indicator, batch_size=BATCH, default_user=user)
    period_rows, breakdowns = [], []
    for indicator, periods in periods_of:
        for (start, end, target, actual), rows in periods:
            period = IndicatorPeriod(
                indicator=indicator,
                period_start=start,
                period_end=end,
                target=target,
                actual=actual,
            )
            period_rows.append(period)
            breakdowns.append((period, rows))
    bulk_create_with_history(period_rows, IndicatorPeriod, batch_size=BATCH, default_user=user)
    disaggregations = [
        Disaggregation(period=period, sex=sex, country_id=country, target=target, actual=actual)
        for period, rows in breakdowns
        for sex, country, target, actual in rows
    ]
    bulk_create_with_history(disaggregations, Disaggregation, batch_size=BATCH, default_user=user)
