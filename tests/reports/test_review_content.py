"""A donor report must not let a small count follow by subtraction from what it shows."""

import datetime

from assistance.models import Case
from reports.content import report_content
from tests import factories as f


def shown(breakdown):
    return {label: cell.shown for label, cell in breakdown.rows}


def test_people_of_no_stated_country_do_not_follow_from_the_total(make_report, portfolio):
    session = f.TrainingSessionFactory(
        project=portfolio["p_lb"],
        host_country=portfolio["lebanon"],
        start_date=datetime.date(2021, 8, 2),
        end_date=datetime.date(2021, 8, 3),
    )
    for _ in range(20):
        f.AttendanceFactory(
            session=session, person=f.PersonFactory(country_of_work=portfolio["egypt"])
        )
    for _ in range(3):
        f.AttendanceFactory(session=session, person=f.PersonFactory(country_of_work=None))

    content = report_content(make_report())
    attendances = content.training["attendances"]
    _by_sex, by_country = content.training["breakdowns"]
    assert attendances.shown == 44
    cells = [cell for _label, cell in by_country.rows]
    shown_sum = sum(cell.value for cell in cells if not cell.suppressed)
    # 44 participations, 21 in Lebanon and 20 in Egypt: 3 of no stated country.
    assert not 0 < attendances.value - shown_sum <= content.training_limit, shown(by_country)


def test_victims_not_assisted_do_not_follow_from_the_report(make_report):
    quarter = Case.objects.filter(identification_date__range=("2021-07-01", "2021-09-30"))
    for case in quarter[:12]:
        f.ServiceFactory(case=case, start_date=case.identification_date)

    content = report_content(make_report())
    assert content.assistance["identified"].shown == 14
    # 14 identified and 12 assisted would give the 2 victims without any service.
    assert content.assistance["assisted"].suppressed


def test_a_small_session_is_not_the_participations_less_the_other_sessions(make_report, portfolio):
    small = f.TrainingSessionFactory(
        project=portfolio["p_lb"],
        host_country=portfolio["lebanon"],
        start_date=datetime.date(2021, 8, 2),
        end_date=datetime.date(2021, 8, 3),
    )
    f.ParticipantCountFactory(session=small, sex="female", count=2)
    f.ParticipantCountFactory(session=small, sex="male", count=1)

    content = report_content(make_report())
    attendances = content.training["attendances"]
    limit = content.training_limit
    assert attendances.shown == 24
    totals = [row["total"] for row in content.sessions]
    assert sorted(cell.value for cell in totals) == [3, 21]
    # 24 participations, 21 in the other session: the small one had 3.
    shown_sum = sum(cell.value for cell in totals if not cell.suppressed)
    assert not 0 < attendances.value - shown_sum <= limit
    # Nor may a hidden total be added up from its women and men.
    for row in content.sessions:
        if row["total"].suppressed and not row["female"].suppressed:
            assert row["male"].suppressed
    # And the women of the sessions add up to the women of the breakdown by sex.
    by_sex = dict(content.training["breakdowns"][0].rows)
    women = by_sex["Female"]
    if not women.suppressed:
        shown_women = sum(r["female"].value for r in content.sessions if not r["female"].suppressed)
        assert not 0 < women.value - shown_women <= limit
