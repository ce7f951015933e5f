import base64
import csv
import hashlib
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from ctportal.api import CSVRenderer, PortalPagination, exception_handler, flatten_errors
from ctportal.audit import StaleVersion

PASSWORD = "correct horse battery staple"


# One error format -------------------------------------------------------------


def handle(exc) -> tuple[int, dict]:
    response = exception_handler(exc, {"view": APIView(), "request": None})
    return response.status_code, response.data


def test_service_validation_error_becomes_400_with_fields():
    code, body = handle(
        DjangoValidationError({"countries[1].percentage": ["Too high."], "__all__": ["Bad."]})
    )
    assert code == 400
    assert body["error"]["code"] == "invalid"
    assert body["error"]["fields"] == {
        "countries[1].percentage": ["Too high."],
        "non_field_errors": ["Bad."],
    }


def test_validation_error_without_fields_is_non_field():
    code, body = handle(DjangoValidationError("Nope."))
    assert code == 400
    assert body["error"]["fields"] == {"non_field_errors": ["Nope."]}


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.ParseError(), 400, "parse_error"),
        (StaleVersion(3), 412, "stale_version"),
    ],
)
def test_errors_share_one_shape(exc, status, code):
    got_status, body = handle(exc)
    assert got_status == status
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_unexpected_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {"view": APIView(), "request": None}) is None


def test_nested_serializer_errors_are_flattened_like_service_errors():
    detail = {
        "title": ["Required."],
        "fundings": [{}, {"amount": ["Not a number."], "non_field_errors": ["Row error."]}],
        "countries": {"non_field_errors": ["Expected a list."]},
        "tags": {0: ["Bad tag."]},
    }
    assert flatten_errors(detail) == {
        "title": ["Required."],
        "fundings[1].amount": ["Not a number."],
        "fundings[1]": ["Row error."],
        "countries": ["Expected a list."],
        "tags[0]": ["Bad tag."],
    }


# Pagination and CSV -------------------------------------------------------------


@pytest.mark.parametrize(("asked", "given"), [("5", 5), ("1000", 1000), ("5000", 1000)])
def test_page_size_is_capped(asked, given):
    request = APIView().initialize_request(APIRequestFactory().get("/", {"page_size": asked}))
    assert PortalPagination().get_page_size(request) == given


def parse_links(header: str) -> dict[str, str]:
    """RFC 8288 ``<url>; rel="name"`` pairs as {name: url}."""
    return {rel: url for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', header)}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_lists_say_their_total_and_neighbour_pages_in_headers(portfolio, users, fmt):
    client = APIClient()
    client.force_login(users["analyst"])
    first = client.get("/api/v1/projects/", {"format": fmt, "page_size": 1})
    assert first.status_code == 200
    assert first["X-Total-Count"] == "3"
    links = parse_links(first["Link"])
    assert set(links) == {"next", "last"}
    assert "page=2" in links["next"] and f"format={fmt}" in links["next"]
    assert "page=3" in links["last"]

    middle = client.get(links["next"])
    assert middle["X-Total-Count"] == "3"
    links = parse_links(middle["Link"])
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=" not in links["prev"] and f"format={fmt}" in links["prev"]
    assert "page=3" in links["next"]

    last = client.get(links["last"])
    assert set(parse_links(last["Link"])) == {"first", "prev"}
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(last.content.decode("utf-8-sig"))))
        assert len(rows) == 2  # header and the one project of the last page


def test_a_single_page_has_a_total_and_no_links(portfolio, users):
    client = APIClient()
    client.force_login(users["donor_a"])
    response = client.get("/api/v1/projects/", {"format": "csv"})
    assert response["X-Total-Count"] == "2"
    assert "Link" not in response


def render_csv(data) -> list[list[str]]:
    content = CSVRenderer().render(data).decode("utf-8")
    assert content.startswith("\ufeff")  # Excel opens UTF-8 (Arabic names) only with a BOM
    return list(csv.reader(io.StringIO(content[1:])))


def test_csv_without_a_layout_joins_lists_and_never_numbers_columns():
    rows = render_csv(
        {
            "count": 2,
            "results": [
                {"code": "A", "donor": {"name": "Donor A"}, "themes": ["x", "y"]},
                {"code": "B", "donor": None, "extra": "مصر", "parts": [{"id": 1}, {"id": 2}]},
            ],
        }
    )
    assert rows == [
        ["code", "donor_name", "themes", "donor", "extra", "parts_id"],
        ["A", "Donor A", "x;y", "", "", ""],
        ["B", "", "", "", "مصر", "1;2"],
    ]


def test_csv_cells_cannot_become_formulas():
    rows = render_csv([{"a": "=1+2", "b": "-12.50", "c": "@SUM(A1)", "d": "+33 1 23", "e": "ok"}])
    assert rows[1] == ["'=1+2", "-12.50", "'@SUM(A1)", "'+33 1 23", "ok"]


