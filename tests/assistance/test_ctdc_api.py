import csv
import io
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


def test_plan_and_page_are_read_in_one_snapshot(users, shared, monkeypatch):  # noqa: F811
    """A case saved between counting and reading must not be published unchecked."""
    from contextlib import contextmanager

    from assistance.api import ctdc as api

    inside = []
    reads = []

    @contextmanager
    def snapshot():
        inside.append(True)
        try:
            yield
        finally:
            inside.pop()

    def plan_for(cases):
        reads.append(("plan", bool(inside)))
        return ctdc.plan_for(cases)

    def published_cases(cases, plan):
        reads.append(("rows", bool(inside)))
        return ctdc.published_cases(cases, plan)

    monkeypatch.setattr(api, "consistent_read", snapshot)
    monkeypatch.setattr(api, "plan_for", plan_for)
    monkeypatch.setattr(api, "published_cases", published_cases)

    assert client_for(users["analyst"]).get(RECORDS).status_code == 200
    assert reads == [("plan", True), ("rows", True)]
