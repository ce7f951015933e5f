import csv
import io
import re
from io import StringIO

import hxl
import pytest
from django.core.management import call_command
from django.urls import URLResolver, get_resolver, resolve, reverse
from rest_framework.test import APIClient

from accounts.models import User
from ctportal.api_csv import CSVRenderer, cell, pick, serializer_columns
from projects.api.serializers import ProjectSerializer
from tests import factories as f

# A header made of a list's positions: "partners.0.name", "fundings_1_amount".
POSITIONAL = re.compile(r"(^|[._])\d+([._]|$)")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# Lists whose JSON is not a list of records, with the parameters they need.
OTHER_LISTS = {
    "training-aggregate": {"by": "sex"},
    "assistance-figures": {},
    "ctdc-records": {},
}
# CTDC's published column names (camelCase), kept as they are for comparability.
CTDC_LAYOUT = {"ctdc-records"}


def api_list_names() -> list[str]:
    """Every list of the API: the routers' ``*-list`` routes and the other lists."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif pattern.name and pattern.name.endswith("-list"):
                yield pattern.name

    names = {
        name for name in walk(get_resolver().url_patterns) if reverse(name).startswith("/api/")
    }
    return sorted(names | set(OTHER_LISTS))


def offers_csv(url: str) -> bool:
    match = resolve(url)
    view = getattr(match.func, "cls", None) or match.func.view_class
    return CSVRenderer in view.renderer_classes


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def translated(header: str, name: str) -> bool:
    """Columns meant for people: labels and names in the reader's language."""
    return (
        header == "name"
        or header.endswith("label")
        or (name == "metric-list" and header == "description")
    )


# The layout itself ------------------------------------------------------------


def test_a_path_across_lists_gives_every_items_value():
    row = {"fundings": [{"donor": {"acronym": "EU"}}, {"donor": {"acronym": "IT"}}], "a": None}
    assert pick(row, "fundings.donor.acronym") == ["EU", "IT"]
    assert cell(pick(row, "fundings.donor.acronym")) == "EU;IT"
    assert cell(pick(row, "a.b")) == ""
    assert cell([["x", None], "y"]) == "x;y"
    assert cell({"k": 1}) == '{"k": 1}'
    assert cell(["=cmd", "ok"]) == "'=cmd;ok"


def test_serializer_layout_names_nested_fields_and_no_positions():
    columns = serializer_columns(ProjectSerializer())
    assert columns["fundings_donor_name"] == "fundings.donor.name"
    assert columns["reporting_organisation_acronym"] == "reporting_organisation.acronym"
    assert not any(POSITIONAL.search(header) for header in columns)


# Every list, over the demo data, in three languages ----------------------------------


@pytest.mark.django_db
def test_every_list_offering_csv_has_a_flat_header_that_no_language_changes():
    call_command("load_demo", "--with-users", stdout=StringIO(), stderr=StringIO())
    client = APIClient()
    client.force_authenticate(User.objects.get(username="admin"))
    covered = []
    for name in api_list_names():
        url = reverse(name)
        params = {**OTHER_LISTS.get(name, {}), "format": "csv"}
        if not offers_csv(url):
            assert client.get(url, params).status_code == 404
            continue
        answers = {
            lang: read_csv(client.get(url, params, HTTP_ACCEPT_LANGUAGE=lang))
            for lang in ("en", "ar", "fr")
        }
        header = answers["en"][0]
        assert header, name
        for lang in ("ar", "fr"):
            assert answers[lang][0] == header, (name, lang)
            assert len(answers[lang]) == len(answers["en"]), (name, lang)
            for row_en, row_other in zip(answers["en"][1:], answers[lang][1:], strict=True):
                for column, value_en, value_other in zip(header, row_en, row_other, strict=True):
                    if not translated(column, name):
                        assert value_other == value_en, (name, lang, column)
        assert len(set(header)) == len(header), name
        for column in header:
            assert not POSITIONAL.search(column), (name, column)
            if name not in CTDC_LAYOUT:
                assert SNAKE_CASE.fullmatch(column), (name, column)
        # One row per record: as many rows as the page has records.
        total = client.get(url, params).get("X-Total-Count")
        if total is not None:
            assert len(answers["en"]) - 1 == min(int(total), 50), name
        covered.append(name)
    assert {"project-list", "transaction-list", "training-session-list"} <= set(covered)
    assert "assistance-note-list" not in covered  # notes are never offered as CSV


# Projects ----------------------------------------------------------------------


def projects_csv(client, **params) -> list[dict]:
    response = client.get("/api/v1/projects/", {"format": "csv", "ordering": "code", **params})
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def analyst_client(users):
    client = APIClient()
    client.force_login(users["analyst"])
    return client


def test_projects_csv_has_one_row_per_project_with_lists_joined(portfolio, analyst_client):
    theme = f.pm.ThematicArea.objects.get(code="protection")
    portfolio["p_both"].thematic_areas.add(theme)
    rows = {row["code"]: row for row in projects_csv(analyst_client)}
    assert len(rows) == 3
    both = rows[portfolio["p_both"].code]
    assert 20 <= len(both) <= 40
    assert both["recipient_countries"] == "EG;LB"
    assert both["recipient_country_percentages"] == "60.00;40.00"
    assert sorted(both["donors"].split(";")) == ["Donor A", "Donor B"]
    assert both["thematic_areas"] == "protection"
    assert rows[portfolio["p_eg"].code]["recipient_countries"] == "EG"


