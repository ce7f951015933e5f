"""/metrics for Prometheus, request ids in logs and tasks, scrubbed error reports."""

import io
import json
import logging
import uuid

import pytest
from celery import signals
from django.urls import reverse
from django_guid import clear_guid, get_guid, set_guid

from ctportal.celery import app
from ctportal.observability import tasks as task_metrics
from ctportal.observability.sentry import REDACTED, scrub_event
from tests import factories as f


@pytest.fixture
def boom_task():
    @app.task(name="tests.observability.boom")
    def boom():
        raise RuntimeError("boom")

    yield boom
    app.tasks.pop("tests.observability.boom", None)


# --- /metrics --------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_from_an_allowed_address_carry_requests_jobs_tasks_and_the_heartbeat(
    client, boom_task
):
    from ctportal.tasks import send_waiting_jobs, worker_heartbeat

    client.get(reverse("login"))
    send_waiting_jobs.delay()
    boom_task.apply(throw=False)
    worker_heartbeat.delay()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    tasks = "ctportal_celery_tasks_total"
    assert f'{tasks}{{outcome="succeeded",task="ctportal.tasks.send_waiting_jobs"}} 1.0' in text
    assert f'{tasks}{{outcome="failed",task="tests.observability.boom"}} 1.0' in text
    age = next(
        line for line in text.splitlines() if line.startswith("ctportal_worker_heartbeat_age")
    )
    assert 0 <= float(age.split()[-1]) < 5
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_metrics_count_jobs_by_kind_and_status(client):
    import datetime

    from reports.models import DonorReport

    project = f.ProjectFactory()
    for language, status in (("en", "draft"), ("ar", "draft"), ("fr", "failed")):
        DonorReport.objects.create(
            project=project,
            language=language,
            period_kind="year",
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            status=status,
        )

    text = client.get("/metrics").content.decode()

    assert 'ctportal_jobs{kind="reports.donorreport",status="draft"} 2.0' in text
    assert 'ctportal_jobs{kind="reports.donorreport",status="failed"} 1.0' in text


@pytest.mark.django_db
def test_metrics_are_a_404_from_elsewhere_and_with_a_wrong_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong"
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_metrics_behind_a_proxy_judge_the_client_not_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.METRICS_ALLOWED_IPS = ["10.8.0.0/16"]

    outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    inside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.8.3.4")

    assert outside.status_code == 404
    assert inside.status_code == 200


def test_a_lost_count_never_fails_a_task(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(task_metrics.cache, "add", down)

    task_metrics.task_count("ctportal.tasks.send_waiting_jobs", "succeeded")


# --- request ids -----------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_a_valid_incoming_one_is_kept(client):
    given = uuid.uuid4().hex

    fresh = client.get(reverse("login"))
    kept = client.get(reverse("login"), HTTP_X_REQUEST_ID=given)
    forged = client.get(reverse("login"), HTTP_X_REQUEST_ID="evil\nline")

    assert len(fresh["X-Request-ID"]) == 32
    assert kept["X-Request-ID"] == given
    assert forged["X-Request-ID"] not in ("evil\nline", "")


@pytest.fixture
def json_log(settings):
    """The production log format on the root logger, written to a string."""
    from django.utils.module_loading import import_string

    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(spec.pop("()"))(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    for filter_spec in settings.LOGGING["filters"].values():
        handler.addFilter(import_string(filter_spec["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_json_log_lines_of_a_request_carry_its_id(client, json_log):
    response = client.get("/no-such-page/")

    lines = [line for line in _lines(json_log) if line["logger"] == "django.request"]
    assert lines, "a 404 is logged by django.request"
    assert lines[-1]["request_id"] == response["X-Request-ID"]
    assert lines[-1]["level"] == "WARNING"
    assert {"time", "message", "task_id"} <= set(lines[-1])


def test_a_task_sent_during_a_request_carries_the_request_id_to_the_worker(json_log):
    request_id = uuid.uuid4().hex
    set_guid(request_id)
    headers: dict = {}
    signals.before_task_publish.send(sender="ctportal.tasks.send_waiting_jobs", headers=headers)
    clear_guid()

    class Request(dict):
        pass

    class Task:
        name = "ctportal.tasks.send_waiting_jobs"
        request = Request(headers)

    # In the worker: the task starts with the request's id, and its log lines carry it.
    signals.task_prerun.send(sender=Task, task=Task, task_id="t-1")
    try:
        assert get_guid() == request_id
        logging.getLogger("ctportal.jobs").warning("sending a waiting job")
    finally:
        signals.task_postrun.send(sender=Task, task=Task, task_id="t-1")

    line = _lines(json_log)[-1]
    assert line["request_id"] == request_id
    assert line["message"] == "sending a waiting job"


# --- error reports ---------------------------------------------------------------------

VICTIM_NAME = "Amira Haddad-Testname"
NOTE_TEXT = "She was moved across the border at night"


def test_scrubbing_keeps_where_it_failed_and_drops_whom_it_concerned():
    event = {
        "request": {
            "method": "POST",
            "url": f"https://portal.example.org/assistance/cases/7/identity/edit/?q={VICTIM_NAME}",
            "query_string": f"q={VICTIM_NAME}",
            "data": {"full_name": VICTIM_NAME},
            "cookies": {"sessionid": "abc"},
            "headers": {"User-Agent": "Firefox", "Cookie": "sessionid=abc", "X-Request-ID": "r1"},
            "env": {"REMOTE_ADDR": "198.51.100.4"},
        },
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": f"Key (full_name)=({VICTIM_NAME}) already exists",
                    "stacktrace": {
                        "frames": [{"function": "identity_save", "vars": {"name": VICTIM_NAME}}]
                    },
                }
            ]
        },
        "logentry": {"message": "could not save %s", "params": [VICTIM_NAME], "formatted": "x"},
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": "UPDATE ...", "data": {"params": [NOTE_TEXT]}}
            ]
        },
        "user": {"id": 12, "username": "case.lebanon", "email": "c@example.org"},
        "extra": {"note": NOTE_TEXT},
        "contexts": {"runtime": {"name": "CPython"}, "custom": {"note": NOTE_TEXT}},
    }

    scrubbed = scrub_event(event, {})
    text = json.dumps(scrubbed)

    assert VICTIM_NAME not in text
    assert NOTE_TEXT not in text
    assert "sessionid" not in text
    assert "198.51.100.4" not in text
    assert scrubbed["exception"]["values"][0]["type"] == "IntegrityError"
    assert scrubbed["exception"]["values"][0]["value"] == REDACTED
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] == (
        "identity_save"
    )
    assert scrubbed["request"]["url"].endswith("/identity/edit/")
    assert scrubbed["request"]["headers"] == {"User-Agent": "Firefox", "X-Request-ID": "r1"}
    assert scrubbed["logentry"] == {"message": "could not save %s"}
    assert scrubbed["user"] == {"id": 12}
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython"}}


