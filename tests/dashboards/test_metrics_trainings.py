import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboards.figures import figures
from dashboards.registry import Filters
from tests import factories as f
from trainings import imports
from trainings.import_services import attendance_import_start, attendances_bulk_add
from trainings.models import Audience, ImportStatus
from trainings.selectors import training_figures


def values(figure) -> dict:
    return {row.keys: row.cell.value for row in figure.rows}


def shown(figure) -> dict:
    return {row.keys: row.cell.shown for row in figure.rows}


def total(figure):
    return figure.totals[0].cell.value if figure.totals else None


@pytest.fixture
def trainings(portfolio):
    """Three held sessions and a planned one.

    - s_eg (p_eg, Egypt, 2021-Q1, police): 6 women (police), 2 men (prosecution)
    - s_both (p_both, Egypt, 2022-Q2, police + judges, workshop): two of the women
      again, one new man (judiciary); one registered person who did not attend
    - s_lb (p_lb, Lebanon, 2021-Q4): known only as totals, 3 women and 9 men, 10 police
      and 2 judiciary
    - a planned session of p_eg with one participant, never counted
    """
    police, judges = Audience.objects.get(code="police"), Audience.objects.get(code="judges")
    s_eg = f.TrainingSessionFactory(
        project=portfolio["p_eg"],
        host_country=portfolio["egypt"],
        start_date=datetime.date(2021, 3, 1),
        end_date=datetime.date(2021, 3, 3),
    )
    s_eg.audiences.set([police])
    s_both = f.TrainingSessionFactory(
        project=portfolio["p_both"],
        host_country=portfolio["egypt"],
        kind="workshop",
        start_date=datetime.date(2022, 5, 10),
        end_date=datetime.date(2022, 5, 12),
    )
    s_both.audiences.set([police, judges])
    s_lb = f.TrainingSessionFactory(
        project=portfolio["p_lb"],
        host_country=portfolio["lebanon"],
        start_date=datetime.date(2021, 11, 20),
        end_date=datetime.date(2021, 11, 20),
    )
    planned = f.TrainingSessionFactory(
        project=portfolio["p_eg"], host_country=portfolio["egypt"], status="planned"
    )
    women = [f.PersonFactory(sex="female", institution_type="police") for _ in range(6)]
    men = [f.PersonFactory(sex="male", institution_type="prosecution") for _ in range(2)]
    for person in women + men:
        f.AttendanceFactory(session=s_eg, person=person)
    for person in women[:2]:
        f.AttendanceFactory(session=s_both, person=person)
    f.AttendanceFactory(
        session=s_both, person=f.PersonFactory(sex="male", institution_type="judiciary")
    )
    f.AttendanceFactory(session=s_both, person=f.PersonFactory(), attended=False)
    f.AttendanceFactory(session=planned, person=f.PersonFactory())
    f.ParticipantCountFactory(session=s_lb, dimension="sex", sex="female", count=3)
    f.ParticipantCountFactory(session=s_lb, dimension="sex", sex="male", count=9)
    f.ParticipantCountFactory(
        session=s_lb, dimension="institution_type", sex="", institution_type="police", count=10
    )
    f.ParticipantCountFactory(
        session=s_lb, dimension="institution_type", sex="", institution_type="judiciary", count=2
    )
    return {"s_eg": s_eg, "s_both": s_both, "s_lb": s_lb, "planned": planned}


@pytest.mark.parametrize(
    "who", ["admin", "me", "analyst", "donor_a", "donor_b", "officer_eg", "officer_lb_project"]
)
def test_totals_match_training_figures(trainings, users, who):
    user = users[who]
    expected = training_figures(user=user)
    assert total(figures("people_trained", user=user)) == expected.people_trained.value
    assert total(figures("attendances", user=user)) == expected.attendances.value
    assert total(figures("sessions_held", user=user)) == expected.sessions_held
    by_sex = figures("attendances", user=user, dimensions=["sex"])
    assert values(by_sex) == {(k,): c.value for k, c in expected.by_sex.items()}


def test_the_totals_of_the_portfolio(trainings, users):
    admin = users["admin"]
    # 9 registered people (two trained twice) and 12 known as totals.
    assert total(figures("people_trained", user=admin)) == 21
    assert total(figures("attendances", user=admin)) == 23
    assert total(figures("sessions_held", user=admin)) == 3


def test_donors_see_the_projects_they_fund_and_no_role_nothing(trainings, users):
    assert total(figures("people_trained", user=users["donor_a"])) == 9
    assert total(figures("sessions_held", user=users["donor_a"])) == 2
    # s_both's three and s_lb's twelve.
    assert total(figures("people_trained", user=users["donor_b"])) == 15
    by_project = figures("sessions_held", user=users["donor_b"], dimensions=["project"])
    assert set(values(by_project)) == {
        (trainings["s_lb"].project_id,),
        (trainings["s_both"].project_id,),
    }
    assert total(figures("people_trained", user=users["norole"])) == 0
    assert total(figures("sessions_held", user=users["norole"])) == 0


def test_people_by_sex_and_institution_type(trainings, users):
    admin = users["admin"]
    by_type = figures("people_trained", user=admin, dimensions=["institution_type"])
    # Totals broken down by institution type count under it.
    assert values(by_type) == {("police",): 16, ("prosecution",): 2, ("judiciary",): 3}
    both = figures("people_trained", user=admin, dimensions=["sex", "institution_type"])
    # Totals by sex and by type are separate: their type is not stated with their sex.
    assert values(both) == {
        ("female", "police"): 6,
        ("male", "prosecution"): 2,
        ("male", "judiciary"): 1,
        ("female", ""): 3,
        ("male", ""): 9,
    }
    labels = {row.keys: row.labels for row in both.rows}
    assert labels[("female", "police")] == ("Female", "Police")
    assert labels[("male", "")] == ("Male", "—")


