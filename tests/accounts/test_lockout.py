"""Sign-in locks: per account and address, per account alone, growing lock time, notices."""

import datetime
import logging

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.test import Client
from django.urls import reverse

from accounts import lockout
from accounts.models import AccountLock
from ctportal.access import Role
from tests import factories as f
from tests.accounts.conftest import PASSWORD


def attempt(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


@pytest.fixture
def officer(db):
    return f.UserFactory(username="officer", role=Role.PROGRAMME_OFFICER)


@pytest.fixture
def administrators(db):
    return [
        f.UserFactory(role=Role.ADMINISTRATOR, is_staff=True, email="head@example.org"),
        f.UserFactory(role="", is_superuser=True, email="root@example.org"),
        f.UserFactory(role=Role.ADMINISTRATOR, is_active=False, email="gone@example.org"),
    ]


def fail_from_many_addresses(username: str, count: int = 5) -> list[int]:
    return [attempt(username, f"wrong {n}", f"10.1.{n}.1").status_code for n in range(count)]


def test_failures_spread_over_addresses_lock_the_account(officer):
    statuses = fail_from_many_addresses("officer")

    assert statuses == [200, 200, 200, 200, 429]
    # The right password from yet another address waits too.
    assert attempt("officer", PASSWORD, "192.0.2.9").status_code == 429


def test_four_failures_leave_the_account_open(officer):
    fail_from_many_addresses("officer", 4)

    assert attempt("officer", PASSWORD, "192.0.2.9").status_code == 302


def test_a_lock_is_recorded_logged_and_mailed_to_administrators(
    officer, administrators, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.WARNING, logger="ctportal.accounts"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fail_from_many_addresses("officer")

    lock = AccountLock.objects.get()
    assert (lock.username, lock.user, lock.failures, lock.addresses) == ("officer", officer, 5, 5)
    assert lock.ip_address == "10.1.4.1"
    assert lock.is_active
    assert any("officer" in r.getMessage() and "locked" in r.getMessage() for r in caplog.records)
    # One message per active administrator, each in their own language.
    assert sorted(m.to[0] for m in mailoutbox) == ["head@example.org", "root@example.org"]
    for message in mailoutbox:
        assert "officer" in message.subject
        assert "/admin/accounts/accountlock/" in message.body
        assert PASSWORD not in message.body and "wrong" not in message.body


def test_failures_during_a_lock_neither_extend_it_nor_mail_again(
    officer, administrators, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("officer")
    until = AccountLock.objects.get().locked_until

    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("officer", 3)

    assert AccountLock.objects.get().locked_until == until
    assert len(mailoutbox) == 2, "one message to each of the two active administrators"


def test_an_unknown_username_is_locked_and_recorded_but_mails_nobody(
    db, administrators, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("nobody-here")

    assert AccountLock.objects.get().user is None
    assert mailoutbox == []


def test_the_lock_starts_short_and_grows_with_each_lock_of_the_day():
    durations = [lockout.lock_duration("x", locks=n) for n in range(1, 7)]

    assert durations[0] == datetime.timedelta(minutes=15)
    assert durations[1:4] == [datetime.timedelta(minutes=m) for m in (30, 60, 120)]
    assert durations[4] == durations[5] == lockout.LOCK_MAX == datetime.timedelta(hours=4)


def age(username: str, delta: datetime.timedelta) -> None:
    """Move the account's failures and locks into the past."""
    attempts = AccessAttempt.objects.filter(username=username)
    for item in attempts:
        AccessAttempt.objects.filter(pk=item.pk).update(attempt_time=item.attempt_time - delta)
    for item in AccessAttemptExpiration.objects.filter(access_attempt__in=attempts):
        AccessAttemptExpiration.objects.filter(pk=item.pk).update(
            expires_at=item.expires_at - delta
        )
    for lock in AccountLock.objects.filter(username=username):
        AccountLock.objects.filter(pk=lock.pk).update(
            locked_at=lock.locked_at - delta, locked_until=lock.locked_until - delta
        )


def test_the_first_lock_ends_after_fifteen_minutes(officer):
    fail_from_many_addresses("officer")
    lock = AccountLock.objects.get()
    assert lock.locked_until - lock.locked_at == datetime.timedelta(minutes=15)

    age("officer", datetime.timedelta(minutes=14))
    assert attempt("officer", PASSWORD).status_code == 429
    age("officer", datetime.timedelta(minutes=2))
    assert attempt("officer", PASSWORD).status_code == 302


def test_a_second_lock_the_same_day_lasts_twice_as_long(officer):
    fail_from_many_addresses("officer")
    age("officer", datetime.timedelta(minutes=16))

    fail_from_many_addresses("officer")

    second = AccountLock.objects.order_by("-locked_at").first()
    assert AccountLock.objects.count() == 2
    assert second.locked_until - second.locked_at == datetime.timedelta(minutes=30)
    age("officer", datetime.timedelta(minutes=16))
    assert attempt("officer", PASSWORD).status_code == 429
    age("officer", datetime.timedelta(minutes=15))
    assert attempt("officer", PASSWORD).status_code == 302


def test_one_address_locks_only_with_the_same_account(officer):
    other = f.UserFactory(username="other", role=Role.ANALYST)
    for n in range(5):
        attempt("officer", f"wrong {n}", "10.9.9.9")

    assert attempt("officer", PASSWORD, "10.9.9.9").status_code == 429
    assert attempt(other.username, PASSWORD, "10.9.9.9").status_code == 302


def test_an_administrator_lifts_a_lock(officer, administrators):
    fail_from_many_addresses("officer")
    admin = administrators[0]
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/accounts/accountlock/",
        {"action": "unlock", "_selected_action": [AccountLock.objects.get().pk]},
    )

    assert response.status_code == 302
    lock = AccountLock.objects.get()
    assert lock.unlocked_by == admin and not lock.is_active
    assert not AccessAttempt.objects.filter(username="officer").exists()
    assert attempt("officer", PASSWORD).status_code == 302


def test_the_lock_list_is_for_administrators(officer, administrators, client):
    fail_from_many_addresses("officer")
    client.force_login(administrators[0])

    response = client.get("/admin/accounts/accountlock/")

    assert response.status_code == 200
    assert "officer" in response.content.decode()
