import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from research.models import LegislativeSupport, OutputFile, ResearchOutput
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS
from tests.research.test_selectors import expected

ROLE_USERS = sorted(who for who in EXPECTED_PROJECTS if EXPECTED_PROJECTS[who])
EDITORS = {"officer_eg", "officer_lb_project", "admin"}
ENDPOINTS = {
    "outputs": "/api/v1/research/outputs/",
    "supports": "/api/v1/research/legislation/",
    "activities": "/api/v1/research/awareness/",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("name", ROLE_USERS)
@pytest.mark.parametrize("key", list(ENDPOINTS))
def test_lists_follow_the_access_policy(users, research, name, key):
    body = client_for(users[name]).get(ENDPOINTS[key]).json()
    by_pk = {record.pk: k for k, record in research[key].items()}
    assert {by_pk[row["id"]] for row in body["results"]} == expected(name, research[key])
    seen = expected(name, research[key])
    for record_key, record in research[key].items():
        response = client_for(users[name]).get(f"{ENDPOINTS[key]}{record.pk}/")
        assert response.status_code == (200 if record_key in seen else 404)


def test_no_role_no_api(users, research):
    assert client_for(users["norole"]).get(ENDPOINTS["outputs"]).status_code == 403
    assert APIClient().get(ENDPOINTS["outputs"]).status_code in (401, 403)


def test_linked_projects_outside_scope_are_left_out(users, research):
    output = research["outputs"]["two"]
    row = client_for(users["officer_eg"]).get(f"{ENDPOINTS['outputs']}{output.pk}/").json()
    assert row["projects"] == [output.projects.get(title="Egypt project").code]


def test_filters(users, research, portfolio):
    client = client_for(users["admin"])
    body = client.get(ENDPOINTS["outputs"], {"kind": "study"}).json()
    assert [row["title"] for row in body["results"]] == ["Output two"]
    body = client.get(ENDPOINTS["outputs"], {"project": portfolio["p_lb"].pk}).json()
    assert {row["title"] for row in body["results"]} == {"Output p_lb", "Output two"}
    body = client.get(ENDPOINTS["supports"], {"stage": "adopted"}).json()
    assert [row["title"] for row in body["results"]] == ["Law p_eg"]
    assert body["results"][0]["current_stage"] == "adopted"
    body = client.get(ENDPOINTS["supports"], {"country": "EG", "page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2


@pytest.mark.parametrize("name", ROLE_USERS)
def test_only_editors_create(users, portfolio, name):
    response = client_for(users[name]).post(
        ENDPOINTS["outputs"],
        {"kind": "study", "title": "New study", "projects": [portfolio["p_both"].code]},
        format="json",
    )
    if name not in EDITORS:
        assert response.status_code == 403
    elif "p_both" in EXPECTED_PROJECTS[name]:
        assert response.status_code == 201, response.json()
        assert response["ETag"] == '"1"'
    else:
        # The project is outside this officer's scope: unknown to them.
        assert response.status_code == 400
        assert "projects" in response.json()["error"]["fields"]


def test_updates_need_the_version(users, research):
    output = research["outputs"]["p_eg"]
    client = client_for(users["officer_eg"])
    url = f"{ENDPOINTS['outputs']}{output.pk}/"
    assert client.patch(url, {"title": "x"}, format="json").status_code == 428
    assert client.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH='"7"').status_code == 412
    response = client.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed" and response["ETag"] == '"2"'


def test_a_translation_of_itself_through_the_api(users, research):
    output = research["outputs"]["p_eg"]
    response = client_for(users["admin"]).patch(
        f"{ENDPOINTS['outputs']}{output.pk}/",
        {"translation_of": output.pk, "language": "ar", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert "itself" in response.json()["error"]["fields"]["translation_of"][0]
    output.refresh_from_db()
    assert output.language == "en" and output.version == 1


def test_readers_cannot_change(users, research):
    output = research["outputs"]["p_eg"]
    response = client_for(users["me"]).patch(
        f"{ENDPOINTS['outputs']}{output.pk}/", {"title": "x", "version": 1}, format="json"
    )
    assert response.status_code == 403


def test_support_with_stages_out_of_order(users, portfolio):
    client = client_for(users["officer_eg"])
    data = {
        "country": "eg",
        "instrument": "law",
        "title": "Law",
        "projects": [portfolio["p_eg"].code],
        "support": ["drafting"],
        "stages": [
            {"stage": "drafting", "date": "2009-01-01"},
            {"stage": "submitted", "date": "2008-01-01"},
        ],
    }
    response = client.post(ENDPOINTS["supports"], data, format="json")
    assert response.status_code == 400
    assert "stages[1].date" in response.json()["error"]["fields"]
    assert not LegislativeSupport.objects.exists()
    data["stages"][1]["date"] = "2009-09-01"
    response = client.post(ENDPOINTS["supports"], data, format="json")
    assert response.status_code == 201
    assert response.json()["current_stage"] == "submitted"
    assert response.json()["support"] == ["drafting"]


def test_add_a_stage(users, research):
    support = research["supports"]["p_eg"]
    client = client_for(users["officer_eg"])
    url = f"{ENDPOINTS['supports']}{support.pk}/stages/"
    response = client.post(url, {"stage": "in_force", "date": "2020-01-01"}, format="json")
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]
    response = client.post(url, {"stage": "in_force", "date": "2023-01-01"}, format="json")
    assert response.status_code == 201
    hidden = research["supports"]["p_lb"]
    response = client.post(
        f"{ENDPOINTS['supports']}{hidden.pk}/stages/",
        {"stage": "in_force", "date": "2023-01-01"},
        format="json",
    )
    assert response.status_code == 404


def test_file_upload_through_the_api(users, research):
    output = research["outputs"]["p_eg"]
    client = client_for(users["officer_eg"])
    url = f"{ENDPOINTS['outputs']}{output.pk}/files/"
    bad = SimpleUploadedFile("tool.exe", b"MZ" + bytes(40))
    response = client.post(url, {"title": "Tool", "file": bad}, format="multipart")
    assert response.status_code == 400
    assert "cannot be uploaded" in response.json()["error"]["fields"]["file"][0]
    assert not OutputFile.objects.exists()
    good = SimpleUploadedFile("handbook.pdf", b"%PDF-1.7\n%%EOF\n")
    response = client.post(url, {"title": "Handbook", "file": good}, format="multipart")
    assert response.status_code == 201
    attachment = OutputFile.objects.get()
    assert response.json()["url"].endswith(f"/research/outputs/{output.pk}/files/{attachment.pk}/")


def test_csv(users, research):
    response = client_for(users["analyst"]).get(ENDPOINTS["activities"], {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["title"] for row in rows} == {f"Campaign {k}" for k in research["activities"]}


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("key", list(ENDPOINTS))
def test_list_query_counts_are_bounded(users, portfolio, django_assert_max_num_queries, count, key):
    for _ in range(count):
        output = f.ResearchOutputFactory(projects=[portfolio["p_eg"]])
        support = f.LegislativeSupportFactory(projects=[portfolio["p_eg"]])
        support.outputs.set([output])
        f.LegislativeStageFactory(support=support)
        f.AwarenessActivityFactory(projects=[portfolio["p_eg"]])
    client = client_for(users["officer_eg"])
    with django_assert_max_num_queries(12):
        response = client.get(ENDPOINTS[key])
    assert response.status_code == 200


def test_the_schema_documents_the_research_endpoints(client, users):
    client.force_login(users["admin"])
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/research/outputs/" in schema
    assert "/api/v1/research/legislation/{id}/stages/" in schema
    assert ResearchOutput.objects.count() == 0


@pytest.mark.parametrize("key", ["outputs", "activities"])
def test_countries_are_listed_as_codes(users, portfolio, key):
    make = {"outputs": f.ResearchOutputFactory, "activities": f.AwarenessActivityFactory}[key]
    record = make(projects=[portfolio["p_both"]])
    record.countries.set([portfolio["egypt"], portfolio["lebanon"]])
    client = client_for(users["analyst"])
    listed = client.get(ENDPOINTS[key])
    assert listed.status_code == 200
    assert listed.json()["results"][0]["countries"] == ["EG", "LB"]
    detail = client.get(f"{ENDPOINTS[key]}{record.pk}/")
    assert detail.status_code == 200
    assert detail.json()["countries"] == ["EG", "LB"]
    as_csv = client.get(f"{ENDPOINTS[key]}{record.pk}/", HTTP_ACCEPT="text/csv")
    assert as_csv.status_code == 200
    row = next(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert row["countries"].replace(" ", "") == "EG;LB"


@pytest.mark.parametrize("year", ["10000", "0", "-5", "3000000000"])
def test_a_year_out_of_range_is_400(users, research, year):
    response = client_for(users["analyst"]).get(ENDPOINTS["outputs"], {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()["error"]["fields"]
