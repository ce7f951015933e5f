"""Session list rows hide small cells exactly as a session's own answer does.

On PostgreSQL the database writes the list page, small-cell suppression
included; each row must equal ``TrainingSessionSerializer``'s answer for the
session, for every mix of women, men and the rest around the limit (4).
"""

import pytest
from rest_framework.test import APIClient

from tests import factories as f

# (women, men, other or not stated), counted; the last one also has people registered.
MIXES = [
    (0, 0, 0),
    (3, 10, 0),
    (10, 12, 2),
    (10, 10, 0),
    (5, 5, 3),
    (2, 3, 0),
    (0, 0, 7),
    (0, 0, 3),
    (6, 0, 2),
    (9, 4, 9),
    (1, 1, 1),
    (5, 6, 7),
]


@pytest.fixture
def sessions(portfolio):
    made = []
    for index, (women, men, other) in enumerate(MIXES):
        session = f.TrainingSessionFactory(project=portfolio["p_eg"], title=f"Mix {index}")
        for sex, count in (("female", women), ("male", men), ("other", other)):
            if count:
                f.ParticipantCountFactory(session=session, sex=sex, count=count)
        made.append(session)
    registered = made[-1]
    for sex in ("female", "male", "male"):
        f.AttendanceFactory(session=registered, person=f.PersonFactory(sex=sex))
    return made


@pytest.mark.parametrize("who", ["donor_a", "analyst", "admin", "officer_eg"])
def test_each_listed_session_is_its_own_answer(sessions, users, who):
    client = APIClient()
    client.force_authenticate(users[who])
    rows = client.get("/api/v1/trainings/sessions/", {"page_size": 1000}).json()["results"]
    assert {row["id"] for row in rows} >= {session.pk for session in sessions}
    for row in rows:
        own = client.get(f"/api/v1/trainings/sessions/{row['id']}/")
        assert row == own.json()


def test_the_donor_sees_the_cells_the_limit_allows(sessions, users):
    client = APIClient()
    client.force_authenticate(users["donor_a"])
    rows = client.get("/api/v1/trainings/sessions/", {"page_size": 1000}).json()["results"]
    shown = {row["title"]: row["participants"] for row in rows}
    # One small cell (3 women): the smallest shown one (10 men) goes too.
    assert shown["Mix 1"] == {
        "total": 13,
        "female": None,
        "male": None,
        "other": 0,
        "sex_recorded": True,
        "suppressed": True,
    }
    # A tie between the smallest shown cells hides the first (women).
    assert shown["Mix 4"]["female"] is None and shown["Mix 4"]["male"] == 5
    # Nobody recorded as a woman or a man: no sex figures, the rest shown.
    assert shown["Mix 6"] == {
        "total": 7,
        "female": None,
        "male": None,
        "other": 7,
        "sex_recorded": False,
        "suppressed": False,
    }
    assert shown["Mix 10"]["total"] is None and shown["Mix 10"]["suppressed"]
