import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ctportal.audit import StaleVersion
from projects import services
from projects.models import Funding, Project, RecipientCountry, ThematicArea
from tests import factories as f


def _data(**overrides):
    data = {
        "code": "CT.NEW",
        "iati_identifier": "XM-DAC-47066-CT.NEW",
        "title": "Protection of migrant workers",
        "planned_start": datetime.date(2024, 1, 1),
        "planned_end": datetime.date(2025, 12, 31),
        "budget": Decimal("1700000"),
        "currency": "EUR",
        "reporting_organisation": f.OrganisationFactory(kind="igo"),
    }
    data.update(overrides)
    return data


def test_officer_creates_project_with_parts(portfolio, users):
    project = services.project_save(
        user=users["officer_eg"],
        data=_data(),
        thematic_areas=ThematicArea.objects.filter(code__in=["protection", "prevention"]),
        fundings=[{"donor": portfolio["donor_a"], "amount": Decimal("1360000"), "currency": "EUR"}],
        countries=[{"country": portfolio["egypt"], "percentage": Decimal("100")}],
    )
    assert project.pk and project.version == 1
    assert project.fundings.get().share == Decimal("80.0")
    assert project.recipient_countries.count() == 1
    assert set(project.thematic_areas.values_list("code", flat=True)) == {
        "protection",
        "prevention",
    }
    assert project.history.first().history_user == users["officer_eg"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"planned_end": datetime.date(2023, 1, 1)}, "planned_end"),
        ({"currency": "XYZ"}, "currency"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"title": "x" * 256}, "title"),
        (
            {"actual_start": datetime.date(2024, 5, 1), "actual_end": datetime.date(2024, 4, 1)},
            "actual_end",
        ),
    ],
)
def test_bad_project_values_save_nothing(portfolio, users, overrides, field):
    before = Project.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.project_save(user=users["officer_eg"], data=_data(**overrides))
    assert field in raised.value.message_dict
    assert Project.objects.count() == before


def test_percentages_must_sum_to_100_and_nothing_is_saved(portfolio, users):
    before = (Project.objects.count(), RecipientCountry.objects.count())
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"],
            data=_data(),
            countries=[
                {"country": portfolio["egypt"], "percentage": Decimal("60")},
                {"country": portfolio["lebanon"], "percentage": Decimal("30")},
            ],
        )
    assert "90" in raised.value.message_dict["countries"][0]
    assert (Project.objects.count(), RecipientCountry.objects.count()) == before


def test_negative_funding_rolls_back_the_project(portfolio, users):
    before = (Project.objects.count(), Funding.objects.count())
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"],
            data=_data(),
            fundings=[{"donor": portfolio["donor_a"], "amount": Decimal("-5"), "currency": "EUR"}],
            countries=[{"country": portfolio["egypt"], "percentage": Decimal("100")}],
        )
    assert "fundings[0].amount" in raised.value.message_dict
    assert (Project.objects.count(), Funding.objects.count()) == before


def test_duplicate_donor_is_refused(portfolio, users):
    row = {"donor": portfolio["donor_a"], "amount": Decimal("5"), "currency": "EUR"}
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"],
            data=_data(),
            fundings=[row, row],
            countries=[{"country": portfolio["egypt"], "percentage": Decimal("100")}],
        )
    assert "fundings" in raised.value.message_dict


@pytest.mark.parametrize("who", ["donor_a", "analyst", "me", "case_worker_lb", "norole"])
def test_only_editors_create_projects(portfolio, users, who):
    with pytest.raises(PermissionDenied):
        services.project_save(user=users[who], data=_data())


def test_officer_cannot_edit_out_of_scope_project(portfolio, users):
    with pytest.raises(PermissionDenied):
        services.project_save(
            user=users["officer_eg"], project=portfolio["p_lb"], data={"title": "Changed"}
        )


def test_stale_version_is_refused(portfolio, users):
    project = portfolio["p_eg"]
    services.project_save(
        user=users["officer_eg"], project=project, expected_version=1, data={"title": "First"}
    )
    stale = Project.objects.get(pk=project.pk)
    stale.version = 1
    with pytest.raises(StaleVersion):
        services.project_save(
            user=users["admin"], project=stale, expected_version=1, data={"title": "Second"}
        )
    assert Project.objects.get(pk=project.pk).title == "First"


def test_update_increments_version_and_keeps_history(portfolio, users):
    project = portfolio["p_eg"]
    services.project_save(
        user=users["officer_eg"], project=project, expected_version=1, data={"title": "Renamed"}
    )
    project.refresh_from_db()
    assert project.version == 2
    latest, previous = project.history.all()[:2]
    changes = {change.field: change.new for change in latest.diff_against(previous).changes}
    assert changes["title"] == "Renamed"
    assert latest.history_user == users["officer_eg"]


