import csv
import io
import re
from collections import Counter

import pytest
from rest_framework.test import APIClient

from assistance import ctdc
from assistance.export_models import CTDCExport
from assistance.models import Case
from projects.models import ExportStatus
from tests import factories as f
from tests.assistance.test_ctdc_exports import committed, shared  # noqa: F401

RECORDS = "/api/v1/assistance/ctdc/records/"
EXPORTS = "/api/v1/assistance/ctdc/exports/"

# Consenting cases each role may count in the `shared` fixture (Lebanon 31, Egypt 12).
IN_SCOPE = {
    "admin": 43,
    "me": 43,
    "analyst": 43,
    "donor_a": 12,
    "donor_b": 31,
    "officer_eg": 12,
    "officer_lb_project": 31,
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def all_records(client: APIClient) -> list[dict]:
    return client.get(RECORDS, {"page_size": 1000}).json()["results"]


@pytest.mark.parametrize("who", sorted(IN_SCOPE))
def test_records_of_each_role_are_its_scope_anonymised(users, shared, who):  # noqa: F811
    response = client_for(users[who]).get(RECORDS, {"page_size": 1000})

    assert response.status_code == 200
    body = response.json()
    assert body["k"] == ctdc.K
    assert set(body["generalisation"]) == set(ctdc.QI_KEYS)
    rows = body["results"]
    assert body["count"] == len(rows) == IN_SCOPE[who] - (1 if IN_SCOPE[who] != 12 else 0)
    assert all(list(row) == list(ctdc.COLUMNS) for row in rows)
    sizes = Counter(tuple(row[c] for c in ctdc.QUASI_IDENTIFIER_COLUMNS) for row in rows)
    assert min(sizes.values()) >= ctdc.K
    references = set(Case.objects.values_list("reference", flat=True))
    assert not any(reference in response.content.decode() for reference in references)


def test_left_out_count_is_hidden_from_aggregate_viewers(users, shared):  # noqa: F811
    assert client_for(users["admin"]).get(RECORDS).json()["suppressed_records"] == 1
    assert client_for(users["me"]).get(RECORDS).json()["suppressed_records"] == 1
    for who in ("analyst", "donor_b"):
        assert client_for(users[who]).get(RECORDS).json()["suppressed_records"] is None, who


def test_case_worker_gets_their_office_only_with_the_second_factor(
    users,
    case_workers,
    shared,  # noqa: F811
):
    session = APIClient()
    session.force_login(case_workers["lb"])
    assert session.get(RECORDS).json()["count"] == 30

    # A token carries no second factor: the office's cases are out of reach.
    _token, secret = f.api_token(users["case_worker_lb"])
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = by_token.get(RECORDS)
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_records_need_a_role(users, shared):  # noqa: F811
    assert client_for(users["norole"]).get(RECORDS).status_code == 403
    assert APIClient().get(RECORDS).status_code == 401


def test_records_are_paginated_over_the_whole_result(users, shared):  # noqa: F811
    client = client_for(users["analyst"])
    first = client.get(RECORDS, {"page_size": 25}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == second["count"] == 42
    assert (len(first["results"]), len(second["results"])) == (25, 17)
    assert second["next"] is None
    assert first["generalisation"] == second["generalisation"]


def test_records_as_csv(users, shared):  # noqa: F811
    response = client_for(users["donor_a"]).get(RECORDS, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(ctdc.COLUMNS)
    assert len(rows) == 13
    assert {row[ctdc.COLUMNS.index("CountryOfExploitation")] for row in rows[1:]} == {"EG"}


def test_export_lifecycle_through_the_api(users, shared, committed):  # noqa: F811
    client = client_for(users["donor_b"])

    response = committed(client.post, EXPORTS, {"format": "xlsx"}, format="json")

    assert response.status_code == 202
    export = CTDCExport.objects.get(requested_by=users["donor_b"])
    assert export.status == ExportStatus.DONE
    listed = client.get(EXPORTS).json()["results"]
    assert [row["id"] for row in listed] == [export.pk]
    detail = client.get(f"{EXPORTS}{export.pk}/").json()
    assert (detail["status"], detail["records"], detail["suppressed_records"]) == ("done", 30, None)
    assert detail["download"].endswith(f"{EXPORTS}{export.pk}/download/")
    download = client.get(f"{EXPORTS}{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")

    for other in ("admin", "donor_a", "analyst"):
        stranger = client_for(users[other])
        assert stranger.get(f"{EXPORTS}{export.pk}/").status_code == 404, other
        assert stranger.get(f"{EXPORTS}{export.pk}/download/").status_code == 404, other
        assert stranger.get(EXPORTS).json()["results"] == [], other


def test_bad_export_request_is_a_field_error(users):
    response = client_for(users["analyst"]).post(EXPORTS, {"format": "pdf"}, format="json")

    assert response.status_code == 400
    assert "format" in response.json()["error"]["fields"]
    assert not CTDCExport.objects.exists()


def test_unfinished_export_has_no_download(users):
    export = CTDCExport.objects.create(requested_by=users["me"], format="csv")
    client = client_for(users["me"])

    assert client.get(f"{EXPORTS}{export.pk}/").json()["download"] is None
    assert client.get(f"{EXPORTS}{export.pk}/download/").status_code == 404


def test_csv_pages_say_where_they_are(users, shared):  # noqa: F811
    client = client_for(users["analyst"])

    first = client.get(RECORDS, {"format": "csv", "page_size": 25})

    assert first["X-Total-Count"] == "42"
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first["Link"])}
    assert set(links) == {"next", "last"}
    rows = list(csv.reader(io.StringIO(first.content.decode("utf-8-sig"))))
    assert rows[0] == list(ctdc.COLUMNS) and len(rows) == 26
    next_url = links["next"]
    assert "format=csv" in next_url
    assert f"release={shared.pk}" in next_url
    second = client.get(next_url)
    assert second["X-Total-Count"] == "42"
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]
    rest = list(csv.reader(io.StringIO(second.content.decode("utf-8-sig"))))
    assert rest[0] == list(ctdc.COLUMNS) and len(rest) == 18
    # JSON answers carry the same headers.
    assert client.get(RECORDS, {"page_size": 25})["X-Total-Count"] == "42"


