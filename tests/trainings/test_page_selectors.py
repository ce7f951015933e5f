import datetime

from django.http import QueryDict

from tests import factories as f
from trainings import page_selectors
from trainings.models import TrainingSession
from trainings.selectors import Cell, protect, sessions_with_totals


def test_protect_hides_a_second_cell_when_one_is_small():
    cells = protect([Cell(3, 4), Cell(9, 4), Cell(20, 4)])
    assert [c.shown for c in cells] == ["<5", "*", 20]


def test_protect_leaves_breakdowns_without_small_cells_or_with_two():
    assert [c.shown for c in protect([Cell(9, 4), Cell(20, 4)])] == [9, 20]
    assert [c.shown for c in protect([Cell(2, 4), Cell(3, 4), Cell(9, 4)])] == ["<5", "<5", 9]
    assert [c.shown for c in protect([Cell(2, 0), Cell(9, 0)])] == [2, 9]


def test_protect_counts_the_unseen_part_of_the_total():
    # 12 people: 5 women, 5 men and 2 of another sex, a small cell not shown.
    assert [c.shown for c in protect([Cell(5, 4), Cell(5, 4)], unseen=2)] == ["*", 5]


def _shown(cells):
    return {k: v.shown for k, v in cells.items() if k != "sex_recorded"}


def test_session_cells_for_aggregate_viewers(portfolio):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    f.ParticipantCountFactory(session=session, sex="female", count=3)
    f.ParticipantCountFactory(session=session, sex="male", count=9)
    session = sessions_with_totals(TrainingSession.objects.all()).get()
    cells = page_selectors.session_cells(session, 4)
    assert _shown(cells) == {"total": 12, "female": "<5", "male": "*", "other": 0}
    assert cells["sex_recorded"] is True
    cells = page_selectors.session_cells(session, 0)
    assert _shown(cells) == {"total": 12, "female": 3, "male": 9, "other": 0}


def test_session_cells_count_unrecorded_sex_apart_and_suppress_it(portfolio):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    f.ParticipantCountFactory(session=session, sex="other", count=40)
    session = sessions_with_totals(TrainingSession.objects.all()).get()
    cells = page_selectors.session_cells(session, 4)
    # Nobody recorded as a woman or a man: not "0 women, 0 men".
    assert cells["sex_recorded"] is False
    assert _shown(cells)["other"] == 40

    mixed = f.TrainingSessionFactory(project=portfolio["p_eg"])
    f.ParticipantCountFactory(session=mixed, sex="female", count=20)
    f.ParticipantCountFactory(session=mixed, sex="male", count=15)
    f.ParticipantCountFactory(session=mixed, sex="other", count=2)
    mixed = sessions_with_totals(TrainingSession.objects.filter(pk=mixed.pk)).get()
    cells = page_selectors.session_cells(mixed, 4)
    # The small "other or not recorded" cell is hidden, and one more so that it
    # cannot be worked out from the total.
    assert _shown(cells) == {"total": 37, "female": 20, "male": "*", "other": "<5"}
    assert cells["sex_recorded"] is True


def test_breakdown_merges_people_and_counts_and_scores(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    f.AttendanceFactory(
        session=session, person=f.PersonFactory(sex="male", country_of_work=portfolio["egypt"])
    )
    f.AttendanceFactory(session=session, person=f.PersonFactory(institution_type=""))
    f.AttendanceFactory(session=session, attended=False)
    breakdown = page_selectors.session_breakdown(session=session, user=users["admin"])
    assert {r["label"]: r["cell"].value for r in breakdown["sex"]} == {"Female": 1, "Male": 1}
    assert {r["label"]: r["cell"].value for r in breakdown["institution_type"]} == {
        "Police": 1,
        "Not stated": 1,
    }
    assert {r["label"]: r["cell"].value for r in breakdown["country"]} == {
        "Egypt": 1,
        "Not stated": 1,
    }
    assert breakdown["scores"]["gain"] == 25


def test_session_list_ignores_invalid_filters(portfolio, users):
    f.TrainingSessionFactory(project=portfolio["p_eg"])
    filterset, sessions = page_selectors.session_list(
        user=users["officer_eg"], params=QueryDict("kind=party")
    )
    assert filterset.errors
    assert sessions.count() == 1


def test_history_lists_changed_fields_with_their_labels(portfolio, users):
    from trainings import services

    session = f.TrainingSessionFactory(project=portfolio["p_eg"], status="planned")
    services.session_save(
        user=users["officer_eg"], session=session, data={"status": "held", "city": "Aswan"}
    )
    history = page_selectors.session_history(session=session)
    assert history[0]["action"] == "changed"
    assert history[0]["who"] == users["officer_eg"]
    assert ("status", "Planned", "Held") in history[0]["changes"]
    assert ("city", "Cairo", "Aswan") in history[0]["changes"]


def test_calendar_ranks_each_month(portfolio):
    for day in (5, 1, 3):
        f.TrainingSessionFactory(
            project=portfolio["p_eg"],
            title=f"Day {day}",
            start_date=datetime.date(2021, 2, day),
            end_date=datetime.date(2021, 2, day),
        )
    months = page_selectors.sessions_calendar(
        sessions=TrainingSession.objects.all(), year=2021, per_month=2
    )
    february = months[1]
    assert [s.title for s in february["sessions"]] == ["Day 1", "Day 3"]
    assert february["more"] == 1
    assert february["last"] == datetime.date(2021, 2, 28)
    assert months[11]["last"] == datetime.date(2021, 12, 31)


def test_history_lists_audience_changes_and_skips_empty_entries(portfolio, users):
    from trainings import services
    from trainings.models import Audience
    from trainings.page_selectors import session_history

    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    services.session_save(
        user=users["officer_eg"],
        session=session,
        expected_version=session.version,
        data={},
        audiences=Audience.objects.filter(code="police"),
    )
    entries = session_history(session=session)
    changed = [entry for entry in entries if entry["action"] == "changed"]
    assert changed and all(entry["changes"] for entry in changed)
    assert any("Police" in new for entry in changed for _, _, new in entry["changes"])
