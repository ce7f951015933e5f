"""Donors ask for a report of a project they fund; it is built at once with their figures.

Per role: donors get the form with their funded projects only; a project outside
their scope is a 404 (in the address) or a form error (in the form); officers keep
the officers' form; the others are refused. The schedule shows which reports come when.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reports import selectors, services
from reports.models import DonorReport

PERIOD = {"period_kind": "quarter", "period": "2021-Q3", "language": "en"}


@pytest.fixture
def as_user(client, users):
    def login(name):
        client.force_login(users[name])
        return client

    return login


def test_a_donor_gets_the_form_with_only_the_projects_they_fund(as_user, portfolio):
    response = as_user("donor_b").get(reverse("reports:create"))

    assert response.status_code == 200
    assert response.context["requesting"] is True
    offered = set(response.context["form"].fields["project"].queryset)
    assert offered == {portfolio["p_lb"], portfolio["p_both"]}
    assert "summary" not in response.context["form"].fields


def test_a_project_the_donor_does_not_fund_is_not_found_in_the_address(as_user, portfolio):
    response = as_user("donor_b").get(reverse("reports:create"), {"project": portfolio["p_eg"].pk})

    assert response.status_code == 404


def test_a_project_the_donor_does_not_fund_is_a_form_error(as_user, portfolio):
    response = as_user("donor_b").post(
        reverse("reports:create"), {"project": portfolio["p_eg"].pk, **PERIOD}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["project"]
    assert not DonorReport.objects.exists()


def test_a_donor_request_is_built_at_once(
    as_user, project_data, users, django_capture_on_commit_callbacks
):
    client = as_user("donor_b")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:create"), {"project": project_data["project"].pk, **PERIOD}
        )

    report = DonorReport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:detail", args=[report.pk])
    assert report.status == "done" and report.xlsx_file and report.pdf_file
    assert report.requested_by == users["donor_b"] and not report.scheduled
    assert report.summary == ""
    # Asking again gives the same report, not a second one.
    again = client.post(
        reverse("reports:create"), {"project": project_data["project"].pk, **PERIOD}
    )
    assert again.url == response.url
    assert DonorReport.objects.count() == 1
    # Another donor of another project does not find it.
    assert as_user("donor_a").get(response.url).status_code == 404


def test_a_report_the_team_is_preparing_is_a_form_error(as_user, make_report, project_data):
    make_report()

    response = as_user("donor_b").post(
        reverse("reports:create"), {"project": project_data["project"].pk, **PERIOD}
    )

    assert response.status_code == 400
    assert "preparing the report" in response.context["form"].errors["period"][0]
    assert DonorReport.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"period": "2021-Q9"}, "period"), ({"language": "de"}, "language")],
)
def test_bad_input_of_a_donor_is_a_field_error(as_user, project_data, changes, field):
    data = {"project": project_data["project"].pk, **PERIOD, **changes}

    response = as_user("donor_b").post(reverse("reports:create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not DonorReport.objects.exists()


@pytest.mark.parametrize("name", ["officer_lb_project", "admin", "me", "analyst", "case_worker_lb"])
def test_only_donors_ask_for_reports(users, portfolio, name):
    with pytest.raises(PermissionDenied):
        services.report_request(
            user=users[name],
            project=portfolio["p_lb"],
            period_kind="year",
            period="2021",
            language="en",
        )


def test_the_service_refuses_a_project_out_of_the_donor_scope(users, portfolio):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.report_request(
            user=users["donor_a"],
            project=portfolio["p_lb"],
            period_kind="year",
            period="2021",
            language="en",
        )
    assert "project" in error.value.message_dict
    assert not DonorReport.objects.exists()


@pytest.mark.parametrize(
    ("today", "period", "first_day", "under_way"),
    [
        (datetime.date(2021, 8, 15), "Q3 2021", datetime.date(2021, 10, 1), False),
        (datetime.date(2021, 10, 3), "Q3 2021", datetime.date(2021, 10, 1), True),
        (datetime.date(2021, 10, 9), "Q4 2021", datetime.date(2022, 1, 1), False),
    ],
)
def test_the_schedule_names_the_next_round(users, portfolio, today, period, first_day, under_way):
    round_ = selectors.report_schedule(user=users["donor_b"], today=today)

    assert round_.period.label == period
    assert round_.first_day == first_day
    assert round_.last_day == first_day + datetime.timedelta(days=6)
    assert round_.under_way is under_way
    assert round_.languages == ["en"]
    # Only the donor's own projects under way in that quarter.
    assert {p.pk for p in round_.projects} == {portfolio["p_lb"].pk, portfolio["p_both"].pk}


def test_the_list_shows_the_schedule_and_a_way_to_ask(as_user, django_assert_max_num_queries):
    client = as_user("donor_b")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:list"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "When reports are prepared" in content
    assert "Ask for a report" in content
    assert reverse("reports:create") in content
