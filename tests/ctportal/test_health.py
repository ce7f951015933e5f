import pytest
from django.urls import reverse

from ctportal import health


def _fail():
    raise ConnectionError("unreachable")


@pytest.mark.django_db
def test_healthz_reports_every_check(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": {"status": "ok"},
        "cache": {"status": "ok"},
        "broker": {"status": "eager"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("check", ["database", "cache"])
def test_healthz_is_503_when_a_check_fails(client, monkeypatch, check):
    monkeypatch.setitem(health.CHECKS, check, _fail)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"][check] == {"status": "down", "error": "ConnectionError"}
    assert "unreachable" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_needs_no_login_and_only_answers_get(client):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("login"))

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
