import csv
import datetime
import io

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS
from trainings.models import Attendance, Audience, ParticipantCount, Person, TrainingSession

ROLE_USERS = sorted(who for who in EXPECTED_PROJECTS if EXPECTED_PROJECTS[who])
NAME_READERS = {"officer_eg", "officer_lb_project", "admin"}
SESSIONS = "/api/v1/trainings/sessions/"
PARTICIPANTS = "/api/v1/trainings/participants/"
COUNTS = "/api/v1/trainings/counts/"
AGGREGATE = "/api/v1/trainings/aggregate/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def trainings(portfolio):
    """One held session per project: people in p_eg and p_both, totals in p_lb."""
    police = Audience.objects.get(code="police")
    sessions = {}
    for key, country in (("p_eg", "egypt"), ("p_lb", "lebanon"), ("p_both", "egypt")):
        session = f.TrainingSessionFactory(
            project=portfolio[key], host_country=portfolio[country], title=f"Session {key}"
        )
        session.audiences.set([police])
        sessions[key] = session
    for n in range(6):
        f.AttendanceFactory(
            session=sessions["p_eg"],
            person=f.PersonFactory(
                full_name=f"Officer {n}",
                sex="female" if n < 2 else "male",
                country_of_work=portfolio["egypt"],
            ),
        )
    f.AttendanceFactory(session=sessions["p_both"], person=Person.objects.first())
    f.ParticipantCountFactory(session=sessions["p_lb"], dimension="sex", sex="male", count=10)
    f.ParticipantCountFactory(session=sessions["p_lb"], dimension="sex", sex="female", count=3)
    return sessions


def _session_body(portfolio, **overrides):
    body = {
        "project": portfolio["p_eg"].code,
        "title": "Victim identification for border guards",
        "kind": "training",
        "host_country": "eg",
        "language": "ar",
        "city": "Alexandria",
        "start_date": "2021-05-02",
        "end_date": "2021-05-04",
        "status": "held",
        "audiences": ["border_guards"],
        "counts": [
            {"dimension": "sex", "sex": "female", "count": 7},
            {"dimension": "sex", "sex": "male", "count": 13},
        ],
    }
    body.update(overrides)
    return body


# Reads and scope -----------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(EXPECTED_PROJECTS))
def test_each_role_lists_the_sessions_of_its_projects(portfolio, users, trainings, who):
    response = client_for(users[who]).get(SESSIONS)
    if not EXPECTED_PROJECTS[who]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    titles = {row["title"] for row in response.json()["results"]}
    assert titles == {f"Session {key}" for key in EXPECTED_PROJECTS[who]}


@pytest.mark.parametrize("who", ROLE_USERS)
def test_out_of_scope_session_is_404(portfolio, users, trainings, who):
    client = client_for(users[who])
    for key, session in trainings.items():
        response = client.get(f"{SESSIONS}{session.pk}/")
        expected = 200 if key in EXPECTED_PROJECTS[who] else 404
        assert response.status_code == expected, key
        if expected == 404:
            assert response.json()["error"]["code"] == "not_found"
        else:
            assert response["ETag"] == f'"{session.version}"'


def test_anonymous_gets_the_one_error_format(trainings):
    for path in (SESSIONS, PARTICIPANTS, COUNTS, f"{AGGREGATE}?by=sex"):
        response = APIClient().get(path)
        assert response.status_code == 401
        assert set(response.json()) == {"error"}


def test_session_totals_are_hidden_below_five_for_donors(portfolio, users, trainings):
    admin = client_for(users["admin"]).get(f"{SESSIONS}{trainings['p_eg'].pk}/").json()
    donor = client_for(users["donor_a"]).get(f"{SESSIONS}{trainings['p_eg'].pk}/").json()
    assert admin["participants"] == {
        "total": 6,
        "female": 2,
        "male": 4,
        "other": 0,
        "sex_recorded": True,
        "suppressed": False,
    }
    assert donor["participants"] == {
        "total": 6,
        "female": None,
        "male": None,
        "other": 0,
        "sex_recorded": True,
        "suppressed": True,
    }
    assert admin["audiences"] == ["police"]
    assert admin["host_country"] == "EG"


