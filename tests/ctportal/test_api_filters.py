import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from tests import factories as f

# Parameters that are not filters, and lists needing one to answer at all.
NOT_FILTERS = {"format", "hxl", "by", "dimensions"}
REQUIRED = {"/api/v1/trainings/aggregate/": {"by": "sex"}}
BAD_NUMBERS = ["abc", "1.5", "-5", "0", "99999999999999999999999"]
BAD_DATES = ["2024-13-45", "yesterday", "99999-01-01"]


@pytest.fixture
def admin_client(users):
    client = APIClient()
    client.force_login(users["admin"])
    return client


@pytest.fixture
def schema(admin_client):
    return admin_client.get("/api/schema/", {"format": "json"}).json()


def list_operations(schema):
    """(path, parameters) of every list (GET without a path parameter) the schema documents."""
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get and "{" not in path:
            yield path, [p for p in get.get("parameters", []) if p["in"] == "query"]


def enum_of(parameter) -> list | None:
    schema = parameter.get("schema", {})
    return schema.get("enum") or schema.get("items", {}).get("enum")


def bad_values(parameter) -> list[str]:
    schema = parameter.get("schema", {})
    if enum_of(parameter):
        return ["bogus", "-bogus"] if parameter["name"] == "ordering" else ["bogus"]
    if parameter["name"] in ("page", "page_size"):
        # Past the last page is a 404; a page size past 1000 is cut to 1000.
        return BAD_NUMBERS[:-1]
    if schema.get("type") in ("integer", "number"):
        if parameter["name"] in ("year",):
            return [*BAD_NUMBERS, "10000", "3000000000"]
        return BAD_NUMBERS
    if schema.get("format") == "date":
        return BAD_DATES
    if schema.get("type") == "boolean":
        return ["maybe", "2"]
    return []


def test_every_bad_filter_of_every_list_answers_400_naming_it(portfolio, admin_client, schema):
    tried = 0
    for path, parameters in list_operations(schema):
        for parameter in parameters:
            name = parameter["name"]
            if name in NOT_FILTERS:
                continue
            for value in bad_values(parameter):
                response = admin_client.get(path, {**REQUIRED.get(path, {}), name: value})
                assert response.status_code == 400, (path, name, value, response.status_code)
                error = response.json()["error"]
                assert error["code"] == "invalid"
                assert error["message"] == "Some parameters are not valid; see error.fields."
                assert name in error["fields"], (path, name, value)
                tried += 1
    assert tried > 200


def test_every_documented_choice_is_accepted(portfolio, admin_client, schema):
    tried = 0
    for path, parameters in list_operations(schema):
        for parameter in parameters:
            if parameter["name"] in NOT_FILTERS or not enum_of(parameter):
                continue
            for value in enum_of(parameter):
                params = {**REQUIRED.get(path, {}), parameter["name"]: value}
                response = admin_client.get(path, params)
                assert response.status_code == 200, (path, params, response.content[:200])
                tried += 1
    assert tried > 100


def test_search_and_ordering_are_documented_exactly_where_they_work(schema):
    for path, parameters in list_operations(schema):
        names = {p["name"] for p in parameters}
        view = resolve(path).func
        view = getattr(view, "cls", None) or view.view_class
        assert ("search" in names) == bool(getattr(view, "search_fields", None)), path
        if "ordering" in names:
            ordering = next(p for p in parameters if p["name"] == "ordering")
            assert set(enum_of(ordering)) == {
                value for name in view.ordering_fields for value in (name, f"-{name}")
            }


def test_search_finds_by_title_and_code(portfolio, admin_client):
    response = admin_client.get("/api/v1/projects/", {"search": "lebanon"})
    assert [row["title"] for row in response.json()["results"]] == ["Lebanon project"]
    code = portfolio["p_both"].code
    response = admin_client.get("/api/v1/projects/", {"search": code.lower()})
    assert [row["code"] for row in response.json()["results"]] == [code]
    f.TransactionFactory(project=portfolio["p_eg"], description="Shelter rent")
    f.TransactionFactory(project=portfolio["p_lb"], description="Printing")
    response = admin_client.get("/api/v1/transactions/", {"search": "shelter"})
    assert [row["description"] for row in response.json()["results"]] == ["Shelter rent"]
    response = admin_client.get("/api/v1/countries/", {"search": "لبنان"})
    assert [row["code"] for row in response.json()["results"]] == ["LB"]


def test_search_stays_within_scope(portfolio, users):
    client = APIClient()
    client.force_login(users["donor_b"])
    assert client.get("/api/v1/projects/", {"search": "egypt"}).json()["count"] == 0


def test_ordering_sorts_both_ways_and_names_the_choices_when_wrong(portfolio, admin_client):
    titles = ["Egypt project", "Lebanon project", "Regional project"]
    up = admin_client.get("/api/v1/projects/", {"ordering": "title"}).json()["results"]
    down = admin_client.get("/api/v1/projects/", {"ordering": "-title"}).json()["results"]
    assert [row["title"] for row in up] == titles
    assert [row["title"] for row in down] == titles[::-1]
    wrong = admin_client.get("/api/v1/projects/", {"ordering": "title,secret_field"})
    assert wrong.status_code == 400
    assert "budget" in wrong.json()["error"]["fields"]["ordering"][0]


def test_pages_of_equal_sort_keys_neither_repeat_nor_skip(portfolio, admin_client):
    for _ in range(5):
        f.TransactionFactory(project=portfolio["p_eg"], kind="4")
    seen = []
    for page in (1, 2, 3):
        response = admin_client.get(
            "/api/v1/transactions/", {"ordering": "kind", "page_size": 2, "page": page}
        )
        seen += [row["id"] for row in response.json()["results"]]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page_size": "-5"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_malformed_page_parameters_are_400(portfolio, admin_client, params, field):
    response = admin_client.get("/api/v1/projects/", {**params, "format": "csv"})
    assert response.status_code == 400
    assert field in response.content.decode("utf-8-sig").splitlines()[0]


def test_a_page_past_the_last_is_not_found(portfolio, admin_client):
    assert admin_client.get("/api/v1/projects/", {"page": "2"}).status_code == 404
    assert admin_client.get("/api/v1/projects/", {"page": "3000000000"}).status_code == 404


def test_a_write_error_still_says_nothing_was_saved(portfolio, users):
    client = APIClient()
    client.force_login(users["officer_eg"])
    response = client.post("/api/v1/transactions/", {"project": portfolio["p_eg"].code})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Some values are not valid; nothing was saved."


def test_only_a_request_naming_a_filter_builds_the_filter_form():
    from ctportal.api_filters import asks_for_any
    from projects.filters import ProjectFilter

    name = next(iter(ProjectFilter.base_filters))
    assert not asks_for_any(ProjectFilter, {"page": "2", "page_size": "10", "format": "json"})
    assert asks_for_any(ProjectFilter, {name: "x"})
    assert asks_for_any(ProjectFilter, {f"{name}_after": "2024-01-01"})


def test_an_unfiltered_page_is_the_whole_scoped_list(portfolio, admin_client):
    whole = admin_client.get("/api/v1/projects/").json()
    assert whole["count"] == 3
    assert admin_client.get("/api/v1/projects/", {"status": ""}).json() == whole
