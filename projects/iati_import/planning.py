"""What importing a file would do: matched projects and organisations, scope, changes.

``plan_import`` reads the database in a fixed number of queries for the whole
file (projects with their related rows, organisations, countries, codes in
use), decides for each activity whether its project is created, updated or
left as it is, and reports as problems whatever may not be written: codes the
portal does not know, countries it does not keep, projects outside the user's
scope. Nothing is written here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from ctportal import access
from projects.models import (
    Budget,
    Country,
    Disaggregation,
    Funding,
    Indicator,
    IndicatorPeriod,
    Organisation,
    OrganisationKind,
    ParticipatingOrganisation,
    Project,
    ProjectStatus,
    RecipientCountry,
    Result,
    TransactionKind,
)
from projects.services import budget_total

from .facts import ActivityFacts, OrganisationFacts, Problem
from .reading import read_activities

# The portal's organisation kind for each IATI OrganisationType code.
KIND_OF_TYPE = {
    "10": OrganisationKind.DONOR_GOVERNMENT,
    "11": OrganisationKind.MINISTRY,
    "15": OrganisationKind.MINISTRY,
    "21": OrganisationKind.NGO,
    "22": OrganisationKind.NGO,
    "23": OrganisationKind.NGO,
    "24": OrganisationKind.NGO,
    "30": OrganisationKind.FOUNDATION,
    "40": OrganisationKind.IGO,
    "60": OrganisationKind.FOUNDATION,
    "70": OrganisationKind.FOUNDATION,
    "71": OrganisationKind.FOUNDATION,
    "72": OrganisationKind.FOUNDATION,
    "73": OrganisationKind.FOUNDATION,
    "80": OrganisationKind.RESEARCH_CENTRE,
    "90": OrganisationKind.NGO,
}
INCOMING = (TransactionKind.INCOMING_COMMITMENT, TransactionKind.INCOMING_FUNDS)
CODE_LENGTH = 32
PARTS = ("fundings", "participants", "countries", "transactions", "budgets", "results")


@dataclass
class ActivityPlan:
    """One activity: its project (existing or to create) and the parts that change."""

    facts: ActivityFacts
    project: Project | None = None
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    is_new: bool = False

    def __post_init__(self) -> None:
        self.is_new = self.project is None

    @property
    def action(self) -> str:
        if self.is_new:
            return "create"
        return "update" if self.changed else "unchanged"


@dataclass
class ImportPlan:
    activities: list[ActivityPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_organisations: list[Organisation] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for plan in self.activities if plan.action == action)

    @property
    def summary(self) -> dict[str, int]:
        facts = [plan.facts for plan in self.activities]
        return {
            "activities": len(facts),
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "organisations": len(self.new_organisations),
            "transactions": sum(len(f.transactions) for f in facts),
            "budgets": sum(len(f.budgets) for f in facts),
            "results": sum(len(f.results) for f in facts),
            "indicators": sum(len(r.indicators) for f in facts for r in f.results),
        }


class OrganisationBook:
    """Organisations of the file matched by @ref, then by name; the missing ones made once."""

    def __init__(self, activities: list[ActivityFacts]):
        mentioned = [org for facts in activities for org in _organisations(facts)]
        refs = {org.ref for org in mentioned if org.ref}
        names = {org.name for org in mentioned if org.name}
        known = list(Organisation.objects.filter(Q(iati_identifier__in=refs) | Q(name__in=names)))
        self.by_ref = {org.iati_identifier: org for org in known if org.iati_identifier}
        self.by_name = {org.name: org for org in known}
        self.new: list[Organisation] = []

    def get(self, facts: OrganisationFacts, report) -> Organisation | None:
        if facts.ref and facts.ref in self.by_ref:
            return self.by_ref[facts.ref]
        name = facts.name or facts.ref
        same_name = self.by_name.get(name)
        if same_name is not None:
            if facts.ref and same_name.iati_identifier and same_name.iati_identifier != facts.ref:
                report(
                    _(
                        "An organisation named “%(name)s” already exists with identifier "
                        "%(existing)s, not %(ref)s."
                    )
                    % {"name": name, "existing": same_name.iati_identifier, "ref": facts.ref}
                )
                return None
            return same_name
        kind = KIND_OF_TYPE.get(facts.type)
        if kind is None:
            report(
                _("Organisation “%(name)s” is new to the portal; give its @type to create it.")
                % {"name": name}
            )
            return None
        organisation = Organisation(name=name, kind=kind, iati_identifier=facts.ref)
        try:
            organisation.clean_fields()
        except ValidationError as exc:
            report(" ".join(exc.messages))
            return None
        self.new.append(organisation)
        self.by_name[name] = organisation
        if facts.ref:
            self.by_ref[facts.ref] = organisation
        return organisation


def _organisations(facts: ActivityFacts):
    if facts.reporting_org:
        yield facts.reporting_org
    for organisation, _role in facts.participants:
        yield organisation
    for transaction in facts.transactions:
        yield from (o for o in (transaction.provider, transaction.receiver) if o)


def _existing_projects(identifiers: list[str], *, lock: bool) -> dict[str, Project]:
    periods = IndicatorPeriod.objects.order_by("period_start", "pk").prefetch_related(
        Prefetch(
            "disaggregations",
            queryset=Disaggregation.objects.select_related("country").order_by("pk"),
        )
    )
    indicators = Indicator.objects.order_by("order", "pk").prefetch_related(
        Prefetch("periods", queryset=periods)
    )
    projects = Project.objects.filter(iati_identifier__in=identifiers).prefetch_related(
        "fundings",
        "participating_organisations",
        "recipient_countries",
        "transactions",
        "budgets",
        Prefetch(
            "results",
            queryset=Result.objects.order_by("order", "pk").prefetch_related(
                Prefetch("indicators", queryset=indicators)
            ),
        ),
    )
    if lock:
        # Edits of these projects wait until the import is written or rolled back.
        projects = projects.select_for_update()
    return {project.iati_identifier: project for project in projects}


def _key(organisation: Organisation | None):
    if organisation is None:
        return None
    return organisation.pk or ("new", organisation.name)


def plan_import(*, user, content: bytes, lock: bool = False) -> ImportPlan:
    """Everything importing ``content`` would do for ``user``; nothing is written.

    With ``lock`` (inside a transaction) the matched projects stay locked until it ends.
    """
    activities, problems = read_activities(content)
    plan = ImportPlan(problems=problems)
    if not activities:
        return plan
    identifiers = [facts.identifier for facts in activities if facts.identifier]
    existing = _existing_projects(identifiers, lock=lock)
    editable = set(
        access.scope_projects(
            Project.objects.filter(pk__in=[p.pk for p in existing.values()]), user
        ).values_list("pk", flat=True)
    )
    codes = {code for facts in activities for code, _p, _l in facts.countries}
    codes |= {
        value
        for facts in activities
        for result in facts.results
        for indicator in result.indicators
        for period in indicator.periods
        for dimension, value in period.disaggregations
        if dimension == "country"
    }
    countries = {str(c.code): c for c in Country.objects.filter(code__in=codes)}
    own_countries = (
        None
        if access.role_of(user) == access.Role.ADMINISTRATOR
        else set(user.countries.values_list("pk", flat=True))
    )
    new_codes = {
        facts.identifier: _project_code(facts)
        for facts in activities
        if facts.identifier not in existing
    }
    taken = set(Project.objects.filter(code__in=new_codes.values()).values_list("code", flat=True))
    book = OrganisationBook(activities)
    planner = _Planner(book=book, countries=countries)
    for facts in activities:
        activity_plan = ActivityPlan(facts=facts, project=existing.get(facts.identifier))

        def report(message: str, *, element: str = "", line: int | None = None, facts=facts):
            plan.problems.append(
                Problem(
                    message,
                    activity=facts.identifier,
                    position=facts.position,
                    element=element or f"/iati-activities/iati-activity[{facts.position}]",
                    line=line or facts.line,
                )
            )

        project = activity_plan.project
        if project is not None and project.pk not in editable:
            report(
                _(
                    "The project %(identifier)s is outside your projects and countries; "
                    "you may not change it."
                )
                % {"identifier": facts.identifier}
            )
            plan.activities.append(activity_plan)
            continue
        planner.build(activity_plan, report)
        if project is None:
            code = new_codes[facts.identifier]
            if code in taken:
                report(
                    _("Another project already has the code %(code)s; it could not be given.")
                    % {"code": code}
                )
            taken.add(code)
            activity_plan.values["code"] = code
            activity_plan.values["iati_identifier"] = facts.identifier
            if own_countries is not None:
                mine = [
                    c
                    for c in activity_plan.rows.get("countries", [])
                    if c.country_id in own_countries
                ]
                if not activity_plan.rows.get("countries") or len(mine) != len(
                    activity_plan.rows["countries"]
                ):
                    report(
                        _(
                            "You may create projects only in your own countries; this activity "
                            "has recipient countries outside them."
                        )
                    )
        else:
            planner.compare(activity_plan)
        plan.activities.append(activity_plan)
    plan.new_organisations = book.new
    plan.problems.sort(key=lambda problem: (problem.position or 0, problem.line or 0))
    return plan


def _project_code(facts: ActivityFacts) -> str:
    """A new project's code: its identifier without the reporting organisation's prefix."""
    code = facts.identifier
    prefix = (
        f"{facts.reporting_org.ref}-" if facts.reporting_org and facts.reporting_org.ref else ""
    )
    if prefix and code.startswith(prefix) and len(code) > len(prefix):
        code = code[len(prefix) :]
    return code[-CODE_LENGTH:]


class _Planner:
    """Builds the unsaved rows of one activity and compares them with what is stored."""

    def __init__(self, *, book: OrganisationBook, countries: dict[str, Country]):
        self.book = book
        self.countries = countries

    def organisation(self, facts: OrganisationFacts | None, report) -> Organisation | None:
        if facts is None:
            return None
        return self.book.get(
            facts, lambda message: report(message, element=facts.path, line=facts.line)
        )

    def build(self, plan: ActivityPlan, report) -> None:
        facts = plan.facts
        reporter = self.organisation(facts.reporting_org, report)
        plan.values.update(
            title=facts.title,
            description=facts.description,
            objectives=facts.objectives,
            target_groups=facts.target_groups,
            key_achievements=facts.achievements,
            status=facts.status
            or (plan.project.status if plan.project else ProjectStatus.IMPLEMENTATION),
            planned_start=facts.planned_start,
            planned_end=facts.planned_end,
            actual_start=facts.actual_start,
            actual_end=facts.actual_end,
            currency=facts.currency,
            reporting_organisation=reporter,
        )
        countries = []
        for code, percentage, line in facts.countries:
            country = self.countries.get(code)
            if country is None:
                report(
                    _(
                        "Country %(code)s is not among the portal's countries; an administrator "
                        "adds it first."
                    )
                    % {"code": code},
                    line=line,
                )
                continue
            countries.append(RecipientCountry(country=country, percentage=percentage))
        plan.rows["countries"] = countries
        participants, seen = [], set()
        funders: dict[Any, Organisation] = {}
        for organisation_facts, role in facts.participants:
            organisation = self.organisation(organisation_facts, report)
            if organisation is None:
                continue
            if role == 1:
                funders.setdefault(_key(organisation), organisation)
            elif (_key(organisation), role) not in seen:
                seen.add((_key(organisation), role))
                participants.append(ParticipatingOrganisation(organisation=organisation, role=role))
        plan.rows["participants"] = participants
        transactions = []
        for t in facts.transactions:
            provider = self.organisation(t.provider, report)
            receiver = self.organisation(t.receiver, report)
            if t.kind is None or t.date is None or t.value is None or not t.currency:
                if t.date is None and t.kind is not None:
                    report(_("A transaction needs a transaction-date."), line=t.line)
                continue
            if t.kind in INCOMING and provider is not None:
                funders.setdefault(_key(provider), provider)
            transactions.append(
                {
                    "kind": t.kind,
                    "date": t.date,
                    "value": t.value,
                    "currency": t.currency,
                    "description": t.description,
                    "provider": provider,
                    "receiver": receiver,
                }
            )
        plan.rows["transactions"] = transactions
        plan.rows["fundings"] = [
            self._funding(donor, transactions, facts.currency) for donor in funders.values()
        ]
        budgets = [
            Budget(
                kind=b.kind,
                status=b.status,
                period_start=b.period_start,
                period_end=b.period_end,
                value=b.value,
                currency=b.currency,
                value_date=b.value_date,
            )
            for b in facts.budgets
            if None not in (b.kind, b.status, b.period_start, b.period_end, b.value, b.value_date)
            and b.currency
        ]
        plan.rows["budgets"] = budgets
        if budgets:
            try:
                plan.values["budget"] = budget_total(budgets, facts.currency)
            except ValidationError as exc:
                report(" ".join(exc.messages))
        elif plan.project is None:
            plan.values["budget"] = None
        plan.rows["results"] = self._results(facts, report)
        self._check(plan, report)

    @staticmethod
    def _funding(donor: Organisation, transactions: list[dict], currency: str) -> Funding:
        """The donor's contribution: its incoming commitments, else its incoming funds."""
        for kind in INCOMING:
            rows = [
                t for t in transactions if t["kind"] == kind and _key(t["provider"]) == _key(donor)
            ]
            currencies = {t["currency"] for t in rows}
            if rows and len(currencies) == 1:
                amount = sum((t["value"] for t in rows), Decimal("0"))
                return Funding(donor=donor, amount=amount, currency=currencies.pop())
        return Funding(donor=donor, amount=None, currency=currency or "USD")

    def _results(self, facts: ActivityFacts, report) -> list[tuple]:
        """Results as nested tuples: (result values, [(indicator values, [(period, [dis])])])."""
        results = []
        for order, result in enumerate(facts.results):
            if result.kind is None:
                continue
            indicators = []
            for position, indicator in enumerate(result.indicators):
                if indicator.measure is None:
                    continue
                periods = []
                for period in indicator.periods:
                    if period.period_start is None or period.period_end is None:
                        continue
                    rows = []
                    for (dimension, value), measured in sorted(period.disaggregations.items()):
                        country = self.countries.get(value) if dimension == "country" else None
                        if dimension == "country" and country is None:
                            report(
                                _(
                                    "Country %(code)s of a breakdown is not among the portal's "
                                    "countries."
                                )
                                % {"code": value}
                            )
                            continue
                        rows.append(
                            (
                                value if dimension == "sex" else "",
                                country.pk if country else None,
                                measured.get("target"),
                                measured.get("actual"),
                            )
                        )
                    periods.append(
                        (
                            (period.period_start, period.period_end, period.target, period.actual),
                            sorted(rows, key=_disaggregation_order),
                        )
                    )
                periods.sort(key=lambda period: period[0][:2])
                indicators.append(
                    (
                        (
                            indicator.title,
                            indicator.measure,
                            indicator.ascending,
                            indicator.baseline_year,
                            indicator.baseline_value,
                            position,
                        ),
                        periods,
                    )
                )
            results.append(((result.kind, result.title, result.description, order), indicators))
        return results

    def _check(self, plan: ActivityPlan, report) -> None:
        """The model's own field checks, so nothing fails half-way through writing."""
        values = {k: v for k, v in plan.values.items() if k != "reporting_organisation"}
        project = Project(
            **{k: v for k, v in values.items() if k not in ("code", "iati_identifier")}
        )
        try:
            project.clean_fields(exclude=["code", "iati_identifier", "reporting_organisation"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                report(f"{name}: {' '.join(messages)}")
        for part in ("countries", "participants", "budgets"):
            for row in plan.rows[part]:
                try:
                    # Budget periods over a year are reported where the file has them.
                    row.clean_fields(exclude=["project", "country", "organisation"])
                except ValidationError as exc:
                    report(" ".join(exc.messages))

    def compare(self, plan: ActivityPlan) -> None:
        """Which parts of an existing project the file changes; nothing when it changes none."""
        project = plan.project
        values = plan.values
        if any(
            _key(value) != getattr(project, f"{name}_id")
            if isinstance(value, Organisation)
            else value != getattr(project, name)
            for name, value in values.items()
        ):
            plan.changed.append("project")
        stored = {
            "countries": Counter(
                (c.country_id, c.percentage) for c in project.recipient_countries.all()
            ),
            "participants": Counter(
                (p.organisation_id, p.role) for p in project.participating_organisations.all()
            ),
            "fundings": Counter((f.donor_id, f.amount, f.currency) for f in project.fundings.all()),
            "transactions": Counter(
                (t.kind, t.date, t.value, t.currency, t.description, t.provider_id, t.receiver_id)
                for t in project.transactions.all()
            ),
            "budgets": Counter(
                (b.kind, b.status, b.period_start, b.period_end, b.value, b.currency, b.value_date)
                for b in project.budgets.all()
            ),
            "results": _stored_results(project),
        }
        incoming = {
            "countries": Counter((c.country.pk, c.percentage) for c in plan.rows["countries"]),
            "participants": Counter(
                (_key(p.organisation), p.role) for p in plan.rows["participants"]
            ),
            "fundings": Counter(
                (_key(f.donor), f.amount, f.currency) for f in plan.rows["fundings"]
            ),
            "transactions": Counter(
                (
                    t["kind"],
                    t["date"],
                    t["value"],
                    t["currency"],
                    t["description"],
                    _key(t["provider"]),
                    _key(t["receiver"]),
                )
                for t in plan.rows["transactions"]
            ),
            "budgets": Counter(
                (b.kind, b.status, b.period_start, b.period_end, b.value, b.currency, b.value_date)
                for b in plan.rows["budgets"]
            ),
            "results": plan.rows["results"],
        }
        plan.changed.extend(part for part in PARTS if stored[part] != incoming[part])


def _disaggregation_order(row: tuple) -> tuple:
    return (row[0], row[1] or 0)


def _stored_results(project: Project) -> list[tuple]:
    results = []
    for order, result in enumerate(project.results.all()):
        indicators = []
        for position, indicator in enumerate(result.indicators.all()):
            periods = [
                (
                    (p.period_start, p.period_end, p.target, p.actual),
                    sorted(
                        (
                            (d.sex, d.country_id, d.target, d.actual)
                            for d in p.disaggregations.all()
                        ),
                        key=_disaggregation_order,
                    ),
                )
                for p in indicator.periods.all()
            ]
            indicators.append(
                (
                    (
                        indicator.title,
                        indicator.measure,
                        indicator.ascending,
                        indicator.baseline_year,
                        indicator.baseline_value,
                        position,
                    ),
                    periods,
                )
            )
        results.append(((result.kind, result.title, result.description, order), indicators))
    return results