def test_sex_not_recorded_is_not_zero_women_and_men(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    f.ParticipantCountFactory(session=session, sex="other", count=40)

    body = client_for(users["donor_a"]).get(f"{SESSIONS}{session.pk}/").json()

    assert body["participants"] == {
        "total": 40,
        "female": None,
        "male": None,
        "other": 40,
        "sex_recorded": False,
        "suppressed": False,
    }


def test_session_filters_and_ordering(portfolio, users, trainings):
    client = client_for(users["admin"])
    by_country = client.get(SESSIONS, {"country": "LB"}).json()["results"]
    assert [row["title"] for row in by_country] == ["Session p_lb"]
    by_project = client.get(SESSIONS, {"project": portfolio["p_both"].pk}).json()["results"]
    assert [row["title"] for row in by_project] == ["Session p_both"]
    ordered = client.get(SESSIONS, {"ordering": "-participant_total"}).json()["results"]
    assert [row["participants"]["total"] for row in ordered] == [13, 6, 1]
    bad = client.get(SESSIONS, {"country": "ZZ"})
    assert bad.status_code == 400
    assert "country" in bad.json()["error"]["fields"]


def test_session_list_as_csv(portfolio, users, trainings):
    response = client_for(users["me"]).get(SESSIONS, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["title"] for row in rows} == {f"Session {key}" for key in trainings}
    assert "participants_total" in rows[0]


@pytest.mark.parametrize("path", [SESSIONS, PARTICIPANTS, COUNTS, f"{AGGREGATE}?by=country"])
def test_lists_cost_the_same_for_3_or_30_sessions(
    portfolio, users, trainings, path, django_assert_max_num_queries
):
    client = client_for(users["officer_eg"])
    with django_assert_max_num_queries(12):
        assert client.get(path).status_code == 200
    for n in range(27):
        session = f.TrainingSessionFactory(
            project=portfolio["p_eg"], host_country=portfolio["egypt"], title=f"More {n}"
        )
        session.audiences.set(Audience.objects.all()[:2])
        session.partners.add(f.OrganisationFactory())
        f.AttendanceFactory(session=session, person=f.PersonFactory(nationality=portfolio["egypt"]))
        f.ParticipantCountFactory(session=f.TrainingSessionFactory(project=portfolio["p_eg"]))
    with django_assert_max_num_queries(12):
        assert client.get(path).status_code == 200


# Participants and names ----------------------------------------------------------


@pytest.mark.parametrize("who", ROLE_USERS)
def test_participant_names_only_for_officers_and_administrators(portfolio, users, trainings, who):
    response = client_for(users[who]).get(PARTICIPANTS)
    if who.startswith("donor") or who == "analyst":
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        return
    assert response.status_code == 200
    rows = response.json()["results"]
    expected = sum(
        trainings[key].attendances.count() for key in EXPECTED_PROJECTS[who] if key != "p_lb"
    )
    assert len(rows) == expected
    for row in rows:
        assert ("name" in row) is (who in NAME_READERS)
        assert row["sex"] in {"female", "male"}
    csv_body = client_for(users[who]).get(PARTICIPANTS, {"format": "csv"}).content.decode()
    assert ("Officer 1" in csv_body) is (who in NAME_READERS and bool(rows))


def test_officer_adds_a_participant_matched_to_the_register(portfolio, users, trainings):
    session = trainings["p_both"]
    body = {
        "session": session.pk,
        "name": "  officer   3 ",
        "sex": "male",
        "country_of_work": "eg",
        "pre_score": "40",
        "post_score": "70.5",
    }
    response = client_for(users["officer_eg"]).post(PARTICIPANTS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["person"] == Person.objects.get(full_name="Officer 3").pk
    assert session.attendances.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sex": "unknown"}, "sex"),
        ({"post_score": "101"}, "post_score"),
        ({"pre_score": "-1"}, "pre_score"),
        ({"nationality": "ZZ"}, "nationality"),
        ({"institution_type": "army"}, "institution_type"),
        ({"name": "Officer 0", "sex": "female", "country_of_work": "EG"}, "non_field_errors"),
    ],
)
def test_bad_participant_is_refused_with_its_field(portfolio, users, trainings, change, field):
    body = {"session": trainings["p_eg"].pk, "name": "New person", "sex": "male", **change}
    before = Attendance.objects.count()
    response = client_for(users["officer_eg"]).post(PARTICIPANTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Attendance.objects.count() == before


def test_participants_cannot_go_to_a_session_with_totals(portfolio, users, trainings):
    body = {"session": trainings["p_lb"].pk, "sex": "male"}
    response = client_for(users["admin"]).post(PARTICIPANTS, body, format="json")
    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]