def test_me_officer_records_results_but_not_transactions(portfolio, users):
    project = portfolio["p_lb"]
    result = services.result_save(user=users["me"], project=project, data={"title": "Capacity"})
    indicator = services.indicator_save(
        user=users["me"],
        result=result,
        data={"title": "Officials trained", "unit": "officials"},
        periods=[
            {
                "period_start": datetime.date(2014, 1, 1),
                "period_end": datetime.date(2014, 12, 31),
                "target": Decimal("36"),
                "actual": Decimal("36"),
            }
        ],
    )
    assert indicator.periods.get().actual == Decimal("36")
    with pytest.raises(PermissionDenied):
        services.transaction_record(
            user=users["me"],
            project=project,
            data={"kind": 4, "date": datetime.date(2014, 1, 1), "value": 5, "currency": "USD"},
        )


def test_indicator_period_end_before_start_saves_nothing(portfolio, users):
    result = f.ResultFactory(project=portfolio["p_eg"])
    with pytest.raises(ValidationError) as raised:
        services.indicator_save(
            user=users["officer_eg"],
            result=result,
            data={"title": "Officials trained"},
            periods=[
                {"period_start": datetime.date(2021, 1, 1), "period_end": datetime.date(2020, 1, 1)}
            ],
        )
    assert any(key.startswith("periods[0]") for key in raised.value.message_dict)
    assert not result.indicators.exists()


def test_document_needs_file_or_link(portfolio, users):
    with pytest.raises(ValidationError):
        services.document_add(
            user=users["officer_eg"],
            project=portfolio["p_eg"],
            data={"title": "Report", "category": "A08"},
        )
    document = services.document_add(
        user=users["officer_eg"],
        project=portfolio["p_eg"],
        data={"title": "Report", "category": "A08", "url": "https://example.org/r.pdf"},
    )
    assert document.pk


def test_transaction_in_other_currency_is_not_counted_as_spend(portfolio, users):
    project = portfolio["p_eg"]
    for value, currency in [(100, "USD"), (900, "EUR")]:
        services.transaction_record(
            user=users["officer_eg"],
            project=project,
            data={
                "kind": 4,
                "date": datetime.date(2021, 1, 1),
                "value": value,
                "currency": currency,
            },
        )
    annotated = Project.objects.with_spend().get(pk=project.pk)
    assert annotated.spent == Decimal("100")


def _countries(portfolio, *shares):
    return [{"country": portfolio[name], "percentage": Decimal(pct)} for name, pct in shares]


@pytest.mark.parametrize(
    "shares",
    [
        [("lebanon", "100")],
        [("egypt", "60"), ("lebanon", "40")],
    ],
)
def test_officer_cannot_create_a_project_outside_their_countries(portfolio, users, shares):
    before = Project.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"], data=_data(), countries=_countries(portfolio, *shares)
        )
    assert "Lebanon" in raised.value.message_dict["countries"][0]
    assert Project.objects.count() == before


@pytest.mark.parametrize("countries", [None, []])
def test_officer_names_one_of_their_countries_on_create(portfolio, users, countries):
    with pytest.raises(ValidationError) as raised:
        services.project_save(user=users["officer_eg"], data=_data(), countries=countries)
    assert "among your countries" in raised.value.message_dict["countries"][0]


def test_officer_without_countries_cannot_create_projects(portfolio, users):
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_lb_project"],
            data=_data(),
            countries=_countries(portfolio, ("lebanon", "100")),
        )
    assert "countries" in raised.value.message_dict


def test_officer_project_in_their_country_stays_in_sight_without_assignment(portfolio, users):
    officer = users["officer_eg"]
    project = services.project_save(
        user=officer, data=_data(), countries=_countries(portfolio, ("egypt", "100"))
    )
    assert Project.objects.visible_to(officer).filter(pk=project.pk).exists()
    assert not officer.projects.filter(pk=project.pk).exists()


def test_administrator_creates_projects_anywhere(portfolio, users):
    project = services.project_save(
        user=users["admin"], data=_data(), countries=_countries(portfolio, ("lebanon", "100"))
    )
    assert project.recipient_countries.get().country == portfolio["lebanon"]
    untold = services.project_save(
        user=users["admin"], data=_data(code="CT.NOC", iati_identifier="XM-DAC-47066-CT.NOC")
    )
    assert not untold.recipient_countries.exists()


