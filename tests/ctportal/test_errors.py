"""Error answers of pages and API: the right format, and never a failure of their own."""

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.test import Client, RequestFactory

from ctportal import errors
from projects.api.views import ProjectViewSet
from tests import factories as f

HANDLERS = [
    (errors.bad_request, 400),
    (errors.permission_denied, 403),
    (errors.page_not_found, 404),
    (errors.server_error, 500),
]


def call(handler, path: str):
    request = RequestFactory().get(path)
    if handler is errors.server_error:
        return handler(request)
    return handler(request, SuspiciousOperation("x"))


@pytest.mark.parametrize("handler, status", HANDLERS)
def test_api_paths_answer_the_api_error_format(db, handler, status):
    response = call(handler, "/api/v1/projects/")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    import json

    error = json.loads(response.content)["error"]
    assert error["status"] == status and error["code"] and error["message"]


@pytest.mark.parametrize("handler, status", HANDLERS)
def test_pages_answer_a_page_in_the_layout(db, handler, status):
    response = call(handler, "/projects/")
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "<h1>" in html


@pytest.mark.parametrize("handler, status", HANDLERS)
def test_an_error_page_that_cannot_be_drawn_still_answers(db, handler, status, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template store down")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    response = call(handler, "/projects/")
    assert response.status_code == status
    assert b"<h1>Error</h1>" in response.content


def test_a_missing_page_in_arabic_is_right_to_left(db):
    response = Client().get("/nowhere/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 404
    assert 'dir="rtl"' in response.content.decode()


def test_a_missing_api_address_answers_json(db):
    response = Client().get("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unhandled_api_error_answers_json_500(users, monkeypatch):
    def fail(self, request, *args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ProjectViewSet, "list", fail)
    client = Client(raise_request_exception=False)
    client.force_login(users["analyst"])
    response = client.get("/api/v1/projects/")
    assert response.status_code == 500
    assert response.json() == errors.error_body(500)
    assert b"database gone" not in response.content


def test_a_body_too_large_for_a_page_is_413_without_the_body(users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(users["admin"])
    response = client.post("/projects/new/", {"title": "secret name " * 200})
    assert response.status_code == 413
    assert b"secret name" not in response.content


def test_body_too_large_handler_status(db):
    request = RequestFactory().post("/api/v1/projects/")
    assert errors.bad_request(request, RequestDataTooBig("x")).status_code == 413


@pytest.mark.parametrize("url", ["/api/v1/projects/", "/api/v1/research/outputs/"])
def test_a_json_body_too_large_is_413_in_the_api_format(users, settings, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    key = f.api_token(users["admin"])[1]
    body = '{"title": "' + "x" * 2000 + '"}'
    response = Client().post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_a_refusal_says_why_from_the_role_not_the_exception(db):
    from django.core.exceptions import PermissionDenied

    from ctportal.access import Role

    request = RequestFactory().get("/reports/new/")
    request.user = f.UserFactory(role=Role.ANALYST)
    html = errors.permission_denied(request, PermissionDenied("case 42 of Amal")).content.decode()
    assert "Your role, Analyst, does not allow" in html
    assert "Amal" not in html
    request.user = f.UserFactory(role="")
    assert "has no role yet" in errors.permission_denied(request).content.decode()


def test_a_refused_form_gets_the_portal_page_and_the_api_json(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form has expired" in html and "reload the page" in html
    assert 'class="topbar"' in html
    response = errors.csrf_failure(RequestFactory().post("/api/v1/projects/"), reason="x")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert b'"code": "csrf_failed"' in response.content
