"""Load the demo portfolio and demo users. Safe to run again: nothing is duplicated.

Records are matched on natural keys (country code, organisation name, project
code, username) and saved only when they differ from the demo data, so a
second run writes nothing and adds no history. Projects and their parts are
written through the project services, as the system user, so their history
reads like any other change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import translation
from django_countries import countries as country_names

from accounts.models import User
from assistance.demo import load_assistance
from ctportal.access import Role
from dashboards.demo import load_dashboards
from projects import demo, demo_translations
from projects.models import (
    Country,
    Indicator,
    Organisation,
    Project,
    Result,
    ThematicArea,
    Transaction,
)
from projects.services import indicator_save, project_save, result_save, transaction_record
from research.demo import load_research
from trainings import demo as training_demo
from trainings.demo import load_training_sessions

SYSTEM_USERNAME = "system"


def _upsert(
    model: type[models.Model], *, user, lookup: dict, values: dict, exclude: tuple = ()
) -> models.Model:
    """update_or_create that saves only on a difference and records who saved."""
    record = model.objects.filter(**lookup).first()
    if record is None:
        record = model(**lookup, **values)
    elif all(getattr(record, field) == value for field, value in values.items()):
        return record
    else:
        for field, value in values.items():
            setattr(record, field, value)
    record.full_clean(exclude=exclude)
    record._history_user = user
    record.save()
    return record


def _country_name(code: str, language: str) -> str:
    override = demo.COUNTRY_NAME_OVERRIDES.get((code, language))
    if override:
        return override
    with translation.override(language):
        return str(country_names.name(code))


def system_user() -> User:
    """The account that demo and maintenance writes are attributed to; it cannot sign in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": Role.ADMINISTRATOR, "first_name": "ctportal", "last_name": "system"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def load_countries(user) -> dict[str, Country]:
    return {
        code: _upsert(
            Country,
            user=user,
            lookup={"code": code},
            values={
                "name_en": _country_name(code, "en"),
                "name_ar": _country_name(code, "ar"),
                "name_fr": _country_name(code, "fr"),
                "region": region,
            },
        )
        for code, region in demo.COUNTRIES.items()
    }


def load_organisations(user, countries: dict[str, Country]) -> dict[str, Organisation]:
    return {
        name: _upsert(
            Organisation,
            user=user,
            lookup={"name": name},
            values={
                "acronym": acronym,
                "kind": kind,
                "country": countries[code] if code else None,
                "iati_identifier": iati,
                **demo_translations.organisation_versions(name),
            },
        )
        for name, (acronym, kind, code, iati) in demo.ORGANISATIONS.items()
    }


def load_thematic_areas() -> dict[str, ThematicArea]:
    """The areas the demo uses; existing ones are kept as they are."""
    return {
        code: ThematicArea.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in demo.THEMES.items()
    }


def _project_parts(spec: dict, orgs: dict, countries: dict) -> dict[str, Any]:
    iom = orgs[demo.IOM]
    data = {
        "code": spec["code"],
        "iati_identifier": f"{iom.iati_identifier}-{spec['code']}",
        "title": spec["title"],
        **demo_translations.title_versions(spec["code"]),
        "description": spec["description"],
        "status": spec["status"],
        "planned_start": spec["planned_start"],
        "planned_end": spec["planned_end"],
        "budget": spec.get("budget"),
        "currency": spec.get("currency", "USD"),
        "reporting_organisation": iom,
        "target_groups": "\n".join(spec.get("target_groups", [])),
        "objectives": "\n".join(spec.get("objectives", [])),
        "key_achievements": "\n".join(spec.get("achievements", [])),
        # The first listed country takes the largest share and leads the project.
        "lead_country": countries[spec["countries"][0][0]],
    }
    fundings = [
        {"donor": orgs[name], "amount": amount, "currency": currency}
        for name, amount, currency in spec.get("fundings", [])
    ]
    participants = [
        {"organisation": iom, "role": demo.ACCOUNTABLE},
        {"organisation": iom, "role": demo.IMPLEMENTING},
        *({"organisation": row["donor"], "role": demo.FUNDING} for row in fundings),
        *(
            {"organisation": orgs[name], "role": demo.IMPLEMENTING}
            for name in spec.get("partners", [])
        ),
    ]
    recipients = [
        {"country": countries[code], "percentage": share} for code, share in spec["countries"]
    ]
    return {
        "data": data,
        "fundings": fundings,
        "participants": participants,
        "countries": recipients,
    }


def _rows(queryset, *fields: str) -> set[tuple]:
    return set(queryset.values_list(*fields))


def _project_unchanged(project: Project, parts: dict, themes: list[ThematicArea]) -> bool:
    if any(getattr(project, field) != value for field, value in parts["data"].items()):
        return False
    return (
        _rows(project.thematic_areas, "pk") == {(t.pk,) for t in themes}
        and _rows(project.fundings, "donor", "amount", "currency")
        == {(r["donor"].pk, r["amount"], r["currency"]) for r in parts["fundings"]}
        and _rows(project.recipient_countries, "country", "percentage")
        == {(r["country"].pk, r["percentage"]) for r in parts["countries"]}
        and _rows(project.participating_organisations, "organisation", "role")
        == {(r["organisation"].pk, r["role"]) for r in parts["participants"]}
    )