def test_officer_cannot_move_a_project_to_a_country_not_theirs(portfolio, users):
    project = portfolio["p_eg"]
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"],
            project=project,
            expected_version=project.version,
            data={},
            countries=_countries(portfolio, ("lebanon", "100")),
        )
    assert "Lebanon" in raised.value.message_dict["countries"][0]
    assert list(project.recipient_countries.values_list("country__code", flat=True)) == ["EG"]


def test_officer_cannot_move_a_regional_project_out_of_their_countries(portfolio, users):
    project = portfolio["p_both"]
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"],
            project=project,
            expected_version=project.version,
            data={},
            countries=_countries(portfolio, ("lebanon", "100")),
        )
    assert "among your countries" in raised.value.message_dict["countries"][0]
    assert project.recipient_countries.count() == 2


def test_officer_keeps_a_regional_projects_other_countries_when_editing(portfolio, users):
    project = portfolio["p_both"]
    saved = services.project_save(
        user=users["officer_eg"],
        project=project,
        expected_version=project.version,
        data={"title": "Regional project, phase two"},
        countries=_countries(portfolio, ("egypt", "50"), ("lebanon", "50")),
    )
    assert saved.recipient_countries.get(country=portfolio["lebanon"]).percentage == 50


def test_assigned_officer_edits_their_project_countries_within_their_own(portfolio, users):
    officer = users["officer_lb_project"]
    project = portfolio["p_lb"]
    saved = services.project_save(
        user=officer,
        project=project,
        expected_version=project.version,
        data={},
        countries=_countries(portfolio, ("lebanon", "100")),
    )
    assert saved.recipient_countries.get().country == portfolio["lebanon"]
    with pytest.raises(ValidationError):
        services.project_save(
            user=officer,
            project=project,
            expected_version=saved.version,
            data={},
            countries=_countries(portfolio, ("lebanon", "50"), ("egypt", "50")),
        )


def test_administrator_moves_projects_anywhere(portfolio, users):
    project = portfolio["p_eg"]
    saved = services.project_save(
        user=users["admin"],
        project=project,
        expected_version=project.version,
        data={},
        countries=_countries(portfolio, ("lebanon", "100")),
    )
    assert saved.recipient_countries.get().country == portfolio["lebanon"]


def test_every_bad_field_is_reported_at_once(portfolio, users):
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"],
            data=_data(currency="XYZ", planned_end=datetime.date(2020, 1, 1)),
        )
    assert {"currency", "planned_end"} <= set(raised.value.message_dict)


def test_end_before_start_is_reported_once_in_words(portfolio, users):
    with pytest.raises(ValidationError) as raised:
        services.project_save(
            user=users["officer_eg"], data=_data(planned_end=datetime.date(2020, 1, 1))
        )
    assert set(raised.value.message_dict) == {"planned_end"}


def _budget_row(project, value, kind=1, currency="USD"):
    from projects.models import Budget

    return Budget.objects.create(
        project=project,
        kind=kind,
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
        value=Decimal(value),
        currency=currency,
        value_date=datetime.date(2023, 1, 1),
    )


def test_budget_total_takes_revised_budgets_over_original():
    from projects.models import Budget

    dates = {
        "period_start": datetime.date(2023, 1, 1),
        "period_end": datetime.date(2023, 12, 31),
        "currency": "USD",
    }
    original = Budget(kind=1, value=Decimal("10"), **dates)
    revised = Budget(kind=2, value=Decimal("12"), **dates)
    assert services.budget_total([original, revised], "USD") == Decimal("12")
    assert services.budget_total([original], "USD") == Decimal("10")
    assert services.budget_total([], "USD") is None
    with pytest.raises(ValidationError):
        services.budget_total([original], "EUR")


def test_total_budget_is_not_typed_over_budget_rows(portfolio, users):
    project = portfolio["p_eg"]
    project.budget, project.currency = Decimal("500"), "USD"
    project.save()
    _budget_row(project, "500")
    with pytest.raises(ValidationError) as error:
        services.project_save(user=users["admin"], project=project, data={"budget": Decimal("900")})
    assert "sum of its budget rows" in str(error.value.message_dict["budget"])
    with pytest.raises(ValidationError) as error:
        services.project_save(user=users["admin"], project=project, data={"currency": "EUR"})
    assert "currency" in error.value.message_dict
    project.refresh_from_db()
    assert (project.budget, project.currency) == (Decimal("500"), "USD")
    services.project_save(user=users["admin"], project=project, data={"title": "Renamed"})
    project.refresh_from_db()
    assert project.title == "Renamed"
