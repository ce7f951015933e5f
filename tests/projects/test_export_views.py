import io
from unittest import mock

import pytest
from django.urls import reverse
from lxml import etree
from openpyxl import load_workbook

from projects import iati
from projects import models as pm
from tests import factories as f
from tests.conftest import EXPECTED_PAGES as EXPECTED_PROJECTS

SCOPED_USERS = sorted(name for name in EXPECTED_PROJECTS if name != "norole")


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", SCOPED_USERS)
@pytest.mark.parametrize("key", ["p_eg", "p_lb", "p_both"])
def test_project_iati_follows_the_access_policy(client, users, portfolio, name, key):
    project = portfolio[key]

    response = logged_in(client, users[name]).get(reverse("projects:iati", args=[project.pk]))

    if key in EXPECTED_PROJECTS[name]:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/xml")
        assert iati.schema_errors(response.content) == []
        root = etree.fromstring(response.content)  # noqa: S320
        assert [a.findtext("iati-identifier") for a in root] == [project.iati_identifier]
    else:
        assert response.status_code == 404


def test_project_iati_of_unknown_project_is_404(client, users):
    response = logged_in(client, users["admin"]).get(reverse("projects:iati", args=[999999]))

    assert response.status_code == 404


def test_iati_pages_need_a_login(client, portfolio):
    for url in (reverse("projects:iati", args=[portfolio["p_eg"].pk]), "/projects/iati.xml"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", SCOPED_USERS)
def test_portfolio_iati_holds_the_users_projects(client, users, portfolio, name):
    response = logged_in(client, users[name]).get(reverse("projects:portfolio_iati"))

    if name == "case_worker_lb":
        assert response.status_code == 404, "case workers use no project pages"
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content)  # noqa: S320
    assert {a.findtext("iati-identifier") for a in root} == {
        portfolio[key].iati_identifier for key in EXPECTED_PROJECTS[name]
    }


def test_exports_page_lists_own_exports_with_status(client, users):
    owner = users["analyst"]
    pm.PortfolioExport.objects.create(requested_by=owner, format="csv")
    pm.PortfolioExport.objects.create(
        requested_by=owner, format="iati", status=pm.ExportStatus.FAILED, error="RuntimeError"
    )
    pm.PortfolioExport.objects.create(requested_by=users["admin"], format="xlsx")

    response = logged_in(client, owner).get(reverse("projects:exports"))

    assert response.status_code == 200
    assert [e.format for e in response.context["exports"]] == ["iati", "csv"]
    page = response.content.decode()
    assert "Pending" in page
    assert "Failed" in page
    assert "Excel (XLSX)" not in page.split("<table>")[1]
    assert "/download/" not in page


def test_exports_page_costs_a_fixed_number_of_queries(client, users, django_assert_max_num_queries):
    owner = users["analyst"]
    for _ in range(10):
        pm.PortfolioExport.objects.create(requested_by=owner, format="csv")
    client = logged_in(client, owner)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("projects:exports"))

    assert len(response.context["exports"]) == 10


