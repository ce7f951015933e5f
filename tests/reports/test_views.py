import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import DonorReport

# Case workers and analysts do not use donor reports (tests/ctportal/test_navigation.py).
SEES_ALL = ["officer_lb_project", "me", "admin"]
SEES_NONE = ["officer_eg", "donor_a"]
EDITORS = ["officer_lb_project", "admin"]
NOT_EDITORS = ["me", "donor_b"]
# Who sees a draft of the Lebanon project without being allowed to change it.
SEE_BUT_NOT_EDIT = ["me"]


@pytest.fixture
def as_user(client, users):
    def login(name):
        client.force_login(users[name])
        return client

    return login


@pytest.fixture
def built(make_report, django_capture_on_commit_callbacks, users):
    """A finished report of the Lebanon project, built through the service."""
    from reports.services import report_generate

    report = make_report()
    with django_capture_on_commit_callbacks(execute=True):
        report_generate(user=users["admin"], report=report)
    report.refresh_from_db()
    assert report.status == "done"
    return report


def detail(report):
    return reverse("reports:detail", args=[report.pk])


# The list


@pytest.mark.parametrize("name", SEES_ALL)
def test_officers_list_every_report_of_their_projects_with_status(as_user, make_report, name):
    make_report("en")
    make_report("fr", status="failed")
    make_report("ar", status="running", progress=40)

    response = as_user(name).get(reverse("reports:list"))

    assert response.status_code == 200
    assert len(response.context["reports"]) == 3
    assert b"report-failed" in response.content
    assert b'<svg class="progress"' in response.content


def test_donors_list_only_finished_reports_of_their_projects(as_user, make_report, built):
    make_report("fr", status="failed")

    response = as_user("donor_b").get(reverse("reports:list"))

    assert [r.pk for r in response.context["reports"]] == [built.pk]
    assert reverse("reports:file", args=[built.pk, "pdf"]).encode() in response.content
    assert b"report-failed" not in response.content
    assert as_user("donor_a").get(reverse("reports:list")).context["reports"].__len__() == 0


def test_list_of_one_project_and_unknown_projects(as_user, make_report, portfolio):
    make_report()
    client = as_user("officer_lb_project")

    response = client.get(reverse("reports:list"), {"project": portfolio["p_lb"].pk})
    assert response.status_code == 200
    assert response.context["project"] == portfolio["p_lb"]
    assert response.context["can_create"]
    assert client.get(reverse("reports:list"), {"project": portfolio["p_eg"].pk}).status_code == 404
    assert client.get(reverse("reports:list"), {"project": "x"}).status_code == 404


def test_list_costs_the_same_queries_for_more_reports(as_user, make_report):
    client = as_user("admin")
    make_report("en")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:list"))
    for language in ("ar", "fr"):
        make_report(language)
    make_report("en", scheduled=True)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("reports:list"))

    assert len(response.context["reports"]) == 4
    assert len(many) == len(few)


def test_no_role_sees_no_reports(as_user):
    response = as_user("norole").get(reverse("reports:list"))

    assert response.status_code == 302


# A new report


@pytest.mark.parametrize("name", EDITORS)
def test_editors_get_the_form_with_the_project_periods(as_user, portfolio, name):
    response = as_user(name).get(reverse("reports:create"), {"project": portfolio["p_lb"].pk})

    assert response.status_code == 200
    assert b'<datalist id="report-periods">' in response.content
    assert b'<option value="2021-Q3">' in response.content
    assert response.context["form"]["project"].value() == portfolio["p_lb"].pk


@pytest.mark.parametrize("name", SEE_BUT_NOT_EDIT)
def test_others_may_not_open_the_form(as_user, portfolio, name):
    client = as_user(name)

    assert client.get(reverse("reports:create")).status_code == 403
    response = client.post(reverse("reports:create"), {"project": portfolio["p_lb"].pk})
    assert response.status_code == 403
    assert not DonorReport.objects.exists()


def test_a_project_out_of_scope_is_not_found(as_user, portfolio):
    client = as_user("officer_lb_project")

    response = client.get(reverse("reports:create"), {"project": portfolio["p_eg"].pk})

    assert response.status_code == 404


