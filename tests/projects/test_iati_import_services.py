from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from ctportal.access import Role
from projects import iati
from projects import models as pm
from projects.iati_import import iati_import
from tests import factories as f
from tests.projects.iati_files import activities_file, activity, errors, facts, iom_content

pytestmark = pytest.mark.django_db

HISTORY_MODELS = (
    pm.Project,
    pm.Organisation,
    pm.Funding,
    pm.ParticipatingOrganisation,
    pm.RecipientCountry,
    pm.Transaction,
    pm.Budget,
    pm.Result,
    pm.Indicator,
    pm.IndicatorPeriod,
    pm.Disaggregation,
)


def snapshot() -> dict:
    """Every row and history row the import could touch, with project timestamps."""
    state = {}
    for model in HISTORY_MODELS:
        state[model.__name__] = sorted(model.objects.values_list("pk", flat=True))
        state[f"{model.__name__}.history"] = model.history.count()
    state["stamps"] = sorted(pm.Project.objects.values_list("pk", "updated_at", "version"))
    return state


@pytest.fixture
def countries(db):
    return {
        code: f.CountryFactory(code=code, name_en=name)
        for code, name in (("EG", "Egypt"), ("LB", "Lebanon"), ("SO", "Somalia"))
    }


@pytest.fixture
def admin(db):
    return f.UserFactory(role=Role.ADMINISTRATOR)


def export(*projects) -> bytes:
    content, _count = iati.render_activities(
        pm.Project.objects.filter(pk__in=[p.pk for p in projects]),
        base_url="https://portal.example.org/",
    )
    return content


def test_real_iom_file_round_trip(countries, admin):
    outcome = iati_import(user=admin, content=iom_content())
    assert outcome.problems == []
    project = pm.Project.objects.get(iati_identifier="XM-DAC-47066-DP.2154")
    assert project.code == "DP.2154"
    assert project.budget == Decimal("1459753.72")
    funding = project.fundings.get()
    assert funding.donor.iati_identifier == "XM-DAC-701-2"
    assert funding.donor.kind == pm.OrganisationKind.DONOR_GOVERNMENT
    assert funding.amount == Decimal("1459753.72")
    assert project.reporting_organisation.kind == pm.OrganisationKind.IGO
    assert list(project.recipient_countries.values_list("country__code", "percentage")) == [
        ("SO", Decimal("100"))
    ]

    exported = export(project)
    assert errors(exported) == []
    assert facts(exported) == facts(iom_content())


def test_round_trip_of_results_budgets_and_two_countries(countries, admin):
    content = activities_file(activity(), activity("XM-DAC-47066-CT.IMP2", title="Second"))
    assert errors(content) == []
    outcome = iati_import(user=admin, content=content)
    assert outcome.problems == []
    assert outcome.plan.summary["create"] == 2
    project = pm.Project.objects.get(iati_identifier="XM-DAC-47066-CT.IMP1")
    assert project.budget == Decimal("1000000.00")
    assert project.budgets.count() == 2
    period = pm.IndicatorPeriod.objects.get(indicator__result__project=project)
    assert (period.target, period.actual) == (Decimal("120"), Decimal("95"))
    assert period.disaggregations.get().sex == "female"
    receiver = project.transactions.get(kind=pm.TransactionKind.DISBURSEMENT).receiver
    assert (receiver.name, receiver.kind) == ("Shelter partner association", "ngo")

    exported = export(*pm.Project.objects.all())
    assert errors(exported) == []
    assert facts(exported) == facts(content)


def test_same_file_twice_changes_nothing(countries, admin):
    content = activities_file(activity(), activity("XM-DAC-47066-CT.IMP2"))
    iati_import(user=admin, content=content)
    iati_import(user=admin, content=iom_content())
    before = snapshot()
    again = iati_import(user=admin, content=content)
    assert again.plan.summary["unchanged"] == 2
    assert not again.written
    iati_import(user=admin, content=iom_content())
    assert snapshot() == before


