"""The access policy: who may see and change what.

Every queryset's ``visible_to(user)`` ends here, so pages, API, exports and
admin lists all apply the same rules. A record outside a user's scope is
simply absent from their querysets, which turns into a 404 everywhere.

Scopes (see DESIGN.md):
- administrator, M&E officer, analyst: every project (non-identifying data);
- programme officer, case worker: the projects assigned to them and the
  projects with a recipient country among their countries;
- donor: the projects their organisation funds;
- no role, inactive or anonymous: nothing.

Victim-assistance cases have their own, narrower scope (see below): rows for
case workers of the case's country office with a verified second factor and
for administrators; identities for those case workers only; aggregates for
the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models import QuerySet


class Role(models.TextChoices):
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    CASE_WORKER = "case_worker", _("Case worker")
    ME_OFFICER = "me_officer", _("M&E officer")
    DONOR = "donor", _("Donor")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")


PORTFOLIO_WIDE = {Role.ADMINISTRATOR, Role.ME_OFFICER, Role.ANALYST}
ASSIGNED_SCOPE = {Role.PROGRAMME_OFFICER, Role.CASE_WORKER}
PROJECT_EDITORS = {Role.ADMINISTRATOR, Role.PROGRAMME_OFFICER}
RESULTS_EDITORS = {Role.ADMINISTRATOR, Role.PROGRAMME_OFFICER, Role.ME_OFFICER}


def role_of(user) -> Role | None:
    """The role a user acts with, or None when they may see nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return Role(user.role) if user.role else None


def has_role(user) -> bool:
    return role_of(user) is not None


def visible_project_ids(user) -> QuerySet | None:
    """Primary keys of the projects a user may see; None means all of them."""
    from projects.models import Funding, Project

    role = role_of(user)
    if role is None:
        return Project.objects.none().values("pk")
    if role in PORTFOLIO_WIDE:
        return None
    if role == Role.DONOR:
        if not user.organisation_id:
            return Project.objects.none().values("pk")
        return Funding.objects.filter(donor_id=user.organisation_id).values("project_id")
    return Project.objects.filter(
        models.Q(pk__in=user.projects.values("pk"))
        | models.Q(recipient_countries__country__in=user.countries.values("pk"))
    ).values("pk")


def scope_projects(queryset: QuerySet, user) -> QuerySet:
    """Projects visible to the user."""
    ids = visible_project_ids(user)
    return queryset if ids is None else queryset.filter(pk__in=ids)


def scope_by_project(queryset: QuerySet, user, path: str = "project") -> QuerySet:
    """Records that belong to a project (through ``path``) visible to the user."""
    ids = visible_project_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def scope_reference(queryset: QuerySet, user) -> QuerySet:
    """Reference data (countries, organisations): any user with a role."""
    return queryset if has_role(user) else queryset.none()


def can_create_project(user) -> bool:
    return role_of(user) in PROJECT_EDITORS


def can_edit_project(user, project) -> bool:
    """Editing needs an editor role and the project among those the user may change
    (``projects.querysets.ProjectQuerySet.editable_by`` owns which ones)."""
    if role_of(user) not in PROJECT_EDITORS:
        return False
    from projects.models import Project

    return Project.objects.editable_by(user).filter(pk=project.pk).exists()


# Donors ask for a report of a project they fund; it is built at once with the
# figures their own pages show, so nobody else needs to approve it.
REPORT_REQUESTERS = {Role.DONOR}


def can_request_report(user) -> bool:
    return role_of(user) in REPORT_REQUESTERS


# Who may run the IATI check before publishing: the people who publish.
IATI_CHECKERS = {Role.PROGRAMME_OFFICER, Role.ADMINISTRATOR}


def can_check_iati(user) -> bool:
    return role_of(user) in IATI_CHECKERS


def can_edit_results(user, project) -> bool:
    """M&E officers keep results of every project in their scope; officers and
    administrators change the results of the projects they may edit."""
    role = role_of(user)
    if role not in RESULTS_EDITORS:
        return False
    if role != Role.ME_OFFICER:
        return can_edit_project(user, project)
    from projects.models import Project

    return scope_projects(Project.objects.filter(pk=project.pk), user).exists()


# Small cells: a count this small could single a person out, so aggregate
# viewers (donors, analysts) see "<limit+1>" instead of the number.
SMALL_CELL_LIMIT = {"training": 4, "case": 10}
AGGREGATE_ONLY = {Role.DONOR, Role.ANALYST}


def small_cell_limit(user, kind: str) -> int:
    """The largest count hidden from this user for data of ``kind`` (0: none hidden)."""
    return SMALL_CELL_LIMIT[kind] if role_of(user) in AGGREGATE_ONLY else 0