def test_creating_a_report(as_user, portfolio):
    response = as_user("officer_lb_project").post(
        reverse("reports:create"),
        {
            "project": portfolio["p_lb"].pk,
            "period_kind": "quarter",
            "period": "2021-Q3",
            "language": "ar",
            "summary": "Progress in Beirut.",
            "challenges": "",
            "next_steps": "",
        },
    )

    report = DonorReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(report)
    assert (report.language, report.period_start, report.summary, report.status) == (
        "ar",
        datetime.date(2021, 7, 1),
        "Progress in Beirut.",
        "draft",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period": "2021-Q9"}, "period"),
        ({"period": "2035"}, "period"),
        ({"period_kind": "month"}, "period_kind"),
        ({"language": "de"}, "language"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_saves_nothing(as_user, portfolio, changes, field):
    data = {
        "project": portfolio["p_lb"].pk,
        "period_kind": "year",
        "period": "2021",
        "language": "en",
    }

    response = as_user("admin").post(reverse("reports:create"), {**data, **changes})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not DonorReport.objects.exists()


def test_a_project_the_officer_cannot_edit_is_not_a_choice(as_user, portfolio):
    response = as_user("officer_lb_project").post(
        reverse("reports:create"),
        {
            "project": portfolio["p_eg"].pk,
            "period_kind": "year",
            "period": "2021",
            "language": "en",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["project"]


def test_a_repeated_period_is_a_form_error(as_user, make_report, portfolio):
    make_report()

    response = as_user("admin").post(
        reverse("reports:create"),
        {
            "project": portfolio["p_lb"].pk,
            "period_kind": "quarter",
            "period": "2021-Q3",
            "language": "en",
        },
    )

    assert response.status_code == 400
    assert "already has a report" in response.context["form"].errors["period"][0]
    assert DonorReport.objects.count() == 1


# A report


@pytest.mark.parametrize("name", SEES_ALL)
def test_a_draft_is_open_to_the_project_team(as_user, make_report, name):
    report = make_report()

    response = as_user(name).get(detail(report))

    assert response.status_code == 200
    assert (response.context["form"] is not None) == (name in EDITORS)
    assert b"Labour inspectors were trained in Beirut." in response.content


@pytest.mark.parametrize("name", [*SEES_NONE, "donor_b"])
def test_a_draft_is_not_found_for_others(as_user, make_report, name):
    report = make_report()

    assert as_user(name).get(detail(report)).status_code == 404
    assert as_user(name).get(reverse("reports:status", args=[report.pk])).status_code == 404


def test_the_donor_opens_a_finished_report(as_user, built):
    response = as_user("donor_b").get(detail(built))

    assert response.status_code == 200
    assert response.context["form"] is None
    assert reverse("reports:file", args=[built.pk, "xlsx"]).encode() in response.content
    assert b"Requested by" not in response.content
    assert b"Generate again" not in response.content


def test_saving_the_narrative(as_user, make_report):
    report = make_report()

    response = as_user("officer_lb_project").post(
        detail(report),
        {"version": 1, "summary": "Updated", "challenges": "None", "next_steps": "Continue"},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.summary, report.challenges, report.version) == ("Updated", "None", 2)


def test_a_stale_narrative_is_a_conflict_and_saves_nothing(as_user, make_report):
    report = make_report()
    client = as_user("officer_lb_project")
    client.post(detail(report), {"version": 1, "summary": "First"})

    response = client.post(detail(report), {"version": 1, "summary": "Second"})

    assert response.status_code == 409
    assert b"Someone else saved this narrative" in response.content
    report.refresh_from_db()
    assert (report.summary, report.version) == ("First", 2)


def test_a_narrative_without_version_is_a_form_error(as_user, make_report):
    report = make_report()

    response = as_user("admin").post(detail(report), {"summary": "x"})

    assert response.status_code == 400
    assert response.context["form"].errors["version"]


@pytest.mark.parametrize("name", SEE_BUT_NOT_EDIT)
def test_others_may_not_change_the_narrative(as_user, make_report, name):
    report = make_report()

    response = as_user(name).post(detail(report), {"version": 1, "summary": "x"})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.version == 1


# Generating


# Committed for real, as in a request: without a broker the task runs right after the commit.
@pytest.mark.django_db(transaction=True)
def test_generating_builds_the_files(as_user, make_report):
    report = make_report()
    client = as_user("officer_lb_project")

    response = client.post(reverse("reports:generate", args=[report.pk]), follow=True)

    report.refresh_from_db()
    assert report.status == "done"
    assert b"The report is ready to download." in response.content
    assert b"Download the PDF" in response.content


def test_a_queued_report_shows_its_progress(as_user, make_report):
    report = make_report(status="running", step="pdf", progress=70)

    response = as_user("officer_lb_project").get(detail(report))

    status_url = reverse("reports:status", args=[report.pk]).encode()
    assert b'data-import-status="' + status_url + b'"' in response.content
    assert b'<progress max="100" value="70">' in response.content
    assert b"Writing the PDF" in response.content
    assert b"js/import_progress.js" in response.content
    assert b"<script>" not in response.content
    assert response.context["form"] is not None and b"Save the narrative" not in response.content


def test_the_status_follows_the_build(as_user, make_report):
    report = make_report(status="running", step="spreadsheet", progress=60)
    client = as_user("donor_b")
    assert client.get(reverse("reports:status", args=[report.pk])).status_code == 404

    data = as_user("me").get(reverse("reports:status", args=[report.pk])).json()

    assert data == {
        "id": report.pk,
        "status": "running",
        "label": "Writing the spreadsheet",
        "progress": 60,
        "finished": False,
    }


@pytest.mark.django_db(transaction=True)
def test_a_failed_build_is_shown_on_the_page(as_user, make_report, monkeypatch):
    import reports.xlsx

    def broken(content):
        raise ValueError("Sheet title too long")

    monkeypatch.setattr(reports.xlsx, "render_xlsx", broken)
    report = make_report()
    client = as_user("admin")

    response = client.post(reverse("reports:generate", args=[report.pk]), follow=True)

    report.refresh_from_db()
    assert report.status == "failed"
    assert b"The report could not be generated." in response.content
    assert b"Reason: ValueError: Sheet title too long" in response.content
    assert b"Generate again" in response.content


def test_generating_twice_is_refused(as_user, make_report):
    report = make_report(status="queued")

    response = as_user("admin").post(reverse("reports:generate", args=[report.pk]), follow=True)

    assert b"already being generated" in response.content
    report.refresh_from_db()
    assert report.status == "queued"


@pytest.mark.parametrize("name", SEE_BUT_NOT_EDIT)
def test_others_may_not_generate(as_user, make_report, name):
    report = make_report()

    assert as_user(name).post(reverse("reports:generate", args=[report.pk])).status_code == 403
    assert (
        as_user("officer_eg").post(reverse("reports:generate", args=[report.pk])).status_code == 404
    )
    assert as_user(name).get(reverse("reports:generate", args=[report.pk])).status_code == 405
    report.refresh_from_db()
    assert report.status == "draft"


# Files


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("pdf", "application/pdf", b"%PDF-"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ],
)
def test_donors_download_the_files(as_user, built, fmt, content_type, magic):
    response = as_user("donor_b").get(reverse("reports:file", args=[built.pk, fmt]))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment" in response["Content-Disposition"]
    assert f".{fmt}" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(magic)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["donor_a", "officer_eg", "norole"])
def test_files_are_not_found_outside_the_scope(as_user, built, name):
    response = as_user(name).get(reverse("reports:file", args=[built.pk, "pdf"]))

    # Without a role the portal signs the user out before any page.
    assert response.status_code == (302 if name == "norole" else 404)


def test_files_of_an_unfinished_report_or_format_are_not_found(as_user, make_report, built):
    client = as_user("admin")
    draft = make_report("fr")

    assert client.get(reverse("reports:file", args=[draft.pk, "pdf"])).status_code == 404
    assert client.get(reverse("reports:file", args=[built.pk, "docx"])).status_code == 404


def test_the_project_page_links_to_its_reports(as_user, portfolio):
    project = portfolio["p_lb"]

    response = as_user("donor_b").get(reverse("projects:detail", args=[project.pk]))

    assert f"{reverse('reports:list')}?project={project.pk}".encode() in response.content


def test_the_menu_has_the_reports(as_user):
    response = as_user("me").get(reverse("reports:list"))

    assert b'href="/reports/" aria-current="page"' in response.content