@pytest.mark.parametrize("who", ["me", "analyst", "donor_a", "case_worker_lb"])
def test_readers_cannot_add_participants(portfolio, users, trainings, who):
    body = {"session": trainings["p_both"].pk, "sex": "male"}
    response = client_for(users[who]).post(PARTICIPANTS, body, format="json")
    assert response.status_code == 403
    assert trainings["p_both"].attendances.count() == 1


def test_officer_cannot_add_to_a_session_outside_scope(portfolio, users, trainings):
    body = {"session": trainings["p_lb"].pk, "sex": "male"}
    response = client_for(users["officer_eg"]).post(PARTICIPANTS, body, format="json")
    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]


# Counts --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLE_USERS)
def test_counts_follow_scope_and_hide_small_cells(portfolio, users, trainings, who):
    response = client_for(users[who]).get(COUNTS)
    assert response.status_code == 200
    rows = {row["sex"]: row for row in response.json()["results"]}
    if "p_lb" not in EXPECTED_PROJECTS[who]:
        assert rows == {}
        return
    hidden = who in {"donor_b", "analyst"}
    # With the women hidden, the men are too: the session's total is shown elsewhere.
    assert rows["male"]["count"] == (None if hidden else 10)
    assert rows["female"]["count"] == (None if hidden else 3)
    assert rows["female"]["suppressed"] is hidden


# Aggregate -----------------------------------------------------------------------


def _by(response) -> dict:
    return {row["value"]: row for row in response.json()["results"]}


def test_aggregate_by_sex_for_the_administrator(portfolio, users, trainings):
    response = client_for(users["admin"]).get(AGGREGATE, {"by": "sex"})
    assert response.status_code == 200
    body = response.json()
    # Six people in p_eg, one of them again in p_both, 13 known as totals in p_lb.
    assert body["totals"] == {
        "sessions": 3,
        "people_trained": 19,
        "attendances": 20,
        "suppressed": False,
    }
    rows = _by(response)
    assert rows["female"]["people_trained"] == 2 + 3
    assert rows["female"]["attendances"] == 3 + 3
    assert rows["female"]["sessions"] == 3
    assert rows["male"] == {
        "value": "male",
        "label": "Male",
        "sessions": 2,
        "people_trained": 14,
        "attendances": 14,
        "suppressed": False,
    }


@pytest.mark.parametrize("who", ["donor_a", "donor_b", "analyst"])
def test_aggregate_hides_small_cells_from_aggregate_only_users(portfolio, users, trainings, who):
    response = client_for(users[who]).get(AGGREGATE, {"by": "sex"})
    body = response.json()
    assert body["small_cell_limit"] == 4
    for row in body["results"]:
        for field in ("people_trained", "attendances"):
            assert row[field] is None or row[field] >= 5
        if row["people_trained"] is None:
            assert row["suppressed"] is True


def test_aggregate_by_other_dimensions_and_filters(portfolio, users, trainings):
    client = client_for(users["me"])
    by_country = _by(client.get(AGGREGATE, {"by": "country"}))
    assert by_country["EG"]["attendances"] == 7
    assert by_country["LB"]["attendances"] == 13  # host country of totals without countries
    assert _by(client.get(AGGREGATE, {"by": "year"}))["2021"]["sessions"] == 3
    assert _by(client.get(AGGREGATE, {"by": "kind"}))["training"]["people_trained"] == 19
    assert _by(client.get(AGGREGATE, {"by": "audience"}))["police"]["label"] == "Police"
    narrowed = client.get(AGGREGATE, {"by": "sex", "country": "LB"}).json()
    assert narrowed["totals"]["attendances"] == 13
    later = client.get(AGGREGATE, {"by": "sex", "date_from": "2022-01-01"}).json()
    assert later["totals"] == {
        "sessions": 0,
        "people_trained": 0,
        "attendances": 0,
        "suppressed": False,
    }


def test_aggregate_follows_scope(portfolio, users, trainings):
    body = client_for(users["officer_lb_project"]).get(AGGREGATE, {"by": "sex"}).json()
    assert body["totals"]["sessions"] == 1
    assert body["totals"]["people_trained"] == 13


