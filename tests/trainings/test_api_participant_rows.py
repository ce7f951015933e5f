"""Rows of trained people in the API follow the pages' small-cell rule.

Donors and analysts read aggregates with small cells hidden; officers and staff keep rows.
"""

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from trainings.models import Attendance

PARTICIPANTS = "/api/v1/trainings/participants/"
AGGREGATE = "/api/v1/trainings/aggregate/"
# Who reads rows of people in their scope, and who reads aggregates only.
ROW_READERS = {"officer_eg": 3, "admin": 3, "me": 3}
AGGREGATE_READERS = ["analyst", "donor_a"]


@pytest.fixture
def small_session(portfolio):
    """A session in Egypt with three trainees: the pages show "<5" for aggregate readers."""
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    for sex in ("female", "male", "male"):
        f.AttendanceFactory(
            session=session,
            person=f.PersonFactory(sex=sex, nationality=portfolio["egypt"]),
        )
    return session


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", AGGREGATE_READERS)
def test_aggregate_readers_get_no_rows_of_people_in_json_or_csv(users, small_session, who):
    client = client_for(users[who])
    attendance = Attendance.objects.filter(session=small_session).first()
    for answer in (
        client.get(PARTICIPANTS),
        client.get(PARTICIPANTS, {"format": "csv"}),
        client.get(PARTICIPANTS, {"session": small_session.pk}),
        client.get(f"{PARTICIPANTS}{attendance.pk}/"),
    ):
        assert answer.status_code == 403
        assert b"female" not in answer.content
    # The figures stay theirs, with the small cell hidden as on the pages.
    figures = client.get(AGGREGATE, {"by": "sex"})
    assert figures.status_code == 200, figures.content
    assert figures.json()["totals"]["suppressed"], figures.json()


@pytest.mark.parametrize("who", list(ROW_READERS))
def test_officers_and_staff_keep_the_rows_of_their_scope(users, small_session, who):
    answer = client_for(users[who]).get(PARTICIPANTS, {"session": small_session.pk})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert len(rows) == ROW_READERS[who]
    assert sorted(row["sex"] for row in rows) == ["female", "male", "male"]


def test_an_officer_outside_the_country_gets_no_rows(users, small_session):
    answer = client_for(users["officer_lb_project"]).get(
        PARTICIPANTS, {"session": small_session.pk}
    )
    assert answer.status_code == 200
    assert answer.json()["results"] == []
