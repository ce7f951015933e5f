"""The API reads participants' values by the rules attendance sheets follow
(trainings.vocabulary), and refuses the rest with the field named."""

import pytest
from rest_framework.test import APIClient

from ctportal.access import Role
from tests import factories as f
from trainings.models import Attendance, ParticipantCount, TrainingSession

SESSIONS = "/api/v1/trainings/sessions/"
PARTICIPANTS = "/api/v1/trainings/participants/"


@pytest.fixture
def officer(portfolio):
    client = APIClient()
    client.force_authenticate(
        f.UserFactory(role=Role.PROGRAMME_OFFICER, countries=[portfolio["egypt"]])
    )
    return client


@pytest.fixture
def session(portfolio):
    return f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])


def test_participant_words_are_read_as_codes(officer, session):
    body = {
        "session": session.pk,
        "name": "Rami Khoury",
        "sex": "M",
        "institution_type": "Police",
        "nationality": "Lebanon",
        "country_of_work": "Égypte",
    }
    response = officer.post(PARTICIPANTS, body, format="json")
    assert response.status_code == 201, response.json()
    person = Attendance.objects.get(session=session).person
    assert (person.sex, person.institution_type) == ("male", "police")
    assert (str(person.nationality.code), str(person.country_of_work.code)) == ("LB", "EG")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"sex": "woman"}, "sex"), ({"nationality": "Lebanese"}, "nationality")],
)
def test_other_words_are_refused_and_nothing_is_stored(officer, session, change, field):
    body = {"session": session.pk, "sex": "female", **change}
    response = officer.post(PARTICIPANTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Attendance.objects.exists()


def test_session_counts_read_the_same_words(officer, portfolio):
    body = {
        "project": portfolio["p_eg"].code,
        "title": "Regional meeting",
        "kind": "expert_meeting",
        "host_country": "eg",
        "language": "en",
        "start_date": "2021-05-02",
        "end_date": "2021-05-03",
        "counts": [
            {"dimension": "sex", "sex": "F", "count": 4},
            {"dimension": "sex", "sex": "Male", "count": 6},
            {"dimension": "country", "country": "Liban", "count": 10},
        ],
    }
    response = officer.post(SESSIONS, body, format="json")
    assert response.status_code == 201, response.json()
    rows = ParticipantCount.objects.values_list("dimension", "sex", "country__code", "count")
    assert sorted(rows) == [
        ("country", "", "LB", 10),
        ("sex", "female", None, 4),
        ("sex", "male", None, 6),
    ]


@pytest.mark.parametrize("language", [None, "xx"])
def test_a_new_session_names_its_language(officer, portfolio, language):
    body = {
        "project": portfolio["p_eg"].code,
        "title": "Regional meeting",
        "kind": "expert_meeting",
        "host_country": "EG",
        "start_date": "2021-05-02",
        "end_date": "2021-05-03",
        "counts": [{"dimension": "sex", "sex": "female", "count": 4}],
    }
    if language:
        body["language"] = language
    response = officer.post(SESSIONS, body, format="json")
    assert response.status_code == 400
    assert "language" in response.json()["error"]["fields"]
    assert not TrainingSession.objects.exists()
