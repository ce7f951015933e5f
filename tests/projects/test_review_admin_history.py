"""The history pages of the admin keep to the scope of its lists and change pages.

Staff without the administrator role reach only their scope in the admin
(``ScopedAdmin.get_queryset``); the history of a record outside it must be a
404 too, not a way round the list.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission

from ctportal.access import Role
from reports.models import DonorReport
from tests import factories as f

SECRET = "Narrative-Of-The-Egypt-Project"


def staff(*codenames, **fields):
    user = f.UserFactory(is_staff=True, **fields)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def egypt_report(portfolio, users):
    report = DonorReport.objects.create(
        project=portfolio["p_eg"],
        period_kind="year",
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2021, 12, 31),
        summary=SECRET,
    )
    return report


def history_urls(app, model, pk, history_id):
    return [
        f"/admin/{app}/{model}/{pk}/history/",
        f"/admin/{app}/{model}/{pk}/history/{history_id}/",
    ]


def test_staff_cannot_read_the_history_of_a_report_out_of_scope(client, portfolio, egypt_report):
    officer = staff("view_donorreport", role=Role.PROGRAMME_OFFICER, projects=[portfolio["p_lb"]])
    client.force_login(officer)
    change = client.get(f"/admin/reports/donorreport/{egypt_report.pk}/change/")
    assert change.status_code == 302  # "does not exist" for the change page
    history_id = egypt_report.history.latest().history_id
    for url in history_urls("reports", "donorreport", egypt_report.pk, history_id):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.content.decode()


def test_staff_in_scope_and_administrators_still_read_the_history(
    client, portfolio, users, egypt_report
):
    officer = staff("view_donorreport", role=Role.PROGRAMME_OFFICER, projects=[portfolio["p_eg"]])
    history_id = egypt_report.history.latest().history_id
    for user in (officer, users["admin"]):
        client.force_login(user)
        for url in history_urls("reports", "donorreport", egypt_report.pk, history_id):
            assert client.get(url).status_code == 200, (user, url)


def test_a_case_worker_cannot_read_the_history_of_another_offices_case(client, portfolio, users):
    egypt_case = f.CaseFactory(country_office=portfolio["egypt"], project=portfolio["p_eg"])
    worker = staff(
        "view_case",
        role=Role.CASE_WORKER,
        countries=[portfolio["lebanon"]],
        country_office=portfolio["lebanon"],
    )
    client.force_login(worker)
    history_id = egypt_case.history.latest().history_id
    for url in history_urls("assistance", "case", egypt_case.pk, history_id):
        response = client.get(url)
        assert response.status_code == 404, url
        assert egypt_case.reference not in response.content.decode()


def test_administrators_read_the_history_of_a_deleted_record(client, portfolio, users):
    report = DonorReport.objects.create(
        project=portfolio["p_eg"],
        period_kind="year",
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2022, 12, 31),
    )
    pk = report.pk
    report.delete()
    client.force_login(users["admin"])
    assert client.get(f"/admin/reports/donorreport/{pk}/history/").status_code == 200
