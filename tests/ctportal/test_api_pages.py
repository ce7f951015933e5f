"""API lists that pick a page's ids first answer exactly what the whole annotated list did.

The reference here is the list as it was built before: every visible record
annotated and prefetched, ordered, then sliced. Compared over the demo with
every relation filled, for several roles, orderings, filters and pages.
"""

import json

import pytest
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, Sum
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from projects.api import serializers as ps
from projects.models import Organisation, ParticipatingOrganisation, Project, Transaction
from trainings.api import serializers as ts
from trainings.models import TrainingSession
from trainings.selectors import sessions_with_totals

ROLES = ["admin", "officer", "me", "donor", "analyst"]


def _old_projects(user):
    same_currency = Q(transactions__currency=F("currency"))
    spend = same_currency & Q(transactions__kind__in=[3, 4])
    return (
        Project.objects.visible_to(user)
        .for_list()
        .prefetch_related(
            Prefetch(
                "participating_organisations",
                queryset=ParticipatingOrganisation.objects.select_related("organisation"),
            ),
            "sectors",
        )
        .annotate(
            spent=Sum("transactions__value", filter=spend),
            transaction_count=Count("transactions"),
        )
        .order_by(*Project._meta.ordering)
    )


def _old_sessions(user):
    return (
        sessions_with_totals(TrainingSession.objects.visible_to(user))
        .select_related("project", "host_country")
        .prefetch_related(
            "audiences",
            Prefetch("partners", queryset=Organisation.objects.order_by("name")),
            Prefetch("facilitators", queryset=Organisation.objects.order_by("name")),
            "indicators",
        )
        .order_by(*TrainingSession._meta.ordering, "pk")
    )


def _old_transactions(user):
    return Transaction.objects.visible_to(user).select_related("project", "provider", "receiver")


LISTS = {
    "/api/v1/projects/": (_old_projects, ps.ProjectSerializer),
    "/api/v1/trainings/sessions/": (_old_sessions, ts.TrainingSessionSerializer),
    "/api/v1/transactions/": (_old_transactions, ps.TransactionSerializer),
}
ORDERINGS = {
    "/api/v1/projects/": ["", "spent", "-spent", "title", "-budget,code"],
    "/api/v1/trainings/sessions/": ["", "-participant_total", "participant_total", "title"],
    "/api/v1/transactions/": ["", "value", "-date"],
}


def _expected(path: str, user, ordering: str, page: int, size: int) -> tuple[int, list]:
    build, serializer_class = LISTS[path]
    queryset = build(user)
    if ordering:
        terms = ordering.split(",")
        queryset = queryset.order_by(*terms, "pk")
    request = Request(APIRequestFactory().get(path))
    request.user = user
    rows = list(queryset[(page - 1) * size : page * size])
    data = serializer_class(rows, many=True, context={"request": request}).data
    return queryset.count(), json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("path", list(LISTS))
@pytest.mark.parametrize("who", ROLES)
def test_each_page_is_what_the_whole_annotated_list_gave(full_portfolio, db, path, who):
    user = full_portfolio["users"][who]
    client = APIClient()
    client.force_authenticate(user)
    compared = 0
    for ordering in ORDERINGS[path]:
        count, _rows = _expected(path, user, ordering, 1, 1000)
        size = 3
        for page in range(1, (count + size - 1) // size + 1):
            params = {"page": page, "page_size": size}
            if ordering:
                params["ordering"] = ordering
            response = client.get(path, params)
            assert response.status_code == 200, response.content
            body = response.json()
            expected_count, expected = _expected(path, user, ordering, page, size)
            assert body["count"] == expected_count
            assert body["results"] == expected, (ordering, page)
            compared += len(expected)
    if who != "donor" or path != "/api/v1/trainings/sessions/":
        assert compared > 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/projects/", {"country": "LB"}),
        ("/api/v1/projects/", {"q": "a", "status": 2}),
        ("/api/v1/trainings/sessions/", {"audience": "police"}),
        ("/api/v1/trainings/sessions/", {"search": "a"}),
        ("/api/v1/transactions/", {"search": "a"}),
    ],
)
def test_filtered_pages_match_the_filtered_list(full_portfolio, db, path, params):
    user = full_portfolio["users"]["admin"]
    client = APIClient()
    client.force_authenticate(user)
    whole = client.get(path, {**params, "page_size": 1000}).json()
    pages = []
    page = 1
    while True:
        body = client.get(path, {**params, "page_size": 2, "page": page}).json()
        assert body["count"] == whole["count"]
        pages += body["results"]
        if not body["next"]:
            break
        page += 1
    assert pages == whole["results"]
    assert len({row["id"] for row in pages}) == whole["count"]


def _count_of(sql: str) -> str | None:
    """The count a statement makes: the whole of an ORM count, or the database page's part."""
    if sql.startswith("SELECT COUNT("):
        return sql
    start = sql.find("(SELECT count(*) FROM (")
    if start < 0:
        return None
    return sql[start : sql.index(") c)", start)]


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/trainings/sessions/"])
@pytest.mark.parametrize("who", ["admin", "donor", "officer"])
def test_a_middle_page_costs_a_few_queries_and_counts_without_joins(
    full_portfolio, db, path, who, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = APIClient()
    client.force_authenticate(full_portfolio["users"][who])
    with django_assert_max_num_queries(9), CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 2, "page": 2})
    assert response.status_code in (200, 404)
    counts = [_count_of(q["sql"]) for q in queries.captured_queries]
    counts = [sql for sql in counts if sql]
    assert len(counts) == 1
    # The count reads the scoped records alone: no transactions, attendances or totals.
    assert "transaction" not in counts[0] and "attendance" not in counts[0]
    assert "participantcount" not in counts[0]


# On PostgreSQL, the database counts the list and writes the page's JSON in one statement.
POSTGRESQL = connection.vendor == "postgresql"


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/projects/", 1 if POSTGRESQL else 7),
        ("/api/v1/trainings/sessions/", 1 if POSTGRESQL else 6),
        ("/api/v1/transactions/", 1 if POSTGRESQL else 2),
    ],
)
@pytest.mark.parametrize("who", ["admin", "donor", "officer"])
def test_a_page_costs_its_count_its_rows_and_one_query_per_related_list(
    full_portfolio, db, path, queries, who, django_assert_num_queries
):
    client = APIClient()
    client.force_authenticate(full_portfolio["users"][who])
    with django_assert_num_queries(queries):
        response = client.get(path, {"page_size": 1000})
    assert response.status_code == 200
