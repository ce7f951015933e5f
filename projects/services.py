"""Every write of the projects domain. Pages, API, admin and commands call these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctportal import access
from ctportal.audit import check_version, delete_with_history, prefix_errors, save_with_history
from ctportal.jobs import job_finish, job_queue, job_rerun, job_run, job_store

from .iati_rules import organisation_identifier_problem
from .models import (
    Budget,
    BudgetKind,
    Document,
    Funding,
    Indicator,
    IndicatorPeriod,
    ParticipatingOrganisation,
    PortfolioExport,
    Project,
    ProjectSector,
    RecipientCountry,
    Result,
    ThematicArea,
    Transaction,
)

PROJECT_FIELDS = (
    "code",
    "iati_identifier",
    "title",
    "title_ar",
    "title_fr",
    "description",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "budget",
    "currency",
    "reporting_organisation",
    "target_groups",
    "objectives",
    "key_achievements",
    "text_language",
    "budget_not_provided",
    "default_flow_type",
    "default_finance_type",
    "default_aid_type",
    "default_tied_status",
    "collaboration_type",
    "activity_scope",
    "contact_email",
    "lead_country",
)


def _validate_iati(data: Mapping[str, Any]) -> dict[str, str]:
    """What IATI refuses in a project: future actual dates, no reporting identifier, and
    a reason for not publishing a budget next to a published one."""
    errors = {}
    today = timezone.localdate()
    for field, label in (("actual_start", _("actual start")), ("actual_end", _("actual end"))):
        if data.get(field) and data[field] > today:
            errors[field] = _(
                "The %(date)s cannot be in the future; use the planned date until it happens."
            ) % {"date": label}
    organisation = data.get("reporting_organisation")
    if organisation is not None:
        problem = organisation_identifier_problem(organisation.iati_identifier)
        if problem:
            errors["reporting_organisation"] = _(
                "The reporting organisation needs a valid IATI organisation identifier "
                "(set it on the organisation): %(problem)s"
            ) % {"problem": problem}
    if data.get("budget") is not None and data.get("budget_not_provided"):
        errors["budget_not_provided"] = _(
            "A project with a published budget has no reason for not publishing one."
        )
    return errors


def _validate_dates(data: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    start, end = data.get("planned_start"), data.get("planned_end")
    if start and end and end < start:
        errors["planned_end"] = _("The planned end must be on or after the planned start.")
    start, end = data.get("actual_start"), data.get("actual_end")
    if start and end and end < start:
        errors["actual_end"] = _("The actual end must be on or after the actual start.")
    return errors


def validate_recipient_countries(countries: list[Mapping[str, Any]]) -> None:
    """Recipient countries: no repeats, percentages that add up to 100."""
    if not countries:
        return
    seen = set()
    for row in countries:
        if row["country"].pk in seen:
            raise ValidationError(
                {"countries": _("%(country)s is listed twice.") % {"country": row["country"]}}
            )
        seen.add(row["country"].pk)
    total = sum((Decimal(row["percentage"]) for row in countries), Decimal("0"))
    if total != Decimal("100"):
        raise ValidationError(
            {
                "countries": _(
                    "Recipient country percentages add up to %(total)s; they must add up to 100."
                )
                % {"total": format(total.normalize(), "f")}
            }
        )


def validate_sectors(sectors: list[Mapping[str, Any]]) -> None:
    """Sectors: no repeats, percentages that add up to 100 (none means all 15190)."""
    if not sectors:
        return
    _validate_unique(sectors, "code", "sectors", "code")
    total = sum((Decimal(row["percentage"]) for row in sectors), Decimal("0"))
    if total != Decimal("100"):
        raise ValidationError(
            {
                "sectors": _("Sector percentages add up to %(total)s; they must add up to 100.")
                % {"total": format(total.normalize(), "f")}
            }
        )


def validate_country_scope(
    *, user, countries: list[Mapping[str, Any]] | None, project: Project | None
) -> None:
    """Programme officers create and move projects only within their own countries.

    Administrators place projects anywhere. An officer's new project names at
    least one recipient country, every one of them theirs. On a change, a
    country the project did not have before must be theirs; countries already
    there (a shared regional project) may stay or go, as long as one of the
    officer's countries remains, unless the project is assigned to them.
    """
    if access.role_of(user) == access.Role.ADMINISTRATOR:
        return
    creating = project is None or project._state.adding
    if countries is None:
        if creating:
            raise ValidationError(
                {"countries": _("Name at least one recipient country among your countries.")}
            )
        return
    own = set(user.countries.values_list("pk", flat=True))
    before = (
        set() if creating else set(project.recipient_countries.values_list("country_id", flat=True))
    )
    after = {row["country"].pk for row in countries}
    foreign = sorted(
        str(row["country"])
        for row in countries
        if row["country"].pk not in before and row["country"].pk not in own
    )
    if foreign:
        raise ValidationError(
            {
                "countries": _(
                    "You may only place projects in your own countries; not in %(countries)s."
                )
                % {"countries": ", ".join(foreign)}
            }
        )
    assigned = not creating and user.projects.filter(pk=project.pk).exists()
    if not (after & own) and not assigned:
        raise ValidationError(
            {"countries": _("Name at least one recipient country among your countries.")}
        )


def _validate_unique(rows: list[Mapping[str, Any]], key: str, field: str, label: str) -> None:
    seen = set()
    for row in rows:
        marker = tuple(row[k].pk if hasattr(row[k], "pk") else row[k] for k in key.split(","))
        if marker in seen:
            raise ValidationError({field: _("%(item)s is listed twice.") % {"item": row[label]}})
        seen.add(marker)


def _replace_children(
    project: Project, *, user, model, related: str, rows: list[Mapping[str, Any]], prefix: str
) -> None:
    """Make the project's children exactly ``rows``, keeping history of each change."""
    for old in getattr(project, related).all():
        delete_with_history(old, user=user)
    for index, row in enumerate(rows):
        try:
            save_with_history(model(project=project, **row), user=user)
        except ValidationError as exc:
            raise prefix_errors(exc, prefix, index) from exc