def load_project(user, spec: dict, orgs: dict, countries: dict, areas: dict) -> bool:
    """Create or bring one demo project up to date; True when anything was written."""
    parts = _project_parts(spec, orgs, countries)
    themes = [areas[code] for code in spec["themes"]]
    project = Project.objects.filter(code=spec["code"]).first()
    written = False
    if project is None or not _project_unchanged(project, parts, themes):
        project = project_save(user=user, project=project, thematic_areas=themes, **parts)
        written = True
    for row in spec.get("transactions", []):
        values = {**row, "provider": orgs[row["provider"]] if row.get("provider") else None}
        record = Transaction.objects.filter(
            project=project, kind=values["kind"], date=values["date"]
        ).first()
        if record is None or any(getattr(record, k) != v for k, v in values.items()):
            transaction_record(user=user, project=project, data=values, instance=record)
            written = True
    for order, (result_title, title, unit, period) in enumerate(spec.get("indicators", [])):
        written |= _load_indicator(user, project, order, result_title, title, unit, period)
    return written


def _load_indicator(user, project, order, result_title, title, unit, period) -> bool:
    start, end, target, actual = period
    result = Result.objects.filter(project=project, title=result_title).first()
    written = result is None
    if result is None:
        result = result_save(
            user=user, project=project, data={"title": result_title, "order": order}
        )
    indicator = Indicator.objects.filter(result=result, title=title).first()
    periods = [{"period_start": start, "period_end": end, "target": target, "actual": actual}]
    if (
        indicator is not None
        and indicator.unit == unit
        and indicator.unit_ar == demo_translations.unit_versions(unit)["unit_ar"]
        and _rows(indicator.periods, "period_start", "period_end", "target", "actual")
        == {(start, end, target, actual)}
    ):
        return written
    indicator_save(
        user=user,
        result=result,
        instance=indicator,
        data={
            "title": title,
            "unit": unit,
            **demo_translations.unit_versions(unit),
            "baseline_year": project.planned_start.year,
            "baseline_value": demo.D(0),
        },
        periods=periods,
    )
    return True


def load_users(system, orgs: dict, countries: dict) -> list[tuple[str, str, str, str]]:
    """Demo accounts, one per role; returns (username, password, role, scope) rows."""
    table = []
    for username, (role, password, first, last, scope) in demo.USERS.items():
        is_admin = role == Role.ADMINISTRATOR
        organisation = orgs[scope["organisation"]] if "organisation" in scope else None
        user = _upsert(
            User,
            user=system,
            lookup={"username": username},
            exclude=("password",),
            values={
                "role": role,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.ctportal.invalid",
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "organisation": organisation,
            },
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        assigned = [countries[code] for code in scope.get("countries", [])]
        if set(user.countries.all()) != set(assigned):
            user.countries.set(assigned)
        if organisation:
            where = str(organisation)
        elif assigned:
            where = ", ".join(c.name_en for c in assigned)
        else:
            where = "all projects"
        if is_admin:
            where += ", Django admin (second factor set up at first sign-in)"
        table.append((username, password, str(Role(role).label), where))
    return table


class Command(BaseCommand):
    help = "Load the demo counter-trafficking portfolio and, in development, demo users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-users",
            action="store_true",
            help="Create the demo users with their known passwords even when DEBUG is off.",
        )
        parser.add_argument("--no-users", action="store_true", help="Load data only.")

    def handle(self, *args, with_users: bool = False, no_users: bool = False, **options):
        create_users = not no_users and (settings.DEBUG or with_users)
        with transaction.atomic():
            system = system_user()
            countries = load_countries(system)
            orgs = load_organisations(system, countries)
            areas = load_thematic_areas()
            written = sum(
                load_project(system, spec, orgs, countries, areas) for spec in demo.PROJECTS
            )
            sessions = load_training_sessions(system)
            research = load_research(system)
            dashboards = load_dashboards(system)
            table = load_users(system, orgs, countries) if create_users else []
            assistance = load_assistance(system, with_logins=create_users)
            table += assistance.logins
        self.stdout.write(
            f"Demo data: {len(countries)} countries, {len(orgs)} organisations, "
            f"{len(demo.PROJECTS)} projects ({written} created or updated), "
            f"{len(training_demo.SESSIONS)} training sessions ({sessions} created), "
            f"{assistance.cases} victim-assistance cases ({assistance.created} created), "
            f"{research} research, legislative and awareness records created, "
            f"{dashboards} dashboard records created or updated."
        )
        if table:
            self._print_logins(table)
        elif not no_users:
            self.stderr.write(
                self.style.WARNING(
                    "Demo users not created: DEBUG is off, and their passwords are public. "
                    "Pass --with-users to create them anyway."
                )
            )

    def _print_logins(self, table: list[tuple[str, str, str, str]]) -> None:
        header = ("username", "password", "role", "scope")
        widths = [max(len(row[i]) for row in [header, *table]) for i in range(4)]
        self.stdout.write("\nDemo logins (known passwords: for local use only):")
        for row in [header, *table]:
            self.stdout.write(
                "  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
