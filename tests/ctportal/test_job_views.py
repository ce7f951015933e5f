"""The "Run again" pages of background jobs (``ctportal.job_views``), per role."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from assistance.models import CTDCExport
from projects import models as pm

PAGES = {
    "portfolio": (pm.PortfolioExport, "projects:export_rerun", "projects:exports"),
    "ctdc": (CTDCExport, "assistance_exports:rerun", "assistance_exports:list"),
}


def export_of(model, owner, *, heartbeat):
    now = timezone.now()
    return model.objects.create(
        requested_by=owner,
        format="csv",
        status=pm.ExportStatus.RUNNING,
        attempt=1,
        sent_at=now,
        started_at=now,
        heartbeat_at=heartbeat,
    )


def silent(settings) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.JOB_STOPPED_AFTER + 1)


@pytest.mark.parametrize("page", PAGES)
def test_nobody_but_the_owner_may_run_an_export_again(client, users, settings, page):
    model, url_name, _ = PAGES[page]
    export = export_of(model, users["analyst"], heartbeat=silent(settings))
    for name, user in users.items():
        if name == "analyst":
            continue
        client.force_login(user)
        response = client.post(reverse(url_name, args=[export.pk]))
        if name == "norole":  # signed out, as everywhere in the portal
            assert response.status_code == 302 and "login" in response.url
        else:
            assert response.status_code == 404, name
    export.refresh_from_db()
    assert (export.attempt, export.status) == (1, pm.ExportStatus.RUNNING)


@pytest.mark.parametrize("page", PAGES)
def test_a_running_export_is_not_run_again_and_the_page_says_why(client, users, page):
    model, url_name, list_name = PAGES[page]
    export = export_of(model, users["analyst"], heartbeat=timezone.now())
    client.force_login(users["analyst"])

    response = client.post(reverse(url_name, args=[export.pk]))

    assert response.status_code == 302 and response.url == reverse(list_name)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    export.refresh_from_db()
    assert export.attempt == 1


@pytest.mark.parametrize("page", PAGES)
def test_run_again_takes_a_post_only(client, users, settings, page):
    model, url_name, _ = PAGES[page]
    export = export_of(model, users["analyst"], heartbeat=silent(settings))
    client.force_login(users["analyst"])

    assert client.get(reverse(url_name, args=[export.pk])).status_code == 405
    export.refresh_from_db()
    assert export.attempt == 1


def test_the_owner_runs_a_stopped_portfolio_export_again(
    client, users, portfolio, settings, django_capture_on_commit_callbacks
):
    export = export_of(pm.PortfolioExport, users["analyst"], heartbeat=silent(settings))
    client.force_login(users["analyst"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:export_rerun", args=[export.pk]))

    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    export.refresh_from_db()
    assert (export.attempt, export.status) == (2, pm.ExportStatus.DONE)