def sees_participant_names(user) -> bool:
    """Names of trained people: programme officers (their scope) and administrators."""
    return role_of(user) in {Role.PROGRAMME_OFFICER, Role.ADMINISTRATOR}


# Victim assistance. Case rows: administrators, and case workers of the
# case's country office once their second factor is verified for this session
# (request.user.is_verified(), installed by django-otp; a user loaded outside a
# verified session, e.g. through an API token, has none). Identities, case
# notes and shelters: those case workers only. Everybody else reads cases only
# as aggregates (scope_case_aggregates), never as rows.
#
# Both roles that see case rows sign in with a second factor, and so does any
# account that reaches the Django admin (staff). Their API tokens are issued
# only against a code from the authenticator app (accounts.services).
SECOND_FACTOR_ROLES = {Role.CASE_WORKER, Role.ADMINISTRATOR}


def second_factor_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def requires_second_factor(user) -> bool:
    """Whether this account signs in with a second factor: by its role, or as admin staff."""
    role = role_of(user)
    return role in SECOND_FACTOR_ROLES or (role is not None and user.is_staff)


def needs_second_factor(user) -> bool:
    """A signed-in user who requires a second factor not yet given in this session."""
    return requires_second_factor(user) and not second_factor_verified(user)


def case_office_id(user) -> int | None:
    """The country office whose cases the user works on, or None."""
    if role_of(user) != Role.CASE_WORKER or not second_factor_verified(user):
        return None
    return user.country_office_id


def _office_path(path: str) -> str:
    return f"{path}__country_office_id" if path else "country_office_id"


def scope_cases(queryset: QuerySet, user, path: str = "") -> QuerySet:
    """Case rows (through ``path`` to the case): case workers of the office, administrators."""
    if role_of(user) == Role.ADMINISTRATOR:
        return queryset
    return scope_case_workers(queryset, user, path)


def scope_case_workers(queryset: QuerySet, user, path: str = "") -> QuerySet:
    """What identifies a victim (identity, notes, shelters): case workers of the office only."""
    office = case_office_id(user)
    if office is None:
        return queryset.none()
    return queryset.filter(**{_office_path(path): office})


def scope_case_references(queryset: QuerySet, user, path: str = "") -> QuerySet:
    """Cases a case worker is told about by reference outside a session (the weekly digest):
    those of their office. Only references leave this way; reading a case still takes the
    second factor."""
    if role_of(user) != Role.CASE_WORKER or not user.country_office_id:
        return queryset.none()
    return queryset.filter(**{_office_path(path): user.country_office_id})


def scope_case_aggregates(queryset: QuerySet, user) -> QuerySet:
    """Cases a user may count: their case rows, or the cases of the projects they see."""
    role = role_of(user)
    if role is None or role == Role.CASE_WORKER:
        return scope_cases(queryset, user)
    return scope_by_project(queryset, user)


def can_work_case(user, case) -> bool:
    """Registering and following cases: case workers of the case's country office."""
    office = case_office_id(user)
    return office is not None and office == case.country_office_id


# Sections of the portal and the roles that use them. The main menu lists the
# sections a role uses and the section middleware refuses the others with a
# 404, both from this one table, so the menu and the guard cannot drift apart.
# Case workers work on cases only: project pages, figures and reports are for
# the people who run and fund the portfolio.
_OFFICE = {Role.PROGRAMME_OFFICER, Role.ME_OFFICER, Role.ADMINISTRATOR}
SECTION_ROLES: dict[str, frozenset[Role]] = {
    "projects": frozenset(_OFFICE | {Role.DONOR, Role.ANALYST}),
    "portfolio": frozenset(_OFFICE | {Role.DONOR, Role.ANALYST}),
    "dashboards": frozenset(_OFFICE | {Role.DONOR, Role.ANALYST}),
    "trainings": frozenset(_OFFICE | {Role.DONOR, Role.ANALYST}),
    "research": frozenset(_OFFICE | {Role.DONOR, Role.ANALYST}),
    "cases": frozenset({Role.CASE_WORKER, Role.ADMINISTRATOR}),
    "service_providers": frozenset({Role.CASE_WORKER, Role.ADMINISTRATOR}),
    # Counts only, with small cells hidden from aggregate viewers: every role.
    "assistance_figures": frozenset(Role),
    "reports": frozenset(_OFFICE | {Role.DONOR}),
    "exports": frozenset(_OFFICE | {Role.ANALYST}),
    "api": frozenset(_OFFICE | {Role.ANALYST}),
    "administration": frozenset({Role.ADMINISTRATOR}),
}


def can_use(user, section: str) -> bool:
    """Whether the user's role works with this section of the portal."""
    return role_of(user) in SECTION_ROLES[section]