@pytest.fixture
def sentry_events():
    """Sentry on, with a transport that keeps the events it would have sent."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    from ctportal.observability.sentry import init_sentry

    sent: list[dict] = []

    class Keep(Transport):
        def capture_envelope(self, envelope):
            for item in envelope.items:
                if item.type in ("event", "transaction"):
                    sent.append(item.payload.json)

    init_sentry("https://public@sentry.invalid/1", environment="test", transport=Keep)
    yield sent
    sentry_sdk.init(dsn=None)


@pytest.fixture
def case_in_lebanon(db):
    from ctportal.access import Role

    lebanon = f.CountryFactory(code="LB", name_en="Lebanon")
    project = f.ProjectFactory()
    f.RecipientCountryFactory(project=project, country=lebanon)
    worker = f.verified(
        f.UserFactory(role=Role.CASE_WORKER, countries=[lebanon], country_office=lebanon)
    )
    case = f.CaseFactory(country_office=lebanon, project=project, registered_by=worker)
    return worker, case


def _assert_reported_without_identity(events: list[dict], *secrets: str) -> dict:
    errors = [e for e in events if e.get("exception")]
    assert len(errors) == 1, "the failure was reported"
    text = json.dumps(errors[0])
    assert "Haddad-Testname" not in text
    assert NOTE_TEXT not in text
    for secret in secrets:
        assert secret not in text
    assert errors[0]["exception"]["values"][-1]["type"] == "RuntimeError"
    return errors[0]


def test_an_error_while_saving_an_identity_reaches_sentry_without_the_identity(
    sentry_events, monkeypatch, case_in_lebanon
):
    import sentry_sdk
    from django.test import Client

    from assistance import services

    worker, case = case_in_lebanon

    def failing_save(**kwargs):
        data = kwargs["data"]
        raise RuntimeError(f"could not store {data['given_name']} {data['family_name']}")

    monkeypatch.setattr(services, "identity_save", failing_save)
    client = Client(raise_request_exception=False)
    client.force_login(worker)

    response = client.post(
        reverse("assistance:identity_edit", args=[case.pk]),
        {"given_name": "Amira", "family_name": "Haddad-Testname", "address": NOTE_TEXT},
    )
    sentry_sdk.flush()

    assert response.status_code == 500
    _assert_reported_without_identity(sentry_events, client.cookies["sessionid"].value)


def test_a_request_through_wsgi_is_reported_with_its_route_and_id_only(
    sentry_events, monkeypatch, case_in_lebanon
):
    """Through the WSGI handler, as gunicorn calls it: Sentry adds the request's details."""
    from urllib.parse import quote

    import sentry_sdk
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from django.test import Client

    from assistance import services

    worker, case = case_in_lebanon

    def failing_read(**kwargs):
        raise RuntimeError(f"could not decrypt {VICTIM_NAME}")

    monkeypatch.setattr(services, "identity_read", failing_read)
    client = Client()
    client.force_login(worker)
    session = client.cookies["sessionid"].value
    request_id = uuid.uuid4().hex
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": reverse("assistance:identity_edit", args=[case.pk]),
        "QUERY_STRING": "note=" + quote(NOTE_TEXT),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": f"sessionid={session}",
        "HTTP_USER_AGENT": "Firefox",
        "HTTP_X_REQUEST_ID": request_id,
        "REMOTE_ADDR": "198.51.100.4",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses: list[str] = []
    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        application = get_wsgi_application()
        b"".join(application(environ, lambda status, headers: statuses.append(status)))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    sentry_sdk.flush()

    assert statuses == ["500 Internal Server Error"]
    event = _assert_reported_without_identity(sentry_events, session, "198.51.100.4")
    assert event["request"]["method"] == "GET"
    assert event["request"]["url"] == f"http://testserver{environ['PATH_INFO']}"
    assert event["request"]["headers"].get("User-Agent") == "Firefox"
    assert "Cookie" not in event["request"]["headers"]
