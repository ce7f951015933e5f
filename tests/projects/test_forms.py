from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.forms import (
    CountryFormSet,
    FundingFormSet,
    PeriodForm,
    ProjectForm,
    ResultChoiceForm,
    formset_rows,
    share_choices,
)
from projects.views import place_errors
from tests import factories as f


def project_data(organisation, **overrides):
    data = {
        "code": "CT.1",
        "iati_identifier": "XM-1",
        "title": "A project",
        "status": "2",
        "reporting_organisation": str(organisation.pk),
        "planned_start": "2024-01-01",
        "planned_end": "2024-12-31",
        "budget": "10",
        "currency": "eur",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_project_form_cleans_and_upper_cases_currency():
    form = ProjectForm(project_data(f.OrganisationFactory()))
    assert form.is_valid(), form.errors
    data = form.project_data()
    assert data["currency"] == "EUR"
    assert "version" not in data and "thematic_areas" not in data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"currency": "ABC"}, "currency"),
        ({"budget": "-1"}, "budget"),
        ({"title": "t" * 256}, "title"),
        ({"planned_start": "not a date"}, "planned_start"),
        ({"code": ""}, "code"),
    ],
)
def test_project_form_field_errors(overrides, field):
    form = ProjectForm(project_data(f.OrganisationFactory(), **overrides))
    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.django_db
def test_project_form_initial_from_project():
    project = f.ProjectFactory()
    initial = ProjectForm.initial_for(project)
    assert initial["version"] == project.version
    assert initial["reporting_organisation"] == project.reporting_organisation_id
    assert initial["thematic_areas"] == []


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }


@pytest.mark.django_db
def test_formset_rows_skip_empty_and_deleted_rows():
    donor_a, donor_b = f.DonorFactory(), f.DonorFactory()
    data = {
        **management("fundings", 3),
        "fundings-0-donor": str(donor_a.pk),
        "fundings-0-amount": "5",
        "fundings-0-currency": "usd",
        "fundings-1-donor": str(donor_b.pk),
        "fundings-1-amount": "",
        "fundings-1-currency": "USD",
        "fundings-1-DELETE": "on",
        "fundings-2-donor": "",
        "fundings-2-amount": "",
        "fundings-2-currency": "USD",
    }
    formset = FundingFormSet(data, prefix="fundings")
    assert formset.is_valid(), formset.errors
    rows, used = formset_rows(formset)
    assert rows == [{"donor": donor_a, "amount": Decimal("5"), "currency": "USD"}]
    assert used == [formset.forms[0]]


@pytest.mark.django_db
def test_funding_row_rejects_negative_amount_and_unknown_currency():
    donor = f.DonorFactory()
    data = {
        **management("fundings", 1),
        "fundings-0-donor": str(donor.pk),
        "fundings-0-amount": "-1",
        "fundings-0-currency": "QQQ",
    }
    formset = FundingFormSet(data, prefix="fundings")
    assert not formset.is_valid()
    assert set(formset.forms[0].errors) == {"amount", "currency"}


@pytest.mark.django_db
def test_share_choices_loads_options_once(django_assert_num_queries):
    for _ in range(3):
        f.CountryFactory()
    formset = CountryFormSet(prefix="countries", initial=[{}, {}, {}])
    with django_assert_num_queries(1):
        share_choices(formset, "country")
        for form in formset.forms:
            list(form.fields["country"].choices)


@pytest.mark.django_db
def test_place_errors_puts_each_key_where_it_belongs():
    organisation = f.OrganisationFactory()
    form = ProjectForm(project_data(organisation))
    funding_data = {
        **management("fundings", 1),
        "fundings-0-donor": str(f.DonorFactory().pk),
        "fundings-0-amount": "1",
        "fundings-0-currency": "USD",
    }
    fundings = FundingFormSet(funding_data, prefix="fundings")
    countries = CountryFormSet(management("countries", 0), prefix="countries")
    assert form.is_valid() and fundings.is_valid() and countries.is_valid()
    error = ValidationError(
        {
            "planned_end": ["Bad end."],
            "countries": ["Bad sum."],
            "fundings[0].amount": ["Bad amount."],
            "fundings[5].amount": ["Unknown row."],
            "__all__": ["General."],
        }
    )
    place_errors(
        error,
        form,
        {"fundings": (fundings, fundings.forms), "countries": (countries, [])},
    )
    assert form.errors["planned_end"] == ["Bad end."]
    assert form.non_field_errors() == ["General."]
    assert countries.non_form_errors() == ["Bad sum."]
    assert fundings.forms[0].errors["amount"] == ["Bad amount."]
    assert "Unknown row." in fundings.non_form_errors()


def test_period_form_end_before_start():
    form = PeriodForm({"period_start": "2024-02-01", "period_end": "2024-01-01"})
    assert not form.is_valid()
    assert "period_end" in form.errors


@pytest.mark.django_db
def test_result_choice_needs_a_result_or_a_title():
    project = f.ProjectFactory()
    other = f.ResultFactory()
    form = ResultChoiceForm({"result_kind": "1"}, project=project)
    assert not form.is_valid()
    assert "result_title" in form.errors
    form = ResultChoiceForm({"result": str(other.pk)}, project=project)
    assert not form.is_valid()
    assert "result" in form.errors
