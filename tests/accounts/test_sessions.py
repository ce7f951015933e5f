import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import RENEWAL_RESOLUTION, SessionStore
from ctportal.access import Role
from tests import factories as f


def _signed_in(client, db):
    client.force_login(f.UserFactory(role=Role.PROGRAMME_OFFICER))
    return Session.objects.get()


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]


def test_a_request_soon_after_the_last_renewal_writes_nothing(client, db):
    session = _signed_in(client, db)
    client.get(reverse("projects:list"))
    renewed = Session.objects.get(pk=session.pk).expire_date

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("projects:list")).status_code == 200

    assert not [sql for sql in _session_writes(queries) if "django_session" in sql]
    assert Session.objects.get(pk=session.pk).expire_date == renewed


def test_a_request_after_the_resolution_renews_the_full_age(client, db):
    session = _signed_in(client, db)
    old = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    old -= RENEWAL_RESOLUTION + datetime.timedelta(seconds=5)
    Session.objects.filter(pk=session.pk).update(expire_date=old)

    assert client.get(reverse("projects:list")).status_code == 200

    renewed = Session.objects.get(pk=session.pk).expire_date
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert renewed > old
    assert renewed >= timezone.now() + age - datetime.timedelta(seconds=5)


def test_a_changed_session_is_written_at_once(client, db):
    session = _signed_in(client, db)
    store = SessionStore(session.session_key)
    store.load()
    store["seen"] = "yes"
    store.save()

    assert SessionStore(session.session_key).load()["seen"] == "yes"