@pytest.mark.parametrize(
    ("fmt", "parse"),
    [
        ("csv", lambda body: len(body.decode("utf-8-sig").splitlines()) - 1),
        ("xlsx", lambda body: load_workbook(io.BytesIO(body)).active.max_row - 1),
        ("iati", lambda body: len(etree.fromstring(body))),  # noqa: S320
    ],
)
def test_requested_export_becomes_a_download_for_its_owner_only(
    client, users, portfolio, django_capture_on_commit_callbacks, fmt, parse
):
    owner = users["officer_eg"]
    client = logged_in(client, owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:exports"), {"format": fmt})

    assert response.status_code == 302
    export = pm.PortfolioExport.objects.get(requested_by=owner)
    assert export.status == pm.ExportStatus.DONE
    page = client.get(reverse("projects:exports")).content.decode()
    download = reverse("projects:export_download", args=[export.pk])
    assert download in page

    response = client.get(download)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert parse(b"".join(response.streaming_content)) == 2

    for other in ("officer_lb_project", "admin", "donor_a"):
        client.force_login(users[other])
        assert client.get(download).status_code == 404


def test_unfinished_export_is_not_downloadable(client, users):
    export = pm.PortfolioExport.objects.create(requested_by=users["me"], format="csv")

    response = logged_in(client, users["me"]).get(
        reverse("projects:export_download", args=[export.pk])
    )

    assert response.status_code == 404


def test_failed_build_is_shown_on_the_page(
    client, users, portfolio, django_capture_on_commit_callbacks
):
    client = logged_in(client, users["me"])

    with (
        mock.patch("projects.exports.write_portfolio", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("projects:exports"), {"format": "iati"})

    export = pm.PortfolioExport.objects.get(requested_by=users["me"])
    assert export.status == pm.ExportStatus.FAILED
    response = client.get(reverse("projects:exports"))
    assert "Failed" in response.content.decode()
    assert reverse("projects:export_download", args=[export.pk]) not in response.content.decode()


def test_failure_while_building_in_the_request_is_not_a_server_error(client, users, portfolio):
    client = logged_in(client, users["me"])

    with mock.patch(
        "projects.export_views.portfolio_export_request", side_effect=RuntimeError("boom")
    ):
        response = client.post(reverse("projects:exports"), {"format": "csv"}, follow=True)

    assert response.status_code == 200
    assert "could not be built" in response.content.decode()


def test_unknown_format_gets_a_field_error_and_writes_nothing(client, users):
    response = logged_in(client, users["admin"]).post(
        reverse("projects:exports"), {"format": "pdf"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["format"]
    assert not pm.PortfolioExport.objects.exists()


def test_user_without_role_is_sent_to_login(client, users):
    response = logged_in(client, users["norole"]).post(
        reverse("projects:exports"), {"format": "csv"}
    )

    assert response.status_code == 302
    assert not pm.PortfolioExport.objects.exists()


@pytest.mark.django_db
def test_document_file_links_use_the_request_host(client):
    admin = f.UserFactory(role="administrator")
    project = f.ProjectFactory()
    f.DocumentFactory(project=project, url="https://example.org/brief.docx", is_public=True)

    response = logged_in(client, admin).get(reverse("projects:iati", args=[project.pk]))

    link = etree.fromstring(response.content).find("iati-activity/document-link")  # noqa: S320
    assert link.get("format") == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


# Check IATI file ----------------------------------------------------------------

CHECKERS = {"officer_eg", "officer_lb_project", "admin"}


@pytest.mark.parametrize("name", SCOPED_USERS)
@pytest.mark.parametrize("key", ["p_eg", "p_lb"])
def test_project_iati_check_follows_the_access_policy(client, users, portfolio, name, key):
    url = reverse("projects:iati_check", args=[portfolio[key].pk])

    response = logged_in(client, users[name]).get(url)

    if key not in EXPECTED_PROJECTS[name]:
        assert response.status_code == 404
    elif name in CHECKERS:
        assert response.status_code == 200
        assert response.context["activity_count"] == 1
        assert response.context["findings"] == []
        assert "No problems" in response.content.decode()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("name", SCOPED_USERS)
def test_portfolio_iati_check_is_for_officers_and_administrators(client, users, portfolio, name):
    response = logged_in(client, users[name]).get(reverse("projects:portfolio_iati_check"))

    if name in CHECKERS:
        assert response.status_code == 200
        assert response.context["activity_count"] == len(EXPECTED_PROJECTS[name])
    else:
        assert response.status_code == (404 if name == "case_worker_lb" else 403)


def test_iati_check_pages_need_a_login(client, portfolio):
    for url in (
        reverse("projects:iati_check", args=[portfolio["p_eg"].pk]),
        reverse("projects:portfolio_iati_check"),
    ):
        assert client.get(url).status_code == 302


def test_iati_check_lists_a_project_without_recipient_country(client, users, portfolio):
    project = f.ProjectFactory(code="CT.NOWHERE")
    users["admin"].projects.add(project)

    response = logged_in(client, users["admin"]).get(
        reverse("projects:iati_check", args=[project.pk])
    )

    findings = response.context["findings"]
    assert [(x.activity, x.rule, x.severity) for x in findings] == [
        (project.iati_identifier, "iati-activity/only_one_of/1", "error")
    ]
    page = response.content.decode()
    assert "1 error(s), 0 warning(s)." in page
    assert "recipient-country" in page


def test_portfolio_iati_check_costs_a_fixed_number_of_queries(
    client, users, portfolio, django_assert_max_num_queries
):
    for _ in range(4):
        project = f.ProjectFactory()
        f.RecipientCountryFactory(project=project, country=portfolio["egypt"])
        f.TransactionFactory(project=project)
        f.DocumentFactory(project=project, is_public=True)
        f.IndicatorPeriodFactory(
            indicator=f.IndicatorFactory(result=f.ResultFactory(project=project))
        )
    logged_in(client, users["admin"])

    with django_assert_max_num_queries(25):
        response = client.get(reverse("projects:portfolio_iati_check"))

    assert response.context["activity_count"] == 7
    assert response.context["error_count"] == 0
