"""Every API read of case data is in the case data read log: who, when, what, from where."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from assistance.models import CaseDataRead, IdentityAccess
from tests.assistance.test_api import (
    ROWS,
    SECRETS,
    record_identities,
    role_clients,
    role_users,
)
from tests.assistance.test_api_care import care  # noqa: F401  (fixture)

API = "/api/v1/assistance/"
# Each endpoint returning case data, with the kind of record its rows are.
LISTS = {
    "cases": ("assistance-case-list", "case"),
    "services": ("assistance-service-list", "service"),
    "referrals": ("assistance-referral-list", "referral"),
    "stays": ("assistance-stay-list", "stay"),
    "notes": ("assistance-note-list", "note"),
}
NOTE_READERS = {"case_worker_lb", "case_worker_eg"}


@pytest.fixture
def clients(users, case_workers):
    return role_clients(users, case_workers)


@pytest.fixture
def records(care, cases):  # noqa: F811
    """Every kind of case row, keyed ``<kind>_<office>``."""
    found = {f"case_{key}": case for key, case in cases.items()}
    for key, case in cases.items():
        found[f"note_{key}"] = case.notes.get()
    return {**care, **found}


def expected_rows(who: str, kind: str) -> set[str]:
    if kind == "note":
        return ROWS[who] if who in NOTE_READERS else set()
    return ROWS[who]


def only_entry() -> CaseDataRead:
    entries = list(CaseDataRead.objects.all())
    assert len(entries) == 1, entries
    return entries[0]


@pytest.mark.parametrize("who", sorted(ROWS))
@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_list_read_is_logged_with_the_ids_it_returned(
    clients, users, case_workers, records, who, name
):
    endpoint, kind = LISTS[name]
    response = clients[who].get(f"{API}{name}/", {"page_size": "20"})
    assert response.status_code == 200
    entry = only_entry()
    keys = expected_rows(who, kind)
    returned = {row["id"] for row in response.json()["results"]}
    assert set(entry.object_ids) == returned == {records[f"{kind}_{k}"].pk for k in keys}
    assert set(entry.case_ids) == {records[f"case_{k}"].pk for k in keys}
    assert entry.endpoint == endpoint
    assert entry.path == f"{API}{name}/"
    assert entry.query == {"page_size": ["20"]}
    assert entry.status_code == 200
    assert entry.user == role_users(users, case_workers)[who]


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_detail_read_is_logged_with_its_id_and_case(clients, case_workers, records, name):
    endpoint, kind = LISTS[name]
    record = records[f"{kind}_lb"]
    response = clients["case_worker_lb"].get(f"{API}{name}/{record.pk}/")
    assert response.status_code == 200
    entry = only_entry()
    assert entry.user == case_workers["lb"]
    assert entry.endpoint == endpoint.replace("-list", "-detail")
    assert entry.object_ids == [record.pk]
    assert entry.case_ids == [records["case_lb"].pk]
    assert entry.path == f"{API}{name}/{record.pk}/"


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_refused_detail_read_is_logged_without_ids(clients, users, records, name):
    _endpoint, kind = LISTS[name]
    record = records[f"{kind}_eg"]
    response = clients["case_worker_lb"].get(f"{API}{name}/{record.pk}/")
    assert response.status_code == 404
    entry = only_entry()
    assert entry.status_code == 404
    assert entry.object_ids == entry.case_ids == []
    assert entry.path == f"{API}{name}/{record.pk}/"


@pytest.mark.parametrize("who", ["donor_a", "analyst", "admin", "case_worker_lb"])
def test_figures_reads_are_logged_with_their_query(clients, records, who):
    response = clients[who].get(
        f"{API}figures/", {"identified_from": "2021-01-01", "identified_to": "2021-12-31"}
    )
    assert response.status_code == 200
    entry = only_entry()
    assert entry.endpoint == "assistance-figures"
    assert entry.query == {"identified_from": ["2021-01-01"], "identified_to": ["2021-12-31"]}
    assert entry.object_ids == []


def test_the_query_keeps_only_the_parameters_the_endpoint_understands(clients, records):
    clients["case_worker_lb"].get(
        f"{API}cases/",
        {"status": "open", "ordering": "reference", "note": "Zahra-Unique-Name", "page": "1"},
    )
    assert only_entry().query == {"ordering": ["reference"], "page": ["1"], "status": ["open"]}


def test_no_identity_or_note_text_reaches_the_log(clients, records):
    for who in ("case_worker_lb", "case_worker_eg", "admin"):
        for name in LISTS:
            clients[who].get(f"{API}{name}/")
            clients[who].get(f"{API}{name}/", {"format": "csv"})
    assert CaseDataRead.objects.count() == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM assistance_casedataread")
        dump = repr(cursor.fetchall())
    for secret in [*SECRETS, "Note-Unique-lb", "Note-Unique-eg"]:
        assert secret not in dump


def test_the_client_address_is_read_behind_the_trusted_proxies(clients, records, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    clients["case_worker_lb"].get(
        f"{API}cases/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
        HTTP_USER_AGENT="curl/8",
    )
    entry = only_entry()
    assert entry.ip_address == "203.0.113.9"
    assert entry.user_agent == "curl/8"


def test_identity_reads_stay_in_the_identity_log_only(clients, records):
    case = records["case_lb"]
    response = clients["case_worker_lb"].get(f"{API}cases/{case.pk}/identity/")
    assert response.status_code == 200
    assert IdentityAccess.objects.filter(case=case, action="read").count() == 1
    assert not CaseDataRead.objects.exists()


def test_writes_are_not_reads(clients, records, orgs):
    response = clients["case_worker_lb"].post(
        f"{API}services/",
        {
            "case": records["case_lb"].pk,
            "kind": "medical",
            "provider": orgs["ngo"].pk,
            "start_date": datetime.date(2021, 7, 1).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert not CaseDataRead.objects.exists()


def test_anonymous_requests_write_nothing(records):
    from rest_framework.test import APIClient

    assert APIClient().get(f"{API}cases/").status_code in {401, 403}
    assert not CaseDataRead.objects.exists()


def test_a_list_read_and_its_log_cost_a_bounded_number_of_queries(
    clients, records, cases, case_workers, django_assert_max_num_queries
):
    from tests import factories as f

    record_identities(
        {
            n: f.CaseFactory(
                country_office=cases["lb"].country_office,
                project=cases["lb"].project,
                registered_by=case_workers["lb"],
            )
            for n in range(15)
        },
        case_workers["lb"],
    )
    with django_assert_max_num_queries(12):
        response = clients["case_worker_lb"].get(f"{API}notes/")
    assert len(response.json()["results"]) == 16
    assert len(only_entry().object_ids) == 16


def test_the_log_cannot_be_changed_through_the_orm(clients, records):
    clients["case_worker_lb"].get(f"{API}cases/")
    entry = only_entry()
    entry.status_code = 500
    for attempt in (
        entry.save,
        entry.delete,
        lambda: CaseDataRead.objects.update(status_code=500),
        lambda: CaseDataRead.objects.all().delete(),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert only_entry().status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_raw_changes_to_the_read_log(clients, records):
    clients["case_worker_lb"].get(f"{API}cases/")
    for sql in (
        "UPDATE assistance_casedataread SET status_code = 500",
        "DELETE FROM assistance_casedataread",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert only_entry().status_code == 200


def test_administrators_read_the_log_in_the_admin_and_cannot_change_it(
    client, users, clients, records
):
    clients["case_worker_lb"].get(f"{API}cases/")
    entry = only_entry()
    client.force_login(users["admin"])
    assert client.get("/admin/assistance/casedataread/").status_code == 200
    assert client.get(f"/admin/assistance/casedataread/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/assistance/casedataread/add/").status_code == 403
    delete = client.post(f"/admin/assistance/casedataread/{entry.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert CaseDataRead.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("who", ["me", "analyst", "officer_eg"])
def test_staff_without_the_administrator_role_do_not_see_the_read_log(client, users, who):
    user = users[who]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get("/admin/assistance/casedataread/").status_code == 403
