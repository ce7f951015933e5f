from tests import factories as f
from trainings.selectors import indicator_actual_from_trainings, training_figures


def _sessions(portfolio):
    """p_eg: 2 registered people, one in two sessions; p_lb: 30 counted (12 female)."""
    eg_1 = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    eg_2 = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    amal = f.PersonFactory(sex="female", country_of_work=portfolio["egypt"])
    omar = f.PersonFactory(sex="male", country_of_work=portfolio["egypt"])
    f.AttendanceFactory(session=eg_1, person=amal, pre_score=40, post_score=80)
    f.AttendanceFactory(session=eg_1, person=omar, pre_score=60, post_score=70)
    f.AttendanceFactory(session=eg_2, person=amal, pre_score=None, post_score=None)
    lb = f.TrainingSessionFactory(project=portfolio["p_lb"], host_country=portfolio["lebanon"])
    f.ParticipantCountFactory(session=lb, sex="female", count=12)
    f.ParticipantCountFactory(session=lb, sex="male", count=18)
    f.TrainingSessionFactory(project=portfolio["p_lb"], status="planned")
    return eg_1, eg_2, lb


def test_people_and_attendances_are_both_right(portfolio, users):
    _sessions(portfolio)
    figures = training_figures(user=users["admin"])
    assert figures.sessions_held == 3
    assert figures.people_trained.shown == 2 + 30
    assert figures.attendances.shown == 3 + 30
    assert figures.by_sex["female"].shown == 2 + 12
    assert figures.by_country["LB"].shown == 30
    assert figures.by_country["EG"].shown == 3
    assert str(figures.score_gain) == "25.0"


def test_scope_and_small_cells_for_donors(portfolio, users):
    _sessions(portfolio)
    figures = training_figures(user=users["donor_a"])
    assert figures.sessions_held == 2
    assert figures.people_trained.shown == "<5"
    assert figures.by_sex["male"].suppressed
    officer = training_figures(user=users["officer_eg"])
    assert officer.people_trained.shown == 2


def test_figures_cost_a_fixed_number_of_queries(portfolio, users, django_assert_max_num_queries):
    _sessions(portfolio)
    with django_assert_max_num_queries(12):
        training_figures(user=users["admin"])
    for _ in range(10):
        _sessions(portfolio)
    with django_assert_max_num_queries(12):
        training_figures(user=users["admin"])


def test_indicator_actual_counts_people_of_linked_sessions(portfolio):
    eg_1, eg_2, lb = _sessions(portfolio)
    indicator = f.IndicatorFactory(result__project=portfolio["p_eg"])
    eg_1.indicators.add(indicator)
    eg_2.indicators.add(indicator)
    actual = indicator_actual_from_trainings(
        indicator, period_start=eg_1.start_date, period_end=eg_1.end_date
    )
    assert actual == 2