def test_session_dimensions(trainings, users):
    admin = users["admin"]
    by_country = figures("people_trained", user=admin, dimensions=["country"])
    assert values(by_country) == {("EG",): 9, ("LB",): 12}
    assert {row.label for row in by_country.rows} == {"Egypt", "Lebanon"}
    # People trained in two years count in each; attendances add up.
    assert values(figures("people_trained", user=admin, dimensions=["year"])) == {
        (2021,): 20,
        (2022,): 3,
    }
    quarters = figures("attendances", user=admin, dimensions=["quarter"])
    assert [row.keys for row in quarters.rows] == [("2021-Q1",), ("2021-Q4",), ("2022-Q2",)]
    assert values(quarters) == {("2021-Q1",): 8, ("2021-Q4",): 12, ("2022-Q2",): 3}
    kinds = figures("sessions_held", user=admin, dimensions=["session_kind"])
    assert values(kinds) == {("training",): 2, ("workshop",): 1}
    assert {row.label for row in kinds.rows} == {"Training", "Workshop"}


def test_audiences_and_donors_overlap(trainings, users, portfolio):
    admin = users["admin"]
    sessions = figures("sessions_held", user=admin, dimensions=["audience"])
    assert values(sessions) == {("police",): 2, ("judges",): 1, (None,): 1}
    assert {row.keys: row.label for row in sessions.rows}[("judges",)] == "Judges"
    people = figures("people_trained", user=admin, dimensions=["audience"])
    assert values(people) == {("police",): 9, ("judges",): 3, (None,): 12}
    donors = figures("sessions_held", user=admin, dimensions=["donor"])
    assert values(donors) == {(portfolio["donor_a"].pk,): 2, (portfolio["donor_b"].pk,): 2}
    assert total(donors) == 3


def test_filters(trainings, users, portfolio):
    admin = users["admin"]

    def people(**filters):
        return total(figures("people_trained", user=admin, filters=Filters(**filters)))

    # The country of a session is where it was held: the regional project's session in
    # Egypt is not Lebanon's, although the project's recipients include Lebanon.
    assert people(country="LB") == 12
    assert people(country="EG") == 9
    assert people(year=2022) == 3
    assert people(project=portfolio["p_eg"].pk) == 8
    assert people(donor=portfolio["donor_b"].pk) == 15
    assert people(donor=portfolio["donor_b"].pk, country="EG") == 3
    assert people(year=2030) == 0
    by_sex = figures("attendances", user=admin, dimensions=["sex"], filters=Filters(year=2021))
    assert values(by_sex) == {("female",): 9, ("male",): 11}


def test_small_cells_are_hidden_from_donors_with_a_complementary_cell(trainings, users):
    figure = figures("people_trained", user=users["donor_a"], dimensions=["sex"])
    cells = shown(figure)
    assert cells[("male",)] == "<5"
    # With the total of 9 shown, the women would give the men away: hidden as well.
    assert cells[("female",)] == "*"
    assert figure.totals[0].cell.shown == 9
    assert all(record["value"] is None for record in figure.long())
    # The officer of the same projects sees every count.
    staff = shown(figures("people_trained", user=users["officer_eg"], dimensions=["sex"]))
    assert staff == {("female",): 6, ("male",): 3}


def test_analysts_see_small_cells_hidden_in_two_dimensions(trainings, users):
    figure = figures("attendances", user=users["analyst"], dimensions=["country", "sex"])
    cells = {row.keys: row.cell for row in figure.rows}
    assert cells[("EG", "male")].shown == "<5"
    assert cells[("LB", "female")].shown == "<5"
    for country in ("EG", "LB"):
        assert sum(c.suppressed for k, c in cells.items() if k[0] == country) != 1
    for sex in ("female", "male"):
        assert sum(c.suppressed for k, c in cells.items() if k[1] == sex) != 1


def test_overlapping_dimensions_keep_a_complementary_cell(trainings, users):
    # s_both's judges (3) are a small cell. Audiences overlap, but most sessions have one,
    # when the total less the police would give the judges away: the police are hidden too.
    cells = shown(figures("people_trained", user=users["donor_a"], dimensions=["audience"]))
    assert cells == {("police",): "*", ("judges",): "<5"}


def test_bulk_added_participants_retire_cached_figures(
    trainings, users, django_capture_on_commit_callbacks
):
    admin = users["admin"]
    assert total(figures("people_trained", user=admin)) == 21
    with django_capture_on_commit_callbacks(execute=True):
        attendances_bulk_add(
            user=users["officer_eg"],
            session=trainings["s_eg"],
            rows=[{"full_name": "Nadia", "sex": "female"}, {"full_name": "Omar", "sex": "male"}],
        )
    assert total(figures("people_trained", user=admin)) == 23
    assert values(figures("people_trained", user=admin, dimensions=["sex"]))[("male",)] == 13


def test_an_attendance_sheet_imported_by_the_worker_retires_cached_figures(
    trainings, users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "INLINE_ROWS", 1)  # through the (eager) Celery task
    before = figures("attendances", user=users["admin"], dimensions=["country"])
    assert values(before)[("EG",)] == 11
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)
    writer.writerow(["Rana Adel", "female", "", "", "police", "", "EG", "EG", "yes", "", ""])
    writer.writerow(["Ali Samir", "male", "", "", "police", "", "EG", "EG", "yes", "", ""])
    upload = SimpleUploadedFile("sheet.csv", out.getvalue().encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        record = attendance_import_start(
            user=users["officer_eg"], session=trainings["s_eg"], upload=upload
        )
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.errors
    after = figures("attendances", user=users["admin"], dimensions=["country"])
    assert values(after)[("EG",)] == 13