def test_projects_csv_header_does_not_depend_on_the_rows(portfolio, users, analyst_client):
    full = analyst_client.get("/api/v1/projects/", {"format": "csv"})
    empty = analyst_client.get("/api/v1/projects/", {"format": "csv", "search": "no such thing"})
    assert read_csv(empty) == [read_csv(full)[0]]


def test_free_text_lists_keep_one_item_per_line(portfolio, analyst_client):
    project = portfolio["p_eg"]
    project.objectives = "Train judges; prosecutors\nOpen a shelter"
    project.save()
    row = next(r for r in projects_csv(analyst_client) if r["code"] == project.code)
    assert row["objectives"].split("\n") == ["Train judges; prosecutors", "Open a shelter"]


# HXL ------------------------------------------------------------------------------


def hxl_dataset(response):
    rows = read_csv(response)
    assert any(tag.startswith("#") for tag in rows[1])
    report = hxl.validate(hxl.data(rows))
    assert report["stats"]["error"] == 0, report["issues"]
    return hxl.data(rows).cache()  # a dataset streams: cached, it can be read twice


def display_tags(dataset) -> set[str]:
    return {column.display_tag for column in dataset.columns if column.display_tag}


def test_projects_csv_with_hxl_hashtags(portfolio, analyst_client):
    dataset = hxl_dataset(analyst_client.get("/api/v1/projects/", {"format": "csv", "hxl": "1"}))
    assert {
        "#activity+code",
        "#activity+id+iati",
        "#country+code",
        "#org+funder+name",
        "#value+budget",
        "#currency",
        "#date+start+planned",
        "#sector+code",
    } <= display_tags(dataset)
    codes = {row.get("#activity+code") for row in dataset}
    assert codes == {portfolio[key].code for key in ("p_eg", "p_lb", "p_both")}
    without = read_csv(analyst_client.get("/api/v1/projects/", {"format": "csv"}))
    assert not any(value.startswith("#") for value in without[1])


def test_transactions_csv_with_hxl_hashtags(portfolio, analyst_client):
    f.TransactionFactory(project=portfolio["p_eg"], value=1500, currency="EUR")
    f.TransactionFactory(project=portfolio["p_lb"], value=900, currency="USD")
    response = analyst_client.get("/api/v1/transactions/", {"format": "csv", "hxl": "1"})
    dataset = hxl_dataset(response)
    assert {"#activity+code", "#value", "#currency", "#date+transaction"} <= display_tags(dataset)
    assert sorted(row.get("#currency") for row in dataset) == ["EUR", "USD"]


def test_training_figures_csv_with_hxl_hashtags(portfolio, users, analyst_client):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    f.ParticipantCountFactory(session=session, dimension="sex", sex="female", count=12)
    f.ParticipantCountFactory(session=session, dimension="sex", sex="male", count=9)
    response = analyst_client.get(
        "/api/v1/trainings/aggregate/", {"by": "sex", "format": "csv", "hxl": "1"}
    )
    dataset = hxl_dataset(response)
    assert {"#group+sex+code", "#reached+trained", "#output+sessions+num"} <= display_tags(dataset)
    by_sex = {row.get("#group+sex+code"): row.get("#reached+trained") for row in dataset}
    assert by_sex["female"] == "12" and by_sex["male"] == "9"
    country = analyst_client.get(
        "/api/v1/trainings/aggregate/", {"by": "country", "format": "csv", "hxl": "1"}
    )
    assert "#country+code" in display_tags(hxl_dataset(country))


def test_metric_csv_with_hxl_hashtags(portfolio, analyst_client):
    response = analyst_client.get(
        "/api/v1/metrics/budget/data/", {"dimensions": "country", "format": "csv", "hxl": "1"}
    )
    dataset = hxl_dataset(response)
    assert {"#indicator+code", "#country+code", "#currency", "#value"} <= display_tags(dataset)
    assert {row.get("#country+code") for row in dataset if row.get("#meta+total") == "False"} == {
        "EG",
        "LB",
    }


# Cost --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "ordering", "top_rows"),
    [
        ("/api/v1/projects/", "-budget", 2),
        ("/api/v1/transactions/", "-date", 2),
        ("/api/v1/trainings/sessions/", "title", 1),  # no HXL row offered
    ],
)
def test_a_searched_ordered_csv_costs_a_bounded_number_of_queries(
    portfolio, users, django_assert_max_num_queries, path, ordering, top_rows
):
    for _ in range(30):
        project = f.ProjectFactory(title="Shelter support")
        f.FundingFactory(project=project, donor=portfolio["donor_a"])
        f.RecipientCountryFactory(project=project, country=portfolio["egypt"])
        f.TransactionFactory(project=project, description="Shelter rent")
        f.TrainingSessionFactory(project=project, title="Shelter staff training")
    client = APIClient()
    client.force_login(users["admin"])
    params = {"format": "csv", "hxl": "1", "search": "shelter", "ordering": ordering}
    with django_assert_max_num_queries(13):
        response = client.get(path, {**params, "page_size": 1000})
    assert len(read_csv(response)) == top_rows + 30
