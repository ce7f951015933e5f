"""A count hidden from donors and analysts cannot be worked out by subtraction from
other figures of the same page or API answer."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories as f
from trainings.models import Audience

AGGREGATE = "/api/v1/trainings/aggregate/"
SESSIONS = "/api/v1/trainings/sessions/"
COUNTS = "/api/v1/trainings/counts/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def counted_session(project, **counts):
    """A held session known only by totals: ``sex_female=3, institution_police=8``..."""
    session = f.TrainingSessionFactory(project=project, host_country=project_country(project))
    for name, count in counts.items():
        dimension, value = name.split("_", 1)
        if dimension == "sex":
            f.ParticipantCountFactory(session=session, dimension="sex", sex=value, count=count)
        else:
            f.ParticipantCountFactory(
                session=session,
                dimension="institution_type",
                sex="",
                institution_type=value,
                count=count,
            )
    return session


def project_country(project):
    return project.recipient_countries.first().country


def single_hidden(total, parts) -> bool:
    """A shown total with exactly one hidden part: that part is the difference."""
    hidden = [part for part in parts if part is None]
    return total is not None and len(hidden) == 1


def test_aggregate_hides_a_second_row_when_one_is_small(portfolio, users):
    counted_session(portfolio["p_eg"], sex_female=3, sex_male=10)
    body = api(users["analyst"]).get(AGGREGATE, {"by": "sex"}).json()
    assert body["totals"]["attendances"] == 13
    rows = {row["value"]: row for row in body["results"]}
    assert rows["female"]["attendances"] is None
    for field in ("people_trained", "attendances"):
        parts = [row[field] for row in body["results"] if row["value"] is not None]
        assert not single_hidden(body["totals"][field], parts), field
    assert rows["male"]["suppressed"] is True


def test_aggregate_by_overlapping_audience_is_protected_too(portfolio, users):
    police = Audience.objects.get(code="police")
    judges = Audience.objects.get(code="judges")
    counted_session(portfolio["p_eg"], sex_female=10).audiences.set([police])
    counted_session(portfolio["p_eg"], sex_female=3).audiences.set([judges])
    body = api(users["donor_a"]).get(AGGREGATE, {"by": "audience"}).json()
    assert body["totals"]["attendances"] == 13
    parts = [row["attendances"] for row in body["results"]]
    assert None in parts
    assert not single_hidden(body["totals"]["attendances"], parts)


def test_aggregate_unchanged_for_who_sees_every_count(portfolio, users):
    counted_session(portfolio["p_eg"], sex_female=3, sex_male=10)
    rows = api(users["me"]).get(AGGREGATE, {"by": "sex"}).json()["results"]
    assert {row["value"]: row["attendances"] for row in rows} == {"female": 3, "male": 10}


def test_session_api_hides_the_other_sex_when_one_is_small(portfolio, users):
    session = counted_session(portfolio["p_eg"], sex_female=3, sex_male=10)
    body = api(users["analyst"]).get(f"{SESSIONS}{session.pk}/").json()
    assert body["participants"] == {
        "total": 13,
        "female": None,
        "male": None,
        "other": 0,
        "sex_recorded": True,
        "suppressed": True,
    }
    listed = api(users["donor_a"]).get(SESSIONS).json()["results"]
    assert [row["participants"]["male"] for row in listed] == [None]


def test_counts_api_hides_what_another_breakdown_would_give_away(portfolio, users):
    # The institution types add up to the same 13 as the sexes.
    session = counted_session(
        portfolio["p_eg"], sex_female=3, sex_male=10, institution_police=8, institution_ngo=5
    )
    rows = api(users["analyst"]).get(COUNTS, {"session": session.pk}).json()["results"]
    by_dimension: dict = {}
    for row in rows:
        by_dimension.setdefault(row["dimension"], []).append(row)
    sexes = {row["sex"]: row for row in by_dimension["sex"]}
    assert sexes["female"]["count"] is None
    assert sexes["male"]["count"] is None and sexes["male"]["suppressed"] is True
    institutions = [row["count"] for row in by_dimension["institution_type"]]
    assert institutions == [8, 5]
    admin_rows = api(users["admin"]).get(COUNTS, {"session": session.pk}).json()["results"]
    assert sorted(row["count"] for row in admin_rows) == [3, 5, 8, 10]


def _kpi(html: str, label: str) -> str:
    match = re.search(
        rf'<div class="kpi-label">{label}</div>\s*<div class="kpi-value">(.*?)</div>', html, re.S
    )
    assert match, label
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _bar_rows(html: str, heading: str, after: str = "") -> dict[str, str]:
    """The rows of the first cell_bars table, after ``after``, whose first column is
    headed ``heading``."""
    html = html[html.index(after) :] if after else html
    table = re.search(rf"<th scope=\"col\">{heading}</th>.*?</table>", html, re.S)
    assert table, heading
    rows = re.findall(
        r'<th scope="row">(.*?)</th>.*?<td class="num"><bdi>(.*?)</bdi></td>', table.group(0), re.S
    )
    return {label: re.sub(r"<[^>]+>", "", value).replace("&lt;", "<") for label, value in rows}


def test_session_page_shows_the_same_hidden_cells_in_its_figures_and_table(
    client, portfolio, users
):
    # Men listed first: the table by sex and the figures above it must hide the same one.
    session = counted_session(portfolio["p_eg"], sex_male=10, sex_female=10, sex_other=3)
    client.force_login(users["analyst"])
    html = client.get(reverse("trainings:detail", args=[session.pk])).content.decode()
    assert _kpi(html, "Participants") == "23"
    table = _bar_rows(html, "Sex")
    assert table["Other or not stated"] == "<5"
    women = {_kpi(html, "Women"), table["Female"]} - {"*"}
    men = {_kpi(html, "Men"), table["Male"]} - {"*"}
    # At most one of the two is shown anywhere on the page.
    assert not (women and men), (women, men)


def test_session_page_hides_a_complement_of_a_breakdown_not_covering_everyone(
    client, portfolio, users
):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    for _n in range(10):
        f.AttendanceFactory(session=session, person=f.PersonFactory(institution_type="police"))
    # Three people known only by totals, without a breakdown by institution type.
    f.ParticipantCountFactory(session=session, dimension="sex", sex="male", count=3)
    client.force_login(users["analyst"])
    html = client.get(reverse("trainings:detail", args=[session.pk])).content.decode()
    assert _kpi(html, "Participants") == "13"
    assert _bar_rows(html, "Institution type")["Police"] == "*"


@pytest.mark.parametrize("who", ["donor_a", "analyst"])
def test_dashboard_audiences_and_unstated_countries_are_protected(client, portfolio, users, who):
    police = Audience.objects.get(code="police")
    judges = Audience.objects.get(code="judges")
    first = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    first.audiences.set([police])
    for _n in range(10):
        f.AttendanceFactory(
            session=first, person=f.PersonFactory(country_of_work=portfolio["egypt"])
        )
    second = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    second.audiences.set([judges])
    for _n in range(3):
        # No country of work recorded: not in the table by country, yet in the total.
        f.AttendanceFactory(session=second, person=f.PersonFactory(country_of_work=None))
    client.force_login(users[who])
    for url in (
        reverse("projects:portfolio_dashboard"),
        reverse("projects:dashboard", args=[portfolio["p_eg"].pk]),
    ):
        html = client.get(url).content.decode()
        assert _kpi(html, "Training attendances") == "13"
        audiences = _bar_rows(html, "Audience")
        assert audiences["Judges"] == "<5"
        assert audiences["Police"] == "*"
        assert _bar_rows(html, "Country", 'id="training-by-country"')["Egypt"] == "*"


def test_dashboard_shows_everything_to_who_sees_every_count(client, portfolio, users):
    police = Audience.objects.get(code="police")
    session = counted_session(portfolio["p_eg"], sex_female=10, sex_male=3)
    session.audiences.set([police])
    client.force_login(users["me"])
    html = client.get(reverse("projects:portfolio_dashboard")).content.decode()
    assert _bar_rows(html, "Sex") == {"Female": "10", "Male": "3"}
    assert _bar_rows(html, "Audience") == {"Police": "13"}