def test_exported_file_imported_back_changes_nothing(countries, admin):
    iati_import(user=admin, content=activities_file(activity()))
    before = snapshot()
    outcome = iati_import(user=admin, content=export(*pm.Project.objects.all()))
    assert outcome.problems == []
    assert outcome.plan.summary["unchanged"] == 1
    assert snapshot() == before


def test_changed_file_updates_only_what_changed_with_history(countries, admin):
    iati_import(user=admin, content=activities_file(activity()))
    project = pm.Project.objects.get()
    countries_before = list(project.recipient_countries.values_list("pk", flat=True))
    changed = activities_file(activity(title="New title", transaction_type="4"))
    outcome = iati_import(user=admin, content=changed)
    assert outcome.problems == []
    plan = outcome.plan.activities[0]
    assert plan.action == "update"
    assert set(plan.changed) == {"project", "transactions"}
    project.refresh_from_db()
    assert project.title == "New title"
    assert project.version == 2
    assert project.transactions.filter(kind=pm.TransactionKind.EXPENDITURE).count() == 1
    assert list(project.recipient_countries.values_list("pk", flat=True)) == countries_before
    assert project.history.first().history_user == admin
    assert pm.Transaction.history.filter(history_type="-").count() == 2


def test_dry_run_writes_nothing(countries, admin):
    before = snapshot()
    outcome = iati_import(user=admin, content=activities_file(activity()), dry_run=True)
    assert outcome.plan.summary["create"] == 1
    assert outcome.plan.summary["organisations"] == 3
    assert snapshot() == before


def test_one_bad_activity_means_nothing_is_written(countries, admin):
    bad = activity("XM-DAC-47066-CT.BAD", currency="XXY", transaction_type="99")
    before = snapshot()
    outcome = iati_import(user=admin, content=activities_file(activity(), bad))
    assert snapshot() == before
    messages = [p.message for p in outcome.problems]
    assert any("XXY" in m for m in messages)
    assert any("“99”" in m for m in messages)
    bad_problems = [p for p in outcome.problems if p.activity == "XM-DAC-47066-CT.BAD"]
    assert bad_problems and all(p.position == 2 for p in bad_problems)
    assert all(p.line for p in bad_problems)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not xml", "not well-formed"),
        (b"<iati-organisations version='2.03'/>", "root element"),
        (activities_file(activity(), version="2.02"), "version"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<iati-activities version="2.03"><iati-activity>&xxe;</iati-activity>'
            b"</iati-activities>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<iati-activities version="2.03">&b;</iati-activities>',
            "DOCTYPE",
        ),
        (
            b'<iati-activities version="2.03"><iati-activity>'
            + b"<a>" * 3000
            + b"</a>" * 3000
            + b"</iati-activity></iati-activities>",
            "Excessive depth",
        ),
    ],
)
def test_bad_files_are_reported_and_change_nothing(countries, admin, content, expected):
    before = snapshot()
    outcome = iati_import(user=admin, content=content)
    assert len(outcome.problems) == 1
    assert expected in outcome.problems[0].message
    assert "/etc/passwd" not in outcome.problems[0].message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"countries": '<recipient-country code="QQ"/>'}, "Unknown country code"),
        ({"countries": '<recipient-country code="FR"/>'}, "not among the portal's countries"),
        ({"currency": "EURO"}, "Unknown currency"),
        ({"transaction_type": "6"}, "does not keep"),
        (
            {
                "extra": '<result type="1"><title><narrative>R</narrative></title><indicator '
                'measure="7"><title><narrative>I</narrative></title></indicator></result>'
            },
            "indicator measure",
        ),
    ],
)
def test_unknown_codes_are_problems(countries, admin, kwargs, expected):
    outcome = iati_import(user=admin, content=activities_file(activity(**kwargs)))
    assert any(expected in p.message for p in outcome.problems), outcome.problems
    assert not pm.Project.objects.exists()


def test_officer_cannot_touch_projects_outside_their_scope(countries, admin):
    officer = f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=[countries["EG"]])
    lebanon = '<recipient-country code="LB"/>'
    iati_import(user=admin, content=activities_file(activity(countries=lebanon)))
    before = snapshot()
    changed = activities_file(
        activity(title="Taken over", countries='<recipient-country code="LB"/>')
    )
    outcome = iati_import(user=officer, content=changed)
    assert [p.message for p in outcome.problems] == [
        "The project XM-DAC-47066-CT.IMP1 is outside your projects and countries; "
        "you may not change it."
    ]
    assert snapshot() == before


