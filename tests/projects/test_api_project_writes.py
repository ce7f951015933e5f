import copy
import datetime

import pytest
from rest_framework.test import APIClient

from projects.models import (
    Funding,
    Indicator,
    IndicatorPeriod,
    ParticipatingOrganisation,
    Project,
    RecipientCountry,
    Transaction,
)

ROWS = (Project, Funding, RecipientCountry, ParticipatingOrganisation, Transaction)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def row_counts() -> dict[str, int]:
    models = (*ROWS, Indicator, IndicatorPeriod)
    return {model.__name__: model.objects.count() for model in models}


def new_project_body(portfolio, **changes) -> dict:
    body = {
        "code": "CT.NEW1",
        "iati_identifier": "XM-DAC-47066-CT.NEW1",
        "title": "Protection of migrant workers",
        "planned_start": "2024-01-01",
        "planned_end": "2025-12-31",
        "budget": "500000.00",
        "currency": "USD",
        "status": 1,
        "reporting_organisation": portfolio["donor_a"].pk,
        "thematic_areas": ["protection", "prosecution"],
        "fundings": [
            {"donor": portfolio["donor_a"].pk, "amount": "300000", "currency": "USD"},
            {"donor": portfolio["donor_b"].pk, "amount": "200000", "currency": "USD"},
        ],
        "countries": [
            {"country": "EG", "percentage": "70"},
            {"country": "lb", "percentage": "30"},
        ],
        "participating_organisations": [
            {"organisation": portfolio["donor_a"].pk, "role": 1},
            {"organisation": portfolio["donor_b"].pk, "role": 1},
        ],
    }
    body.update(changes)
    return body