def test_pages_stay_on_their_release_when_a_new_one_is_published(users, shared, portfolio):  # noqa: F811
    from tests.assistance.test_ctdc_exports import _cases

    client = client_for(users["analyst"])
    first = client.get(RECORDS, {"page_size": 25}).json()
    _cases(portfolio, users["case_worker_lb"], "lebanon", "p_lb", 20, consent_share_data=True)
    newer = ctdc.ctdc_release_publish()

    second = client.get(first["next"]).json()
    assert (first["release"], second["release"]) == (shared.pk, shared.pk)
    assert second["count"] == 42 and len(second["results"]) == 17
    fresh = client.get(RECORDS).json()
    assert (fresh["release"], fresh["count"]) == (newer.pk, 62)


@pytest.mark.parametrize("release", ["x", "0", "999999"])
def test_unknown_release_is_a_field_error(users, shared, release):  # noqa: F811
    for fmt in ("json", "csv"):
        response = client_for(users["analyst"]).get(RECORDS, {"release": release, "format": fmt})
        assert response.status_code == 400
    assert (
        "release"
        in client_for(users["analyst"]).get(RECORDS, {"release": release}).json()["error"]["fields"]
    )


def test_before_any_release_there_are_no_records(users):
    response = client_for(users["analyst"]).get(RECORDS, {"format": "csv"})

    assert response.status_code == 200
    assert response["X-Total-Count"] == "0"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [list(ctdc.COLUMNS)]
    assert client_for(users["analyst"]).get(RECORDS).json()["release"] is None
    refused = client_for(users["analyst"]).post(EXPORTS, {"format": "csv"}, format="json")
    assert refused.status_code == 400


def test_records_cost_a_fixed_number_of_queries(
    users,
    shared,  # noqa: F811
    portfolio,
    django_assert_max_num_queries,
):
    from tests.assistance.test_ctdc_exports import _cases

    client = client_for(users["donor_b"])
    with django_assert_max_num_queries(6) as few:
        client.get(RECORDS, {"page_size": 1000})
    _cases(portfolio, users["case_worker_lb"], "lebanon", "p_lb", 200, consent_share_data=True)
    ctdc.ctdc_release_publish()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(RECORDS, {"page_size": 1000}).json()["count"] == 230