def test_officer_creates_only_in_own_countries(countries):
    officer = f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=[countries["EG"]])
    outcome = iati_import(user=officer, content=activities_file(activity()))
    assert any("own countries" in p.message for p in outcome.problems)
    assert not pm.Project.objects.exists()
    mine = activities_file(activity(countries='<recipient-country code="EG"/>'))
    assert iati_import(user=officer, content=mine).problems == []
    project = pm.Project.objects.get()
    assert pm.Project.objects.visible_to(officer).filter(pk=project.pk).exists()


def test_officer_updates_an_assigned_project(countries, admin):
    iati_import(user=admin, content=activities_file(activity()))
    project = pm.Project.objects.get()
    officer = f.UserFactory(role=Role.PROGRAMME_OFFICER, projects=[project])
    outcome = iati_import(user=officer, content=activities_file(activity(title="Renamed")))
    assert outcome.problems == []
    project.refresh_from_db()
    assert project.title == "Renamed"


@pytest.mark.parametrize("role", [Role.DONOR, Role.ANALYST, Role.CASE_WORKER, Role.ME_OFFICER])
def test_roles_without_project_creation_may_not_import(countries, role):
    with pytest.raises(PermissionDenied):
        iati_import(user=f.UserFactory(role=role), content=activities_file(activity()))


def test_existing_organisations_are_matched_by_ref(countries, admin):
    iom = f.OrganisationFactory(
        name="IOM", kind=pm.OrganisationKind.IGO, iati_identifier="XM-DAC-47066"
    )
    iati_import(user=admin, content=activities_file(activity()))
    assert pm.Project.objects.get().reporting_organisation == iom
    assert pm.Organisation.objects.filter(iati_identifier="XM-DAC-47066").count() == 1


def test_budget_periods_longer_than_a_year_are_problems(countries, admin):
    long_budget = (
        '<budget type="1" status="1"><period-start iso-date="2023-01-01"/>'
        '<period-end iso-date="2024-01-01"/><value currency="USD" value-date="2023-01-01">5'
        "</value></budget>"
    )
    content = activities_file(activity(extra="")).replace(
        b"<transaction>", long_budget.encode() + b"<transaction>", 1
    )
    outcome = iati_import(user=admin, content=content)
    assert any("one year" in p.message for p in outcome.problems)


def test_import_costs_the_same_queries_for_2_or_12_activities(
    countries, admin, django_assert_max_num_queries
):
    def content(n: int, first: int = 0) -> bytes:
        return activities_file(
            *(activity(f"XM-DAC-47066-CT.Q{i}") for i in range(first, first + n))
        )

    counts = []
    for n, first in ((2, 0), (12, 100)):
        with django_assert_max_num_queries(45) as created:
            assert iati_import(user=admin, content=content(n, first)).problems == []
        with django_assert_max_num_queries(30) as unchanged:
            assert iati_import(user=admin, content=content(n, first)).plan.summary["unchanged"] == n
        counts.append((len(created), len(unchanged)))
    # The first file also creates its three organisations (one insert and one history insert).
    assert counts[1][0] == counts[0][0] - 2
    assert counts[1][1] == counts[0][1]


def test_a_project_created_meanwhile_is_reported_not_a_crash(countries, admin, monkeypatch):
    from projects.iati_import import services

    real_plan = services.plan_import

    def plan_then_someone_else_creates(**kwargs):
        plan = real_plan(**kwargs)
        f.ProjectFactory(code="CT.IMP1", iati_identifier="XM-DAC-47066-OTHER")
        return plan

    monkeypatch.setattr(services, "plan_import", plan_then_someone_else_creates)
    outcome = iati_import(user=admin, content=activities_file(activity()))
    assert "changed by someone else" in outcome.problems[0].message
    assert not outcome.written
    assert not pm.Project.objects.exists()
    assert not pm.Organisation.objects.filter(iati_identifier="GB-GOV-1").exists()
