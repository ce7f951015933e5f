"""Email notifications: each event mailed once per person, in their language, as they chose."""

import datetime
from smtplib import SMTPException

import pytest
from django.core.mail import EmailMessage

from ctportal.access import Role
from notifications import announcements, services
from notifications.kinds import NotificationKind
from notifications.models import MailPreferences, Notification
from projects.models import PortfolioExport
from tests import factories as f


@pytest.fixture
def officer(db):
    return f.UserFactory(role=Role.PROGRAMME_OFFICER, email="officer@example.org")


def finish(job, django_capture_on_commit_callbacks, **kwargs):
    from ctportal.jobs import job_finish

    with django_capture_on_commit_callbacks(execute=True):
        job_finish(job, **kwargs)


def test_a_finished_export_is_mailed_once_to_who_asked_for_it(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    export = PortfolioExport.objects.create(requested_by=officer, format="csv")

    finish(export, django_capture_on_commit_callbacks)
    # Announced again (a late duplicate delivery, a second receiver): nothing more goes out.
    with django_capture_on_commit_callbacks(execute=True):
        announcements.job_ended_announce(export)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["officer@example.org"]
    assert "ready" in message.subject
    assert f"#{export.pk}" in message.subject
    assert "http://127.0.0.1:8000/projects/exports/" in message.body
    assert message.extra_headers["Message-ID"] == (
        f"<notification-{Notification.objects.get().pk}@ctportal>"
    )
    assert Notification.objects.get().sent_at is not None


def test_a_failed_job_says_so_and_a_new_attempt_is_a_new_event(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    export = PortfolioExport.objects.create(requested_by=officer, format="csv")

    finish(export, django_capture_on_commit_callbacks, status="failed", error="disk full")
    export.attempt += 1
    export.save(update_fields=["attempt"])
    finish(export, django_capture_on_commit_callbacks)

    assert [("failed" in m.subject, "ready" in m.subject) for m in mailoutbox] == [
        (True, False),
        (False, True),
    ]
    assert "disk full" not in mailoutbox[0].body


def test_a_kind_turned_off_is_not_recorded_nor_sent(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    services.preferences_save(user=officer, language="", muted=[NotificationKind.JOB_ENDED])
    export = PortfolioExport.objects.create(requested_by=officer, format="csv")

    finish(export, django_capture_on_commit_callbacks)

    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_messages_are_written_in_the_recipients_language(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    services.preferences_save(user=officer, language="fr", muted=[])
    export = PortfolioExport.objects.create(requested_by=officer, format="csv")

    finish(export, django_capture_on_commit_callbacks)

    assert mailoutbox[0].extra_headers["Content-Language"] == "fr"


def test_the_language_of_the_last_sign_in_is_used_unless_one_was_chosen(officer):
    services.language_remember(user=officer, language="ar")
    assert services.language_of(officer) == "ar"

    services.preferences_save(user=officer, language="fr", muted=[])
    services.language_remember(user=officer, language="en")
    assert services.language_of(officer) == "fr"


def test_a_failed_send_is_recorded_and_the_retry_sends_it_once(
    officer, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    export = PortfolioExport.objects.create(requested_by=officer, format="csv")
    with django_capture_on_commit_callbacks(execute=False):
        [notification] = announcements.job_ended_announce(export) and Notification.objects.all()
    real_send = EmailMessage.send

    def refuse(self, fail_silently=False):
        raise SMTPException("451 try again later")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(SMTPException):
        services.notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.sent_at, notification.attempts) == (None, 1)
    assert "451" in notification.error

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert services.notification_send(notification_id=notification.pk) is True
    assert services.notification_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.error == ""
    assert len(mailoutbox) == 1


def test_nobody_without_an_address_or_deactivated_since_is_mailed(
    mailoutbox, django_capture_on_commit_callbacks, db
):
    no_address = f.UserFactory(role=Role.PROGRAMME_OFFICER, email="")
    leaving = f.UserFactory(role=Role.PROGRAMME_OFFICER, email="leaving@example.org")
    for user in (no_address, leaving):
        export = PortfolioExport.objects.create(requested_by=user, format="csv")
        with django_capture_on_commit_callbacks(execute=False):
            announcements.job_ended_announce(export)
    leaving.is_active = False
    leaving.save()

    [notification] = Notification.objects.all()
    assert services.notification_send(notification_id=notification.pk) is False
    assert mailoutbox == []


def test_the_sweeper_queues_what_the_broker_missed(officer, mailoutbox, monkeypatch):
    from notifications import tasks

    export = PortfolioExport.objects.create(requested_by=officer, format="csv")
    old = Notification.objects.create(
        kind=NotificationKind.JOB_ENDED,
        key="projects.portfolioexport:1:1",
        user=officer,
        context={"what": "portfolio export", "reference": f"#{export.pk}", "url": "/"},
    )
    Notification.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(minutes=10)
    )

    assert tasks.send_waiting_notifications.delay().get() == 1
    assert len(mailoutbox) == 1
    assert tasks.send_waiting_notifications.delay().get() == 0


def test_a_report_is_announced_to_the_donors_of_the_project_only(
    portfolio, mailoutbox, django_capture_on_commit_callbacks
):
    from reports.models import DonorReport

    donor_a = f.UserFactory(
        role=Role.DONOR, organisation=portfolio["donor_a"], email="a@donor.example"
    )
    f.UserFactory(role=Role.DONOR, organisation=portfolio["donor_b"], email="b@donor.example")
    requester = f.UserFactory(role=Role.PROGRAMME_OFFICER, email="officer@example.org")
    report = DonorReport.objects.create(
        project=portfolio["p_eg"],
        period_kind="year",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        status="running",
        requested_by=requester,
    )

    finish(report, django_capture_on_commit_callbacks)

    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == ["a@donor.example", "officer@example.org"]
    to_donor = next(m for m in mailoutbox if m.to == [donor_a.email])
    assert portfolio["p_eg"].code in to_donor.subject
    assert f"/reports/{report.pk}/" in to_donor.body


def test_the_case_digest_names_cases_by_reference_only_once_a_week(
    portfolio, mailoutbox, django_capture_on_commit_callbacks
):
    from assistance import services as case_services

    lebanon = portfolio["lebanon"]
    worker = f.verified(
        f.UserFactory(
            role=Role.CASE_WORKER,
            countries=[lebanon],
            country_office=lebanon,
            email="case@example.org",
        )
    )
    other_office = f.UserFactory(
        role=Role.CASE_WORKER,
        countries=[portfolio["egypt"]],
        country_office=portfolio["egypt"],
        email="egypt@example.org",
    )
    quiet = f.CaseFactory(
        country_office=lebanon,
        project=portfolio["p_lb"],
        registered_by=worker,
        identification_date=datetime.date(2024, 1, 5),
    )
    elsewhere = f.CaseFactory(
        country_office=portfolio["egypt"],
        project=portfolio["p_eg"],
        identification_date=datetime.date(2024, 1, 5),
    )
    case_services.identity_save(
        user=worker,
        case=quiet,
        data={"given_name": "Amira", "family_name": "Haddad-Digest"},
        expected_version=None,
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = announcements.case_digests_announce(datetime.date(2026, 12, 7))
    with django_capture_on_commit_callbacks(execute=True):
        again = announcements.case_digests_announce(datetime.date(2026, 12, 9))

    assert (first, again) == (2, 0)
    [message] = [m for m in mailoutbox if m.to == ["case@example.org"]]
    assert elsewhere.reference not in message.body
    assert quiet.reference in message.body
    assert "Haddad-Digest" not in message.body and "Amira" not in message.body
    assert "1 case needs follow-up" in message.subject
    [to_egypt] = [m for m in mailoutbox if m.to == [other_office.email]]
    assert elsewhere.reference in to_egypt.body and quiet.reference not in to_egypt.body


def test_preferences_ignore_kinds_the_role_cannot_receive(officer):
    saved = services.preferences_save(
        user=officer,
        language="ar",
        muted=[NotificationKind.JOB_ENDED, NotificationKind.CASE_DIGEST, "nonsense"],
    )

    assert saved.muted == [NotificationKind.JOB_ENDED]
    assert MailPreferences.objects.get(user=officer).language == "ar"
