import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reports import periods
from tests import factories as f

D = datetime.date


@pytest.fixture
def project(db):
    # 2020-01-01 to 2022-12-31
    return f.ProjectFactory()


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2021-Q1", D(2021, 1, 1), D(2021, 3, 31)),
        ("2021-Q3", D(2021, 7, 1), D(2021, 9, 30)),
        (" 2021q4 ", D(2021, 10, 1), D(2021, 12, 31)),
        ("2020-Q2", D(2020, 4, 1), D(2020, 6, 30)),
    ],
)
def test_quarter_codes_give_the_quarter_dates(project, code, start, end):
    period = periods.resolve("quarter", code, project)

    assert (period.kind, period.start, period.end) == ("quarter", start, end)
    assert period.code == f"{start.year}-Q{(start.month + 2) // 3}"


def test_year_and_whole_project(project):
    assert periods.resolve("year", "2021", project) == periods.Period(
        "year", D(2021, 1, 1), D(2021, 12, 31)
    )
    whole = periods.resolve("project", "ignored", project)
    assert (whole.start, whole.end, whole.code) == (D(2020, 1, 1), D(2022, 12, 31), "")


def test_whole_project_follows_actual_dates(db):
    project = f.ProjectFactory(actual_start=D(2020, 3, 1), actual_end=D(2023, 2, 28))

    whole = periods.resolve("project", "", project)

    assert (whole.start, whole.end) == (D(2020, 3, 1), D(2023, 2, 28))


@pytest.mark.parametrize(
    ("kind", "code", "field"),
    [
        ("quarter", "2021-Q5", "period"),
        ("quarter", "2021", "period"),
        ("quarter", "", "period"),
        ("quarter", "0999-Q1", "period"),
        ("year", "21", "period"),
        ("year", "2021-Q1", "period"),
        ("month", "2021-01", "period_kind"),
    ],
)
def test_bad_codes_are_field_errors(project, kind, code, field):
    with pytest.raises(ValidationError) as caught:
        periods.resolve(kind, code, project)

    assert list(caught.value.message_dict) == [field]


@pytest.mark.parametrize("code", ["2019-Q4", "2023-Q1", "2019", "2024"])
def test_periods_wholly_outside_the_project_are_refused(project, code):
    kind = "quarter" if "Q" in code else "year"

    with pytest.raises(ValidationError) as caught:
        periods.resolve(kind, code, project)

    assert "lies outside the project" in caught.value.message_dict["period"][0]


def test_a_period_overlapping_the_project_edge_is_accepted(db):
    project = f.ProjectFactory(planned_start=D(2020, 2, 15), planned_end=D(2021, 11, 10))

    assert periods.resolve("quarter", "2020-Q1", project).start == D(2020, 1, 1)
    assert periods.resolve("quarter", "2021-Q4", project).end == D(2021, 12, 31)


@pytest.mark.parametrize(
    ("today", "code"),
    [
        (D(2024, 1, 3), "2023-Q4"),
        (D(2024, 4, 1), "2024-Q1"),
        (D(2024, 7, 7), "2024-Q2"),
        (D(2024, 12, 31), "2024-Q3"),
    ],
)
def test_previous_quarter(today, code):
    assert periods.previous_quarter(today).code == code


def test_labels_follow_the_language(project):
    period = periods.resolve("quarter", "2021-Q3", project)

    assert period.label == "Q3 2021"
    assert periods.resolve("year", "2021", project).label == "Year 2021"
    with translation.override("fr"):
        whole = periods.resolve("project", "", project).label
    # French abbreviates months in lower case: "déc.", never "Déc".
    assert "31 déc. 2022" in whole


def test_offered_periods_are_the_project_quarters_and_years(project):
    codes = [period.code for period in periods.offered(project)]

    assert codes[:5] == ["2022-Q4", "2022-Q3", "2022-Q2", "2022-Q1", "2022"]
    assert "2019" not in codes and "2023-Q1" not in codes
    assert len(codes) == 3 * 5