# Authentication and throttling ----------------------------------------------------


def test_token_authentication(portfolio, users):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": users["analyst"].username, "password": PASSWORD}
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/projects/").json()["count"] == 3


def test_wrong_password_gets_no_token(users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": users["analyst"].username, "password": "nope"}
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_user_without_role_gets_no_token(users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": users["norole"].username, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_token_of_a_user_who_lost_their_role_opens_nothing(users):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": users["donor_a"].username, "password": PASSWORD}
    ).json()["token"]
    users["donor_a"].role = ""
    users["donor_a"].save()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/projects/").status_code == 403


def test_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_token_endpoint_is_throttled_for_anonymous_callers(users, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "1000/minute"},
    }
    client = APIClient()
    body = {"username": users["analyst"].username, "password": PASSWORD}
    statuses = [client.post("/api/v1/auth/token/", body).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = client.post("/api/v1/auth/token/", body)
    assert throttled.json()["error"]["code"] == "throttled"
    assert "Retry-After" in throttled


def test_other_addresses_are_not_throttled_by_one_callers_attempts(users, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "1000/minute"},
    }
    body = {"username": users["analyst"].username, "password": PASSWORD}
    first = APIClient(REMOTE_ADDR="10.0.0.1")
    other = APIClient(REMOTE_ADDR="10.0.0.2")
    assert first.post("/api/v1/auth/token/", body).status_code == 200
    assert first.post("/api/v1/auth/token/", body).status_code == 429
    assert other.post("/api/v1/auth/token/", body).status_code == 200


# OpenAPI schema and docs ------------------------------------------------------------


