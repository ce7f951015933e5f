import datetime

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from tests import factories as f
from trainings.filters import TrainingSessionFilter
from trainings.models import Audience, TrainingSession


@pytest.fixture
def three(portfolio):
    judges = Audience.objects.get(code="judges")
    a = f.TrainingSessionFactory(
        project=portfolio["p_eg"],
        host_country=portfolio["egypt"],
        title="Judicial training",
        start_date=datetime.date(2021, 1, 10),
        end_date=datetime.date(2021, 1, 12),
    )
    a.audiences.add(judges)
    b = f.TrainingSessionFactory(
        project=portfolio["p_lb"],
        host_country=portfolio["lebanon"],
        kind="study_visit",
        status="planned",
        city="Tripoli",
        start_date=datetime.date(2021, 6, 28),
        end_date=datetime.date(2021, 7, 2),
    )
    c = f.TrainingSessionFactory(
        project=portfolio["p_both"],
        host_country=portfolio["egypt"],
        status="cancelled",
        start_date=datetime.date(2022, 2, 1),
        end_date=datetime.date(2022, 2, 1),
    )
    return a, b, c


def _filter(params, user=None):
    request = RequestFactory().get("/")
    request.user = user
    return TrainingSessionFilter(
        QueryDict(params), queryset=TrainingSession.objects.all(), request=request if user else None
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("country=LB", [1]),
        ("kind=study_visit", [1]),
        ("status=cancelled", [2]),
        ("audience=judges", [0]),
        ("q=tripoli", [1]),
        ("q=judicial", [0]),
        # A session is in a date range when any of its days is.
        ("date_from=2021-07-01&date_to=2021-12-31", [1]),
        ("date_from=2021-01-12&date_to=2021-01-12", [0]),
        ("date_to=2021-06-30", [0, 1]),
        ("date_from=2022-01-01", [2]),
        ("", [0, 1, 2]),
    ],
)
def test_filters(three, users, params, expected):
    filterset = _filter(params, users["admin"])
    assert filterset.is_valid(), filterset.errors
    assert set(filterset.qs) == {three[i] for i in expected}


def test_project_filter_offers_only_visible_projects(three, users, portfolio):
    filterset = _filter(f"project={portfolio['p_lb'].pk}", users["officer_eg"])
    assert not filterset.is_valid()
    assert "project" in filterset.errors
    filterset = _filter(f"project={portfolio['p_eg'].pk}", users["officer_eg"])
    assert list(filterset.qs) == [three[0]]


def test_without_a_request_no_project_is_offered(three, portfolio):
    filterset = _filter(f"project={portfolio['p_eg'].pk}")
    assert not filterset.is_valid()


def test_bad_values_are_form_errors(three, users):
    filterset = _filter("date_from=yesterday&kind=party&country=ZZ", users["admin"])
    assert not filterset.is_valid()
    assert {"date_from", "kind", "country"} <= set(filterset.errors)