@transaction.atomic
def project_save(
    *,
    user,
    data: Mapping[str, Any],
    project: Project | None = None,
    expected_version: int | None = None,
    thematic_areas: Iterable[ThematicArea] | None = None,
    fundings: list[Mapping[str, Any]] | None = None,
    countries: list[Mapping[str, Any]] | None = None,
    participants: list[Mapping[str, Any]] | None = None,
    sectors: list[Mapping[str, Any]] | None = None,
) -> Project:
    """Create a project (``project`` None) or update one, with its inline parts.

    Child lists that are None are left as they are; a list replaces them.
    Raises ValidationError keyed by field, PermissionDenied, or StaleVersion
    when ``expected_version`` is older than the stored one.
    """
    if project is None:
        if not access.can_create_project(user):
            raise PermissionDenied
        project = Project()
    created = project._state.adding
    if not created:
        if not access.can_edit_project(user, project):
            raise PermissionDenied
        project.version = check_version(Project, project.pk, expected_version)

    for field in PROJECT_FIELDS:
        if field in data:
            setattr(project, field, data[field])
    # Report every bad field at once: the model's own checks and the date order.
    values = {field: getattr(project, field, None) for field in PROJECT_FIELDS}
    values["reporting_organisation"] = (
        project.reporting_organisation if project.reporting_organisation_id else None
    )
    errors = {**_validate_iati(values), **_validate_dates(values)}
    try:
        # The date order is already reported in words; skip its constraint twin.
        project.full_clean(validate_constraints=not errors)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if not created:
        errors.update(_budget_rows_errors(project))
    if errors:
        raise ValidationError(errors)
    if countries is not None:
        validate_recipient_countries(countries)
    if sectors is not None:
        validate_sectors(sectors)
    validate_country_scope(user=user, countries=countries, project=None if created else project)
    if fundings is not None:
        _validate_unique(fundings, "donor", "fundings", "donor")
    if participants is not None:
        _validate_unique(participants, "organisation,role", "participants", "organisation")

    save_with_history(project, user=user)
    if thematic_areas is not None:
        project.thematic_areas.set(thematic_areas)
    if fundings is not None:
        _replace_children(
            project, user=user, model=Funding, related="fundings", rows=fundings, prefix="fundings"
        )
    if countries is not None:
        _replace_children(
            project,
            user=user,
            model=RecipientCountry,
            related="recipient_countries",
            rows=countries,
            prefix="countries",
        )
    if sectors is not None:
        _replace_children(
            project,
            user=user,
            model=ProjectSector,
            related="sectors",
            rows=sectors,
            prefix="sectors",
        )
    if participants is not None:
        _replace_children(
            project,
            user=user,
            model=ParticipatingOrganisation,
            related="participating_organisations",
            rows=participants,
            prefix="participants",
        )
    return project


def _budget_rows_errors(project: Project) -> dict[str, str]:
    """A project with budget rows keeps their sum as its total, in their currency."""
    rows = list(project.budgets.all())
    if not rows:
        return {}
    try:
        total = budget_total(rows, project.currency)
    except ValidationError:
        return {"currency": _("The budget rows of this project are in another currency.")}
    if project.budget != total:
        return {
            "budget": _(
                "This project's total budget is the sum of its budget rows (%(total)s); "
                "change the rows instead."
            )
            % {"total": total}
        }
    return {}


def _require_edit(user, project: Project, *, results: bool = False) -> None:
    allowed = access.can_edit_results if results else access.can_edit_project
    if not allowed(user, project):
        raise PermissionDenied