def test_officer_creates_a_project_with_its_parts(portfolio, users):
    body = new_project_body(portfolio, countries=[{"country": "EG", "percentage": "100"}])
    response = client_for(users["officer_eg"]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/projects/{body['id']}/")
    assert body["version"] == 1
    assert [c["country"] for c in body["countries"]] == ["EG"]
    assert sorted(row["share"] for row in body["fundings"]) == ["40.0", "60.0"]
    assert {area["code"] for area in body["thematic_areas"]} == {"protection", "prosecution"}
    assert [p["role_label"] for p in body["participating_organisations"]] == ["Funding"] * 2
    project = Project.objects.get(code="CT.NEW1")
    assert project.history.first().history_user == users["officer_eg"]
    # In Egypt, so within the officer's scope afterwards.
    assert client_for(users["officer_eg"]).get(f"/api/v1/projects/{project.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["me", "donor_a", "analyst", "case_worker_lb"])
def test_roles_that_do_not_edit_projects_get_403_on_create(portfolio, users, who):
    before = row_counts()
    response = client_for(users[who]).post(
        "/api/v1/projects/", new_project_body(portfolio), format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert row_counts() == before


@pytest.mark.parametrize("who", ["me", "donor_a", "analyst", "case_worker_lb"])
def test_roles_that_do_not_edit_projects_get_403_on_update(portfolio, users, who):
    project = portfolio["p_both"]  # visible to each of them
    response = client_for(users[who]).patch(
        f"/api/v1/projects/{project.pk}/", {"title": "Changed", "version": 1}, format="json"
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.title == "Regional project"


def test_update_of_a_project_out_of_scope_is_404(portfolio, users):
    project = portfolio["p_lb"]
    for method in ("put", "patch"):
        response = getattr(client_for(users["officer_eg"]), method)(
            f"/api/v1/projects/{project.pk}/", {"title": "Changed", "version": 1}, format="json"
        )
        assert response.status_code == 404
    project.refresh_from_db()
    assert project.title == "Lebanon project"


def test_delete_is_not_offered(portfolio, users):
    project = portfolio["p_eg"]
    response = client_for(users["admin"]).delete(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 405
    assert Project.objects.filter(pk=project.pk).exists()


def test_patch_with_if_match_updates_and_returns_the_new_etag(portfolio, users):
    project = portfolio["p_eg"]
    client = client_for(users["officer_eg"])
    etag = client.get(f"/api/v1/projects/{project.pk}/")["ETag"]
    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "Egypt project, phase II", "countries": [{"country": "EG", "percentage": 100}]},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Egypt project, phase II"
    assert response["ETag"] == '"2"'
    project.refresh_from_db()
    assert project.version == 2
    # Lists left out of a PATCH keep their rows.
    assert project.fundings.count() == 1


def test_stale_if_match_is_412_and_changes_nothing(portfolio, users):
    project = portfolio["p_eg"]
    client = client_for(users["officer_eg"])
    first = client.patch(
        f"/api/v1/projects/{project.pk}/", {"title": "First"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/projects/{project.pk}/", {"title": "Second"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert second.status_code == 412
    error = second.json()["error"]
    assert error["code"] == "stale_version"
    assert "changed by someone else" in error["message"]
    project.refresh_from_db()
    assert (project.title, project.version) == ("First", 2)


def test_stale_version_in_body_is_412(portfolio, users):
    project = portfolio["p_eg"]
    project.version = 5
    project.save()
    response = client_for(users["admin"]).put(
        f"/api/v1/projects/{project.pk}/",
        new_project_body(portfolio, code=project.code, iati_identifier="X-1", version=4),
        format="json",
    )
    assert response.status_code == 412
    project.refresh_from_db()
    assert project.title == "Egypt project"


def test_if_match_and_body_version_must_agree(portfolio, users):
    project = portfolio["p_eg"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "Changed", "version": 1},
        format="json",
        HTTP_IF_MATCH='"7"',
    )
    assert response.status_code == 412


@pytest.mark.parametrize("header", ["garbage", '"abc"', ""])
def test_unreadable_if_match_is_412(portfolio, users, header):
    project = portfolio["p_eg"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/projects/{project.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 412


def test_update_without_any_version_is_428(portfolio, users):
    project = portfolio["p_eg"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/projects/{project.pk}/", {"title": "Blind write"}, format="json"
    )
    assert response.status_code == 428
    assert "If-Match" in response.json()["error"]["message"]
    project.refresh_from_db()
    assert project.title == "Egypt project"


def test_put_with_current_version_replaces_values(portfolio, users):
    project = portfolio["p_both"]
    body = new_project_body(portfolio, code=project.code, iati_identifier=project.iati_identifier)
    response = client_for(users["admin"]).put(
        f"/api/v1/projects/{project.pk}/", {**body, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    project.refresh_from_db()
    assert project.title == "Protection of migrant workers"
    assert set(project.recipient_countries.values_list("percentage", flat=True)) == {70, 30}


def test_put_needs_every_required_field(portfolio, users):
    project = portfolio["p_eg"]
    response = client_for(users["admin"]).put(
        f"/api/v1/projects/{project.pk}/", {"title": "Only a title", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert {"code", "planned_start", "planned_end"} <= set(response.json()["error"]["fields"])


# Bad input: a 400 naming the field, and nothing written ----------------------

BAD_PROJECT_INPUT = [
    ({"budget": "-5"}, "budget"),
    ({"budget": "lots"}, "budget"),
    ({"budget": "NaN"}, "budget"),
    ({"currency": "XYZ"}, "currency"),
    ({"title": "x" * 256}, "title"),
    ({"title": "nul\x00byte"}, "title"),
    ({"planned_start": "2025-01-01", "planned_end": "2024-01-01"}, "planned_end"),
    ({"planned_start": "31/12/2024"}, "planned_start"),
    ({"status": 42}, "status"),
    ({"reporting_organisation": 99999999999999999999}, "reporting_organisation"),
    ({"thematic_areas": ["astrology"]}, "thematic_areas"),
    ({"fundings": [{"donor": 1, "amount": "-1"}]}, "fundings[0]"),
    ({"fundings": "not a list"}, "fundings"),
    ({"countries": [{"country": "ZZ", "percentage": "100"}]}, "countries[0].country"),
    ({"countries": [{"country": "EG", "percentage": "abc"}]}, "countries[0].percentage"),
    (
        {"countries": [{"country": "EG", "percentage": "60"}, {"country": "LB", "percentage": 30}]},
        "countries",
    ),
    (
        {"countries": [{"country": "EG", "percentage": 50}, {"country": "EG", "percentage": 50}]},
        "countries",
    ),
    (
        {
            "participating_organisations": [
                {"organisation": 1, "role": 4},
                {"organisation": 1, "role": 4},
            ]
        },
        "participating_organisations",
    ),
    ({"participating_organisations": [{"organisation": 1, "role": 9}]}, "role"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_PROJECT_INPUT)
def test_bad_project_input_is_a_400_naming_the_field(portfolio, users, changes, field):
    changes = copy.deepcopy(changes)
    for key in ("fundings", "participating_organisations"):
        for row in changes.get(key, []) if isinstance(changes.get(key), list) else []:
            row.update({k: portfolio["donor_a"].pk for k in ("donor", "organisation") if k in row})
    before = row_counts()
    response = client_for(users["admin"]).post(
        "/api/v1/projects/", new_project_body(portfolio, **changes), format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(name.startswith(field) or field in name for name in error["fields"]), error
    assert row_counts() == before


def test_negative_funding_amount_names_the_row(portfolio, users):
    body = new_project_body(portfolio)
    body["fundings"][1]["amount"] = "-10"
    response = client_for(users["admin"]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert "fundings[1].amount" in response.json()["error"]["fields"]
    assert not Project.objects.filter(code="CT.NEW1").exists()


def test_non_numeric_funding_amount_names_the_row(portfolio, users):
    body = new_project_body(portfolio)
    body["fundings"][0]["amount"] = "a lot"
    response = client_for(users["admin"]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["fundings[0].amount"]


def test_bad_update_changes_nothing(portfolio, users):
    project = portfolio["p_both"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "Changed", "countries": [{"country": "EG", "percentage": 60}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert (project.title, project.version) == ("Regional project", 1)
    assert project.recipient_countries.count() == 2


@pytest.mark.parametrize(
    "payload",
    ['{"title": ', "[1, 2]", "null", '"just a string"', "{'single': 'quotes'}"],
)
def test_malformed_or_wrong_shaped_json_is_a_400(portfolio, users, payload):
    before = row_counts()
    response = client_for(users["admin"]).post(
        "/api/v1/projects/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert row_counts() == before


def test_unsupported_media_type_is_415(portfolio, users):
    response = client_for(users["admin"]).post(
        "/api/v1/projects/", "<xml/>", content_type="application/xml"
    )
    assert response.status_code == 415
    assert response.json()["error"]["status"] == 415


@pytest.mark.parametrize(
    ("who", "countries", "code"),
    [
        ("officer_eg", [{"country": "LB", "percentage": 100}], 400),
        (
            "officer_eg",
            [{"country": "EG", "percentage": 50}, {"country": "LB", "percentage": 50}],
            400,
        ),
        ("officer_eg", [], 400),
        ("officer_lb_project", [{"country": "LB", "percentage": 100}], 400),
        ("officer_eg", [{"country": "EG", "percentage": 100}], 201),
        ("admin", [{"country": "LB", "percentage": 100}], 201),
    ],
)
def test_officers_create_projects_only_in_their_countries(portfolio, users, who, countries, code):
    before = row_counts()
    body = new_project_body(portfolio, countries=countries, code="CT.LB2")
    response = client_for(users[who]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == code, response.json()
    if code == 400:
        assert "countries" in response.json()["error"]["fields"]
        assert row_counts() == before
    else:
        assert client_for(users[who]).get(response["Location"]).status_code == 200


def test_officer_cannot_move_a_project_out_of_their_countries(portfolio, users):
    project = portfolio["p_eg"]
    response = client_for(users["officer_eg"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"countries": [{"country": "LB", "percentage": 100}]},
        format="json",
        HTTP_IF_MATCH=f'"{project.version}"',
    )
    assert response.status_code == 400
    assert "Lebanon" in response.json()["error"]["fields"]["countries"][0]
    assert list(project.recipient_countries.values_list("country__code", flat=True)) == ["EG"]


def test_session_writes_need_the_csrf_token(portfolio, users):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    response = client.post("/api/v1/projects/", new_project_body(portfolio), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Project.objects.filter(code="CT.NEW1").exists()


def test_patch_cannot_send_half_a_row(portfolio, users):
    project = portfolio["p_eg"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/projects/{project.pk}/",
        {"fundings": [{"amount": "10"}], "countries": [{}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"fundings[0].donor", "countries[0].country", "countries[0].percentage"} <= set(fields)
    assert project.fundings.count() == 1


ODD_VALUES = [None, "", -1, 1e308, "1e100", [], {}, [1, 2], [None], True, "9" * 40, "2024-02-30"]
ODD_FIELDS = [
    "code",
    "budget",
    "currency",
    "status",
    "planned_start",
    "actual_end",
    "reporting_organisation",
    "thematic_areas",
    "fundings",
    "countries",
    "participating_organisations",
    "version",
]


@pytest.mark.parametrize("field", ODD_FIELDS)
def test_no_value_makes_the_server_fail(portfolio, users, field):
    client = client_for(users["admin"])
    project = portfolio["p_eg"]
    statuses = set()
    for value in ODD_VALUES:
        created = client.post(
            "/api/v1/projects/", new_project_body(portfolio, **{field: value}), format="json"
        )
        changed = client.patch(
            f"/api/v1/projects/{project.pk}/", {field: value}, format="json", HTTP_IF_MATCH="*"
        )
        statuses |= {created.status_code, changed.status_code}
        Project.objects.filter(code="CT.NEW1").delete()
    allowed = {200, 201, 400} | ({412} if field == "version" else set())
    assert statuses <= allowed, statuses


# What IATI refuses ----------------------------------------------------------------


def test_an_actual_start_in_the_future_is_a_400(portfolio, users):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    before = Project.objects.count()
    response = client_for(users["officer_eg"]).post(
        "/api/v1/projects/", new_project_body(portfolio, actual_start=tomorrow), format="json"
    )
    assert response.status_code == 400
    assert "future" in response.json()["error"]["fields"]["actual_start"][0]
    assert Project.objects.count() == before


@pytest.mark.parametrize("identifier", ["", "47066", "ZZ-QQ-1"])
def test_a_reporting_organisation_without_a_valid_identifier_is_a_400(portfolio, users, identifier):
    reporter = portfolio["donor_a"]
    reporter.iati_identifier = identifier
    reporter.save()
    before = Project.objects.count()
    response = client_for(users["officer_eg"]).post(
        "/api/v1/projects/", new_project_body(portfolio), format="json"
    )
    assert response.status_code == 400
    assert "reporting_organisation" in response.json()["error"]["fields"]
    assert Project.objects.count() == before


def test_sectors_and_iati_defaults_are_saved_and_shown(portfolio, users):
    body = new_project_body(
        portfolio,
        countries=[{"country": "EG", "percentage": "100"}],
        text_language="ar",
        default_aid_type="D02",
        collaboration_type="2",
        contact_email="ct@example.org",
        sectors=[{"code": "15190", "percentage": "70"}, {"code": "15180", "percentage": "30"}],
    )
    response = client_for(users["officer_eg"]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.json()
    shown = response.json()
    assert (shown["text_language"], shown["default_aid_type"], shown["collaboration_type"]) == (
        "ar",
        "D02",
        "2",
    )
    assert [(s["code"], s["percentage"]) for s in shown["sectors"]] == [
        ("15190", "70.00"),
        ("15180", "30.00"),
    ]


@pytest.mark.parametrize(
    "sectors",
    [
        [{"code": "15190", "percentage": "70"}],
        [{"code": "15190", "percentage": "50"}, {"code": "15190", "percentage": "50"}],
    ],
)
def test_sectors_that_do_not_add_up_are_a_400(portfolio, users, sectors):
    response = client_for(users["officer_eg"]).post(
        "/api/v1/projects/", new_project_body(portfolio, sectors=sectors), format="json"
    )
    assert response.status_code == 400
    assert "sectors" in response.json()["error"]["fields"]
    assert not Project.objects.filter(code="CT.NEW1").exists()


def test_a_reason_for_no_budget_next_to_a_budget_is_a_400(portfolio, users):
    response = client_for(users["officer_eg"]).post(
        "/api/v1/projects/", new_project_body(portfolio, budget_not_provided="1"), format="json"
    )
    assert response.status_code == 400
    assert "budget_not_provided" in response.json()["error"]["fields"]
