"""The API's front door: a root that lists every resource, a reference by area, a guide."""

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from ctportal.api_docs import AREAS, RESOURCES


def collections() -> set[str]:
    """Every path of the schema that lists records (no id in it), as the root names them."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path.removeprefix("/api/v1/").rstrip("/")
        for path, item in schema["paths"].items()
        if "get" in item and "{" not in path and path.startswith("/api/v1/") and path != "/api/v1/"
    }


def test_the_root_lists_every_resource_of_the_schema(users):
    client = APIClient()
    client.force_authenticate(users["analyst"])
    answer = client.get("/api/v1/")
    assert answer.status_code == 200
    listed = answer.json()
    assert set(listed) == collections()
    assert len(listed) > 7
    for name, url in listed.items():
        assert url.endswith(f"/api/v1/{name}/"), (name, url)


def test_the_root_answers_people_without_a_role_401_or_403(users):
    assert APIClient().get("/api/v1/").status_code == 401
    client = APIClient()
    client.force_authenticate(users["norole"])
    assert client.get("/api/v1/").status_code == 403


def test_every_operation_is_tagged_with_its_area():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    areas = {area for _prefix, area in AREAS}
    seen = set()
    for item in schema["paths"].values():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                assert len(item[method]["tags"]) == 1
                seen.add(item[method]["tags"][0])
    assert seen == areas
    assert [tag["name"] for tag in schema["tags"]][0] == "Projects and reference data"


def test_the_schema_description_names_every_area_and_the_guide():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    description = schema["info"]["description"]
    for word in ("trainings", "research", "victim assistance", "CTDC", "metrics", "/api/guide/"):
        assert word in description


def test_the_reference_is_a_portal_page_grouped_by_area(users):
    client = Client()
    client.force_login(users["analyst"])
    answer = client.get("/api/docs/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'class="mainnav"' in html
    headings = re.findall(r'<h2 id="([a-z0-9-]+)">', html)
    assert "projects-and-reference-data" in headings and "trainings" in headings
    assert len(headings) == len(AREAS) + 1  # the areas and their table of contents
    assert "/api/docs/try/" in html and "/api/schema/" in html
    assert "cdn" not in html.lower()
    assert answer.context["count"] > 80


def test_the_guide_shows_curl_python_and_r_and_links_the_tokens_page(users):
    client = Client()
    client.force_login(users["analyst"])
    html = client.get("/api/guide/").content.decode()
    assert "curl -H" in html and "import pandas as pd" in html and "library(httr2)" in html
    assert 'href="/accounts/tokens/"' in html
    assert "http://testserver/api/v1/projects/" in html


@pytest.mark.parametrize("name", ["case_worker_lb", "donor_a"])
def test_roles_without_the_api_in_their_menu_are_refused_its_pages(users, name):
    client = Client()
    client.force_login(users[name])
    assert client.get("/api/guide/").status_code == 404
    assert client.get("/api/docs/").status_code == 404


def test_the_resources_list_has_no_duplicate():
    names = [name for name, _url in RESOURCES]
    assert len(names) == len(set(names))