def test_schema_lists_the_projects_endpoints(users):
    client = APIClient()
    client.force_login(users["analyst"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
        "/api/v1/transactions/",
        "/api/v1/indicators/",
        "/api/v1/documents/",
        "/api/v1/countries/{code}/",
        "/api/v1/organisations/",
        "/api/v1/auth/token/",
    ):
        assert path in paths
    assert "412" in paths["/api/v1/projects/{id}/"]["patch"]["responses"]


def test_schema_documents_the_paging_headers_of_lists_only(users):
    client = APIClient()
    client.force_login(users["analyst"])
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in ("/api/v1/projects/", "/api/v1/assistance/ctdc/records/"):
        headers = paths[path]["get"]["responses"]["200"]["headers"]
        assert set(headers) == {"Link", "X-Total-Count"}
    assert "headers" not in paths["/api/v1/projects/{id}/"]["get"]["responses"]["200"]
    assert "headers" not in paths["/api/v1/trainings/aggregate/"]["get"]["responses"]["200"]


def test_schema_needs_a_role(users):
    assert APIClient().get("/api/schema/").status_code == 401
    client = APIClient()
    client.force_login(users["norole"])
    assert client.get("/api/schema/").status_code == 403


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/projects/" in target.read_text()


def test_swagger_ui_is_served_locally_without_inline_script(users):
    client = APIClient()
    client.force_login(users["analyst"])
    response = client.get("/api/docs/try/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts)
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    init = client.get("/api/docs/try/?script=")
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in init.content.decode()


def test_swagger_ui_inline_style_is_allowed_by_csp_and_nothing_more(users):
    client = APIClient()
    client.force_login(users["analyst"])
    response = client.get("/api/docs/try/")
    policy = response["Content-Security-Policy"]
    style_src = next(part for part in policy.split(";") if "style-src" in part)
    for block in re.findall(r"<style>(.*?)</style>", response.content.decode(), re.S):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in style_src
    assert "unsafe-inline" not in policy
    portal_page = client.get("/api/v1/projects/", HTTP_ACCEPT="text/html")
    assert "sha256" not in portal_page.get("Content-Security-Policy", "")


def test_swagger_ui_sends_anonymous_visitors_to_sign_in():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_each_user_has_a_burst_limit_beside_the_hourly_one(users, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "anon": "100/minute",
            "user_burst": "2/minute",
            "user": "1000/hour",
        },
    }
    client = APIClient()
    client.force_authenticate(users["analyst"])
    other = APIClient()
    other.force_authenticate(users["me"])

    statuses = [client.get("/api/v1/projects/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/projects/").json()["error"]["code"] == "throttled"
    assert other.get("/api/v1/projects/").status_code == 200


def test_the_default_limits_let_an_analyst_page_a_large_portfolio():
    from ctportal.api import UserRatesThrottle
    from ctportal.settings import base

    rates = base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    per_minute = UserRatesThrottle.parse_rate(rates["user_burst"])
    per_hour = UserRatesThrottle.parse_rate(rates["user"])
    # 100,000 transactions at the largest page (1,000 rows) is 100 requests.
    assert per_minute == (300, 60) and per_hour == (10000, 3600)
    assert per_minute[0] >= 100 and per_hour[0] >= 5 * 100
    assert "ctportal.api.UserRatesThrottle" in base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand (seconds since the epoch)."""
    now = [1_800_000_000.0]
    monkeypatch.setattr("ctportal.api_throttle.time.time", lambda: now[0])
    return now


def test_the_burst_limit_counts_a_whole_minute_and_says_when_to_come_back(users, settings, clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user_burst": "3/minute", "user": "1000/hour"},
    }
    client = APIClient()
    client.force_authenticate(users["analyst"])
    statuses = []
    for _ in range(3):
        statuses.append(client.get("/api/v1/projects/").status_code)
        clock[0] += 15
    # 45 seconds after the first request: three in the last minute.
    refused = client.get("/api/v1/projects/")
    assert statuses + [refused.status_code] == [200, 200, 200, 429]
    # The first request leaves the minute within 15 seconds (and a slice of 6).
    assert 15 <= int(refused["Retry-After"]) <= 21
    clock[0] += 14
    assert client.get("/api/v1/projects/").status_code == 429
    clock[0] += int(refused["Retry-After"]) - 14
    assert client.get("/api/v1/projects/").status_code == 200
    # The refused requests were not counted: one more is refused only now.
    assert client.get("/api/v1/projects/").status_code == 429


def test_no_minute_ever_lets_more_requests_through_than_the_rate(users, settings, clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user_burst": "5/minute"},
    }
    client = APIClient()
    client.force_authenticate(users["analyst"])
    allowed = []
    for _ in range(150):  # one request every 1.7 seconds for over four minutes
        if client.get("/api/v1/countries/").status_code == 200:
            allowed.append(clock[0])
        clock[0] += 1.7
    assert all(sum(1 for other in allowed if start <= other < start + 60) <= 5 for start in allowed)
    # And it is not much stricter: about five a minute get through.
    assert len(allowed) >= 4 * 4


def test_the_hourly_limit_counts_what_the_burst_limit_lets_through(users, settings, clock):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user_burst": "2/minute", "user": "3/hour"},
    }
    client = APIClient()
    client.force_authenticate(users["analyst"])
    first = [client.get("/api/v1/countries/").status_code for _ in range(2)]
    # Past the minute and the slice more the burst limit may count.
    clock[0] += 67
    second = [client.get("/api/v1/countries/").status_code for _ in range(2)]
    assert first + second == [200, 200, 200, 429]
    clock[0] += 67
    refused = client.get("/api/v1/countries/")
    assert refused.status_code == 429
    # The hourly limit is the one that refuses: back when the first requests leave the hour.
    assert 3600 - 2 * 67 <= int(refused["Retry-After"]) <= 3600 - 2 * 67 + 360


def test_the_user_limits_are_shared_by_every_client_of_the_user(users, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user_burst": "2/minute"},
    }
    clients = [APIClient(), APIClient()]
    for client in clients:
        client.force_authenticate(users["analyst"])
    statuses = [clients[n % 2].get("/api/v1/countries/").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


# Bodies the parser refuses ------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize(
    "url", ["/api/v1/projects/", "/api/v1/research/outputs/", "/api/v1/auth/token/"]
)
def test_json_nested_too_deep_is_400_in_the_error_format(users, url, depth):
    client = APIClient()
    client.force_authenticate(users["admin"])
    body = "[" * depth + "]" * depth
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert "nested too deeply" in error["message"]


def test_a_forged_forwarded_for_does_not_escape_the_anonymous_throttle(users, settings):
    # With no proxy trusted (TRUSTED_PROXY_COUNT=0) the caller is REMOTE_ADDR, whatever
    # X-Forwarded-For says; DRF alone would count each forged value as a new caller.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "1000/minute"},
    }
    body = {"username": users["analyst"].username, "password": PASSWORD}
    client = APIClient(REMOTE_ADDR="10.0.0.1")
    statuses = [
        client.post("/api/v1/auth/token/", body, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_behind_one_proxy_the_throttle_counts_the_address_the_proxy_saw(users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "NUM_PROXIES": 1,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "1000/minute"},
    }
    body = {"username": users["analyst"].username, "password": PASSWORD}
    proxy = APIClient(REMOTE_ADDR="10.0.0.1")
    # Two clients behind the same proxy; the first also forges an address on the left.
    first = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    assert proxy.post("/api/v1/auth/token/", body, **first).status_code == 200
    forged = {"HTTP_X_FORWARDED_FOR": "7.7.7.7, 203.0.113.9"}
    assert proxy.post("/api/v1/auth/token/", body, **forged).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    assert proxy.post("/api/v1/auth/token/", body, **other).status_code == 200