@pytest.mark.parametrize("params", [{}, {"by": "colour"}, {"by": "sex", "date_from": "soon"}])
def test_aggregate_rejects_bad_parameters(portfolio, users, trainings, params):
    response = client_for(users["admin"]).get(AGGREGATE, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_aggregate_as_csv(portfolio, users, trainings):
    response = client_for(users["analyst"]).get(AGGREGATE, {"by": "sex", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["value"] for row in rows if row["total"] == "False"} == {"female", "male"}
    assert [row["by"] for row in rows if row["total"] == "True"] == ["sex"]


def test_schema_documents_suppression(admin_client):
    schema = admin_client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/trainings/aggregate/" in text
    assert "suppressed" in text


# Session writes ------------------------------------------------------------------


def test_officer_creates_a_session_with_counts(portfolio, users):
    response = client_for(users["officer_eg"]).post(
        SESSIONS, _session_body(portfolio), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["participants"] == {
        "total": 20,
        "female": 7,
        "male": 13,
        "other": 0,
        "sex_recorded": True,
        "suppressed": False,
    }
    assert body["audiences"] == ["border_guards"]
    assert response["Location"].endswith(f"{SESSIONS}{body['id']}/")
    session = TrainingSession.objects.get(pk=body["id"])
    assert session.history.first().history_user == users["officer_eg"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": "2021-05-01"}, "end_date"),
        ({"start_date": "2019-05-01"}, "start_date"),
        ({"host_country": "ZZ"}, "host_country"),
        ({"kind": "party"}, "kind"),
        ({"counts": [{"dimension": "sex", "sex": "male", "count": -3}]}, "counts[0].count"),
        (
            {
                "counts": [
                    {"dimension": "sex", "sex": "male", "count": 10},
                    {"dimension": "country", "country": "EG", "count": 4},
                ]
            },
            "counts",
        ),
    ],
)
def test_bad_session_is_refused_and_nothing_saved(portfolio, users, overrides, field):
    response = client_for(users["officer_eg"]).post(
        SESSIONS, _session_body(portfolio, **overrides), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not TrainingSession.objects.exists()
    assert not ParticipantCount.objects.exists()


@pytest.mark.parametrize("who", ["me", "analyst", "donor_a", "case_worker_lb"])
def test_readers_cannot_create_sessions(portfolio, users, who):
    response = client_for(users[who]).post(SESSIONS, _session_body(portfolio), format="json")
    assert response.status_code == 403
    assert not TrainingSession.objects.exists()


def test_officer_cannot_create_in_a_project_outside_scope(portfolio, users):
    body = _session_body(portfolio, project=portfolio["p_lb"].code)
    response = client_for(users["officer_eg"]).post(SESSIONS, body, format="json")
    assert response.status_code == 400
    assert "project" in response.json()["error"]["fields"]


def test_update_needs_the_version_and_refuses_a_stale_one(portfolio, users, trainings):
    client = client_for(users["officer_eg"])
    url = f"{SESSIONS}{trainings['p_eg'].pk}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"city": "Giza"}, format="json").status_code == 428
    changed = client.patch(url, {"city": "Giza"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["city"] == "Giza"
    assert changed["ETag"] != etag
    stale = client.patch(url, {"city": "Luxor"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    trainings["p_eg"].refresh_from_db()
    assert trainings["p_eg"].city == "Giza"


@pytest.mark.parametrize("who", ["officer_lb_project", "me", "donor_a"])
def test_others_cannot_update(portfolio, users, trainings, who):
    url = f"{SESSIONS}{trainings['p_eg'].pk}/"
    response = client_for(users[who]).patch(
        url, {"city": "Giza"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == (404 if who == "officer_lb_project" else 403)
    trainings["p_eg"].refresh_from_db()
    assert trainings["p_eg"].city == "Cairo"


def test_put_replaces_a_session(portfolio, users, trainings):
    session = trainings["p_eg"]
    body = _session_body(portfolio, counts=None, version=session.version)
    body.pop("counts")
    body["end_date"] = str(datetime.date(2021, 5, 10))
    response = client_for(users["admin"]).put(f"{SESSIONS}{session.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert session.title == body["title"]
    assert session.attendances.count() == 6