@transaction.atomic
def transaction_record(
    *, user, project: Project, data: Mapping[str, Any], instance: Transaction | None = None
) -> Transaction:
    """Record or correct a financial transaction of a project."""
    _require_edit(user, project)
    record = instance or Transaction(project=project)
    for field, value in data.items():
        setattr(record, field, value)
    return save_with_history(record, user=user)


@transaction.atomic
def transaction_delete(*, user, record: Transaction) -> None:
    _require_edit(user, record.project)
    delete_with_history(record, user=user)


@transaction.atomic
def result_save(
    *, user, project: Project, data: Mapping[str, Any], instance: Result | None = None
) -> Result:
    _require_edit(user, project, results=True)
    record = instance or Result(project=project)
    for field, value in data.items():
        setattr(record, field, value)
    return save_with_history(record, user=user)


@transaction.atomic
def indicator_save(
    *,
    user,
    result: Result,
    data: Mapping[str, Any],
    periods: list[Mapping[str, Any]] | None = None,
    instance: Indicator | None = None,
) -> Indicator:
    """Save an indicator and, when given, replace its periods (target and actual)."""
    _require_edit(user, result.project, results=True)
    record = instance or Indicator(result=result)
    for field, value in data.items():
        setattr(record, field, value)
    save_with_history(record, user=user)
    if periods is not None:
        for old in record.periods.all():
            delete_with_history(old, user=user)
        for index, row in enumerate(periods):
            try:
                save_with_history(IndicatorPeriod(indicator=record, **row), user=user)
            except ValidationError as exc:
                raise prefix_errors(exc, "periods", index) from exc
    return record


@transaction.atomic
def result_indicator_add(
    *,
    user,
    project: Project,
    result: Result | None,
    result_data: Mapping[str, Any] | None,
    indicator_data: Mapping[str, Any],
    periods: list[Mapping[str, Any]],
) -> Indicator:
    """Add an indicator with its periods to a result of the project, or to a new result.

    All or nothing: a new result is not kept when its indicator is invalid.
    Errors of the new result are keyed ``result.<field>``.
    """
    if result is None:
        try:
            result = result_save(user=user, project=project, data=result_data or {})
        except ValidationError as exc:
            raise prefix_errors(exc, "result") from exc
    elif result.project_id != project.pk:
        raise ValidationError({"result": _("This result belongs to another project.")})
    return indicator_save(user=user, result=result, data=indicator_data, periods=periods)


@transaction.atomic
def document_add(*, user, project: Project, data: Mapping[str, Any]) -> Document:
    _require_edit(user, project)
    document = Document(project=project, **data)
    if not document.file and not document.url:
        raise ValidationError({"file": _("Attach a file or give a link.")})
    return save_with_history(document, user=user)


def portfolio_export_request(*, user, fmt: str) -> PortfolioExport:
    """Queue a portfolio file of what the user may see; sent to a worker after commit."""
    if not access.has_role(user):
        raise PermissionDenied
    if fmt not in PortfolioExport.Format.values:
        raise ValidationError({"format": _("Unknown export format.")})
    with transaction.atomic():
        return job_queue(PortfolioExport(requested_by=user, format=fmt))


def portfolio_export_rerun(*, user, pk: int) -> PortfolioExport:
    """Build a failed or stopped export of the user's own again (a new attempt)."""
    from .exports import portfolio_exports_for

    if not portfolio_exports_for(user).filter(pk=pk).exists():
        raise PermissionDenied
    return job_rerun(PortfolioExport, pk, reset={"error": ""})


def portfolio_export_build(
    *, export_id: int, attempt: int | None = None, task=None
) -> PortfolioExport:
    """Build the file of one export. Safe to run twice: a finished export is kept."""
    return job_run(task, PortfolioExport, export_id, attempt, _build_portfolio_file)


def _build_portfolio_file(export: PortfolioExport) -> None:
    from django.core.files import File

    from ctportal.storage import spool

    from .exports import write_portfolio

    extension = "xml" if export.format == PortfolioExport.Format.IATI else export.format
    with spool() as handle:
        count = write_portfolio(export.requested_by, export.format, handle)
        handle.seek(0)
        name = job_store(export, "file", f"portfolio-{export.pk}.{extension}", File(handle))
    job_finish(export, file=name, project_count=count, error="")


def budget_total(budgets: Iterable[Budget], currency: str) -> Decimal | None:
    """A project's total budget from its budget rows, None when it has none.

    A revised budget replaces the original one of the same period. Every row
    must be in the project's currency: amounts in two currencies have no total.
    """
    chosen: dict[tuple, Budget] = {}
    for budget in budgets:
        key = (budget.period_start, budget.period_end)
        if key not in chosen or budget.kind == BudgetKind.REVISED:
            chosen[key] = budget
    if not chosen:
        return None
    if any(budget.currency != currency for budget in chosen.values()):
        raise ValidationError(
            {"budgets": _("Every budget must be in the project's currency (%s).") % currency}
        )
    return sum((budget.value for budget in chosen.values()), Decimal("0"))
