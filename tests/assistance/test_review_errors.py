"""A crash while a case note is being saved through the API reports no word of the note."""

import sys

import pytest
from django.core.signals import got_request_exception
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables

from assistance import care_services

SECRET = "Note-Review-Secret-Name"


@pytest.fixture
def crash_reports():
    """The error reports (text, as mailed or logged, and HTML) of a request that crashed."""
    reports = []

    def report(sender, request, **kwargs):
        reporter = ExceptionReporter(request, *sys.exc_info())
        reports.append(reporter.get_traceback_text() + reporter.get_traceback_html())

    got_request_exception.connect(report)
    yield reports
    got_request_exception.disconnect(report)


@pytest.mark.parametrize("content_type", ["form", "json"])
def test_a_note_posted_to_the_api_is_kept_out_of_error_reports(
    client, cases, case_workers, monkeypatch, crash_reports, content_type
):
    @sensitive_variables()  # as the service itself is
    def crash(**kwargs):
        raise RuntimeError("storage went away")

    monkeypatch.setattr(care_services, "note_add", crash)
    client.force_login(case_workers["lb"])
    client.raise_request_exception = False
    data = {"case": cases["lb"].pk, "text": SECRET}
    if content_type == "json":
        response = client.post("/api/v1/assistance/notes/", data, content_type="application/json")
    else:
        response = client.post("/api/v1/assistance/notes/", data)
    assert response.status_code == 500
    assert len(crash_reports) == 1
    assert "storage went away" in crash_reports[0]
    assert SECRET not in crash_reports[0]
