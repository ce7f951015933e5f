"""No victim identity reaches anyone but the case workers of the case's country office.

One Lebanon case carries an identity and a note made of distinctive strings.
Every role then walks every place a case shows up (pages, API, exports,
admin and its history, figures, error reports) and no response may hold
any of those strings, except the identity views of a verified case worker
of the Lebanon office, which must (so the check can tell a leak from a miss).
"""

import contextlib
import datetime
import logging
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter
from django_otp import DEVICE_ID_SESSION_KEY
from openpyxl import load_workbook

from assistance import care_services, services
from assistance.ctdc import ctdc_release_publish
from assistance.export_services import ctdc_export_request
from reports.models import DonorReport
from reports.services import report_build
from tests import factories as f

SECRETS = (
    "Zahra-Matrix-Given",
    "Qasimova-Matrix-Family",
    "+961-70-MATRIX",
    "matrix.victim@example.org",
    "Hamra-Street-Matrix-7",
    "Passport-MX-4412",
    "Note-Matrix-Secret",
)
NOTE = SECRETS[-1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ROLES = [
    "admin",
    "me",
    "officer_eg",
    "officer_lb_project",
    "donor_a",
    "donor_b",
    "analyst",
    "norole",
    "cw_lb",
    "cw_eg",
    "cw_lb_unverified",
    "anonymous",
]
# Who may read the identity of the Lebanon case.
IDENTITY_READERS = {"cw_lb"}


@pytest.fixture
def world(users, portfolio, case_workers, cases, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lb, worker = cases["lb"], case_workers["lb"]
    services.identity_save(
        user=worker,
        case=lb,
        data={
            "given_name": SECRETS[0],
            "family_name": SECRETS[1],
            "phone": SECRETS[2],
            "email": SECRETS[3],
            "address": SECRETS[4],
            "documents": SECRETS[5],
            "date_of_birth": birth_for(lb),
        },
    )
    care_services.note_add(
        user=worker,
        case=lb,
        text=SECRETS[6],
        attachment=SimpleUploadedFile("passport.pdf", PDF),
        attachment_title="Scan",
    )
    # Enough consenting look-alike cases for the anonymised export to hold rows.
    for _ in range(12):
        f.CaseFactory(
            country_office=portfolio["lebanon"],
            project=portfolio["p_lb"],
            registered_by=worker,
            sex=lb.sex,
            age_at_identification=lb.age_at_identification,
            citizenship=lb.citizenship,
            country_of_exploitation=lb.country_of_exploitation,
            identification_date=lb.identification_date,
            consent_share_data=True,
            consent_date=lb.identification_date,
        )
    lb.consent_share_data, lb.consent_date = True, lb.consent_date or lb.identification_date
    lb.save()
    dashboard = f.DashboardFactory(slug="cases-everywhere", title_en="Cases")
    widgets = [
        f.WidgetFactory(
            dashboard=dashboard, kind="bar", metric="cases_identified", dimension="sex"
        ),
        f.WidgetFactory(
            dashboard=dashboard, kind="table", metric="services_delivered", dimension="service_kind"
        ),
    ]
    report = DonorReport.objects.create(
        project=lb.project,
        period_kind="whole",
        period_start=lb.project.planned_start,
        period_end=lb.project.planned_end,
        language="en",
        requested_by=world_admin(users),
        summary="Shelter places were added.",
    )
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "done", report.error
    people = {
        **{role: users[role] for role in ROLES if role in users},
        "cw_lb": worker,
        "cw_eg": case_workers["eg"],
        "cw_lb_unverified": case_workers["lb"],
        "anonymous": None,
    }
    note = lb.notes.get()
    return {
        "case": lb,
        "note": note,
        "people": people,
        "dashboard": dashboard,
        "widgets": widgets,
        "report": report,
    }


def world_admin(users):
    return users["admin"]


def birth_for(case) -> datetime.date:
    day = case.identification_date
    age = case.age_at_identification or 30
    return day.replace(year=day.year - age, day=min(day.day, 28)) - datetime.timedelta(days=3)


def client_for(client, world, role):
    user = world["people"][role]
    if user is not None:
        client.force_login(user)
        if role == "cw_lb_unverified":
            session = client.session
            session.pop(DEVICE_ID_SESSION_KEY, None)
            session.save()
    return client


def body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def page_urls(world) -> list[tuple[str, str]]:
    case, note = world["case"], world["note"]
    return [
        ("get", reverse("assistance:cases")),
        ("get", reverse("assistance:cases") + "?follow_up=1"),
        ("get", reverse("assistance:case", args=[case.pk])),
        ("get", reverse("assistance:case_edit", args=[case.pk])),
        ("get", reverse("assistance:figures")),
        ("get", reverse("assistance:shelters")),
        ("get", reverse("assistance_exports:list")),
        ("get", reverse("assistance:note_attachment", args=[case.pk, note.pk])),
        ("get", reverse("projects:detail", args=[case.project_id])),
        ("get", reverse("projects:dashboard", args=[case.project_id])),
        ("get", reverse("projects:portfolio_dashboard")),
        ("get", reverse("admin:assistance_case_changelist")),
        ("get", reverse("admin:assistance_case_change", args=[case.pk])),
        ("get", reverse("admin:assistance_case_history", args=[case.pk])),
        ("get", reverse("admin:assistance_identityaccess_changelist")),
        ("get", "/api/v1/assistance/cases/"),
        ("get", "/api/v1/assistance/cases/?format=csv"),
        ("get", f"/api/v1/assistance/cases/{case.pk}/"),
        ("get", "/api/v1/assistance/notes/"),
        ("get", "/api/v1/assistance/services/"),
        ("get", "/api/v1/assistance/referrals/"),
        ("get", "/api/v1/assistance/figures/"),
        ("get", "/api/v1/assistance/ctdc/records/"),
        ("get", "/api/v1/assistance/ctdc/records/?format=csv"),
        ("get", "/api/v1/metrics/cases_identified/data/?dimensions=sex"),
        ("get", "/api/v1/metrics/cases_identified/data/?dimensions=exploitation_type&format=csv"),
        ("get", "/api/v1/metrics/services_delivered/data/?dimensions=service_kind"),
        ("get", "/api/v1/assistance/stays/"),
        ("get", "/api/v1/assistance/shelters/"),
        ("get", "/api/v1/assistance/ctdc/exports/"),
        ("get", reverse("dashboards:list")),
        ("get", reverse("dashboards:detail", args=[world["dashboard"].slug])),
        *[
            ("get", reverse("dashboards:widget_csv", args=[world["dashboard"].slug, w.pk]))
            for w in world["widgets"]
        ],
        ("get", reverse("reports:list")),
        ("get", reverse("reports:detail", args=[world["report"].pk])),
        ("get", reverse("reports:file", args=[world["report"].pk, "xlsx"])),
        ("get", reverse("reports:file", args=[world["report"].pk, "pdf"])),
        ("get", "/api/schema/"),
        ("get", "/assistance/cases/999999/"),
    ]


def identity_urls(world) -> list[tuple[str, str]]:
    case = world["case"]
    return [
        ("post", reverse("assistance:identity", args=[case.pk])),
        ("get", reverse("assistance:identity_edit", args=[case.pk])),
        ("get", f"/api/v1/assistance/cases/{case.pk}/identity/"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_api_or_admin_view_shows_an_identity(client, world, role, caplog):
    client = client_for(client, world, role)
    caplog.set_level(logging.DEBUG)
    for method, url in page_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code < 500, (role, url)
        found = leaked(body(response))
        if role in IDENTITY_READERS:
            # Their notes are theirs to read; the identity only behind its own button.
            found = [secret for secret in found if secret != NOTE]
        assert not found, (role, url, found)
    # Nor anything logged on the way, whatever the level.
    assert not leaked(caplog.text), leaked(caplog.text)


@pytest.mark.parametrize("role", ROLES)
def test_identity_views_answer_only_the_office_case_worker(client, world, role):
    client = client_for(client, world, role)
    for method, url in identity_urls(world):
        response = getattr(client, method)(url)
        if role in IDENTITY_READERS:
            assert response.status_code == 200, url
            assert SECRETS[0] in body(response) and SECRETS[5] in body(response), url
        else:
            assert response.status_code in (302, 401, 403, 404), (role, url)
            assert response.status_code != 200
            assert not leaked(body(response)), (role, url)


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"cw_lb", "admin", "anonymous"}))
def test_the_case_is_404_to_everyone_outside_its_office(client, world, role):
    client = client_for(client, world, role)
    case = world["case"]
    for url in (
        reverse("assistance:case", args=[case.pk]),
        f"/api/v1/assistance/cases/{case.pk}/",
        reverse("assistance:note_attachment", args=[case.pk, world["note"].pk]),
    ):
        response = client.get(url)
        # An unverified case worker is sent to the second factor first, and a user with no
        # role to the page saying so, whatever the URL.
        if role in ("cw_lb_unverified", "norole"):
            expected = {401, 403} if "/api/" in url else {302}
        else:
            expected = {404}
        assert response.status_code in expected, (role, url, response.status_code)


@pytest.mark.parametrize("role", ["admin", "donor_b", "analyst"])
def test_the_walk_reaches_dashboards_and_reports(client, world, role):
    """The places walked above are really served, so an empty answer cannot pass for safe."""
    client = client_for(client, world, role)
    dashboard = client.get(reverse("dashboards:detail", args=[world["dashboard"].slug]))
    assert dashboard.status_code == 200
    report = client.get(reverse("reports:file", args=[world["report"].pk, "pdf"]))
    # Analysts read the API, not donor reports: that section answers them 404.
    assert report.status_code == (404 if role == "analyst" else 200)


def test_the_note_attachment_reaches_the_office_case_worker(client, world):
    client = client_for(client, world, "cw_lb")
    case, note = world["case"], world["note"]
    response = client.get(reverse("assistance:note_attachment", args=[case.pk, note.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    "role", ["admin", "me", "officer_eg", "donor_b", "analyst", "cw_lb", "cw_eg"]
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_anonymised_exports_hold_no_identity(world, role, fmt, django_capture_on_commit_callbacks):
    user = world["people"][role]
    if role.startswith("cw_"):
        user = f.verified(user)
    ctdc_release_publish()
    with django_capture_on_commit_callbacks(execute=True):
        export = ctdc_export_request(user=user, fmt=fmt)
    export.refresh_from_db()
    assert export.status == "done", export.error
    with export.file.open("rb") as handle:
        content = handle.read()
    if fmt == "xlsx":
        import io

        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        text = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    else:
        text = content.decode("utf-8-sig")
    assert not leaked(text)
    assert world["case"].reference not in text


def test_case_history_holds_no_identity(world):
    history = world["case"].history.all()
    assert history.exists()
    for record in history.values():
        assert not leaked(" ".join(str(v) for v in record.values()))


def test_error_reports_hide_posted_identity_fields(world):
    """What Django would mail or log for a crash while saving an identity."""
    from assistance import views

    case = world["case"]
    request = RequestFactory().post(
        reverse("assistance:identity_edit", args=[case.pk]),
        {"given_name": SECRETS[0], "documents": SECRETS[5], "version": "1"},
    )
    request.user = f.verified(world["people"]["cw_lb"])
    # The decorator marks the request on the way in; what the view then does is not the point.
    with contextlib.suppress(Exception):
        views.identity_edit(request, case.pk)
    assert request.sensitive_post_parameters == "__ALL__"
    try:
        raise RuntimeError("crash while saving")
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert "crash while saving" in report
    assert not leaked(report)
