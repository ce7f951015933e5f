"""Erasure of identifying data: on request and when the retention period is over.

Checked on the database rows themselves (raw SQL), not only through the models.
"""

import datetime
import io
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from assistance import care_services as care
from assistance import services
from assistance.models import Case, ErasureKind, IdentityErasure, Referral
from assistance.retention.services import (
    ERASED_REASON,
    identities_erase_expired,
    identity_erase,
    retention_cutoff,
)
from assistance.tasks import erase_expired_identities

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n(Passport of Zahra-Unique-Name)\ntrailer<<>>\n%%EOF\n"
TODAY = datetime.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def rows(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def full_case(cases, case_workers, orgs):
    """The Lebanon case with an identity, two notes (one with an attachment) and a referral
    sent without consent."""
    case, worker = cases["lb"], case_workers["lb"]
    services.identity_save(
        user=worker,
        case=case,
        data={"given_name": "Zahra-Unique-Name", "phone": "+961-555-0199-77"},
    )
    care.note_add(user=worker, case=case, text="Met Zahra-Unique-Name at the shelter")
    note = care.note_add(
        user=worker,
        case=case,
        text="Passport copy",
        attachment=SimpleUploadedFile("passport.pdf", PDF),
    )
    Referral.objects.create(
        case=case,
        from_organisation=orgs["ngo"],
        to_organisation=orgs["un"],
        sent_on=datetime.date(2021, 6, 2),
        sent_by=worker,
        consent_override=True,
        override_reason="Zahra-Unique-Name is in danger",
    )
    case.refresh_from_db()
    case.attachment_path = note.attachment.path
    return case


def close(case, on: datetime.date) -> Case:
    Case.objects.filter(pk=case.pk).update(
        status="closed", closure_reason="completed", closed_on=on
    )
    case.refresh_from_db()
    return case


def figures(user) -> dict:
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/v1/assistance/figures/")
    assert response.status_code == 200
    return response.json()


def assert_erased(case) -> None:
    """The identity row is gone, the notes and their files too; no trace of the name."""
    assert rows("SELECT case_id FROM assistance_identity WHERE case_id = %s", case.pk) == []
    assert rows("SELECT id FROM assistance_casenote WHERE case_id = %s", case.pk) == []
    reasons = rows("SELECT override_reason FROM assistance_referral WHERE case_id = %s", case.pk)
    assert reasons == [(ERASED_REASON,)]
    history = rows(
        "SELECT DISTINCT override_reason FROM assistance_historicalreferral WHERE case_id = %s",
        case.pk,
    )
    assert history == [(ERASED_REASON,)]
    assert not os.path.exists(case.attachment_path)


def assert_case_kept(case) -> None:
    kept = rows(
        "SELECT reference, sex, age_at_identification, citizenship FROM assistance_case "
        "WHERE id = %s",
        case.pk,
    )
    assert kept == [(case.reference, case.sex, case.age_at_identification, case.citizenship)]
    assert rows("SELECT COUNT(*) FROM assistance_referral WHERE case_id = %s", case.pk) == [(1,)]


# On request -------------------------------------------------------------------------


def test_an_administrator_erases_one_identity_and_the_case_still_counts(
    full_case, cases, users, django_capture_on_commit_callbacks
):
    before = figures(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        erasure = identity_erase(
            user=users["admin"], case=full_case, reason="Request by letter of 2 March 2027"
        )
    assert_erased(full_case)
    assert_case_kept(full_case)
    # The other office's case is untouched.
    assert rows("SELECT COUNT(*) FROM assistance_identity") == [(0,)]
    assert rows("SELECT COUNT(*) FROM assistance_casenote WHERE case_id = %s", cases["eg"].pk) == [
        (0,)
    ]
    assert figures(users["admin"]) == before
    assert (erasure.kind, erasure.erased_by, erasure.case) == (
        ErasureKind.REQUEST,
        users["admin"],
        full_case,
    )
    assert erasure.reason == "Request by letter of 2 March 2027"
    assert (erasure.identity_erased, erasure.notes_erased, erasure.attachments_erased) == (
        True,
        2,
        1,
    )
    assert erasure.referral_reasons_erased == 1


def test_the_erasure_log_holds_no_identifying_text(full_case, users):
    identity_erase(user=users["admin"], case=full_case, reason="Request received by phone")
    dump = repr(rows("SELECT * FROM assistance_identityerasure"))
    for secret in ("Zahra-Unique-Name", "+961-555-0199-77", "Passport copy", "passport.pdf"):
        assert secret not in dump


@pytest.mark.parametrize(
    "who", ["case_worker_lb", "officer_eg", "me", "donor_a", "analyst", "norole"]
)
def test_only_administrators_erase_on_request(full_case, users, case_workers, who):
    user = case_workers["lb"] if who == "case_worker_lb" else users[who]
    with pytest.raises(PermissionDenied):
        identity_erase(user=user, case=full_case, reason="Request")
    assert rows("SELECT COUNT(*) FROM assistance_identity WHERE case_id = %s", full_case.pk) == [
        (1,)
    ]
    assert not IdentityErasure.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_an_erasure_needs_a_reason_and_changes_nothing_without_one(full_case, users, reason):
    with pytest.raises(ValidationError) as raised:
        identity_erase(user=users["admin"], case=full_case, reason=reason)
    assert "reason" in raised.value.message_dict
    assert rows("SELECT COUNT(*) FROM assistance_casenote WHERE case_id = %s", full_case.pk) == [
        (2,)
    ]
    assert not IdentityErasure.objects.exists()


def test_erasing_twice_erases_nothing_more_and_logs_both(full_case, users):
    identity_erase(user=users["admin"], case=full_case, reason="Request")
    second = identity_erase(user=users["admin"], case=full_case, reason="Request, again")
    assert (second.identity_erased, second.notes_erased, second.referral_reasons_erased) == (
        False,
        0,
        0,
    )
    assert IdentityErasure.objects.count() == 2
    assert_case_kept(full_case)


# Retention --------------------------------------------------------------------------


def test_the_cutoff_follows_the_setting(settings):
    settings.IDENTITY_RETENTION_YEARS = 5
    assert retention_cutoff(TODAY) == datetime.date(2022, 3, 1)
    settings.IDENTITY_RETENTION_YEARS = 1
    assert retention_cutoff(datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)


def test_identities_of_cases_closed_longer_ago_than_the_period_are_erased(
    full_case, cases, case_workers, users, settings, django_capture_on_commit_callbacks
):
    settings.IDENTITY_RETENTION_YEARS = 5
    services.identity_save(user=case_workers["eg"], case=cases["eg"], data={"given_name": "Eg"})
    close(full_case, datetime.date(2022, 2, 28))  # more than five years before TODAY
    close(cases["eg"], datetime.date(2022, 3, 1))  # exactly five years: kept one more day
    before = figures(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        erased = identities_erase_expired(today=TODAY)
    assert erased == [full_case.pk]
    assert_erased(full_case)
    assert_case_kept(full_case)
    assert rows("SELECT case_id FROM assistance_identity") == [(cases["eg"].pk,)]
    assert figures(users["admin"]) == before
    erasure = IdentityErasure.objects.get()
    assert (erasure.kind, erasure.erased_by, erasure.case_id) == (
        ErasureKind.RETENTION,
        None,
        full_case.pk,
    )
    assert "2022-02-28" in erasure.reason


def test_open_cases_keep_their_identities_whatever_their_age(full_case, settings):
    settings.IDENTITY_RETENTION_YEARS = 0
    assert identities_erase_expired(today=TODAY) == []
    assert rows("SELECT COUNT(*) FROM assistance_identity") == [(1,)]


def test_the_retention_run_is_idempotent(full_case, settings):
    close(full_case, datetime.date(2020, 1, 1))
    assert identities_erase_expired(today=TODAY) == [full_case.pk]
    assert identities_erase_expired(today=TODAY) == []
    assert IdentityErasure.objects.count() == 1


def test_the_beat_task_and_the_command_erase_expired_identities(full_case, cases, settings):
    settings.IDENTITY_RETENTION_YEARS = 1
    close(full_case, datetime.date(2020, 1, 1))
    assert settings.CELERY_BEAT_SCHEDULE["identity-retention-nightly"]["task"] == (
        "assistance.tasks.erase_expired_identities"
    )
    assert erase_expired_identities.delay().get() == {"erased": 1}
    assert rows("SELECT COUNT(*) FROM assistance_identity") == [(0,)]
    close(cases["eg"], datetime.date(2020, 1, 1))
    out = io.StringIO()
    call_command("erase_expired_identities", stdout=out)
    assert "0 erased" in out.getvalue()
    assert IdentityErasure.objects.count() == 1


# The erasure log ----------------------------------------------------------------------


def test_the_erasure_log_cannot_be_changed_through_the_orm(full_case, users):
    erasure = identity_erase(user=users["admin"], case=full_case, reason="Request")
    erasure.reason = "changed"
    for attempt in (
        erasure.save,
        erasure.delete,
        lambda: IdentityErasure.objects.update(reason="changed"),
        lambda: IdentityErasure.objects.all().delete(),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert IdentityErasure.objects.get().reason == "Request"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_raw_changes_to_the_erasure_log(full_case, users):
    identity_erase(user=users["admin"], case=full_case, reason="Request")
    for sql in (
        "UPDATE assistance_identityerasure SET reason = 'changed'",
        "DELETE FROM assistance_identityerasure",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert IdentityErasure.objects.get().reason == "Request"
