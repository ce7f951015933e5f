from decimal import Decimal

import pytest
from django.core.cache import cache

from dashboards import registry
from dashboards.figures import BadDimension, figures, parse_filters
from dashboards.invalidation import GENERATION_KEY, generation
from dashboards.registry import Filters, Query, get_metric
from tests import factories as f

# A training-sensitive metric with fixed counts, to test suppression on its own.
FIXED = {
    (): 60,
    ("EG",): 40,
    ("LB",): 3,
    ("JO",): 17,
}
GRID = {
    ("EG", "Female"): 20,
    ("EG", "Male"): 20,
    ("LB", "Female"): 2,
    ("LB", "Male"): 1,
    ("JO", "Female"): 9,
    ("JO", "Male"): 8,
}


def fixed_source(query: Query):
    if query.dimensions == ("country", "sex"):
        return list(GRID.items())
    return [(keys, n) for keys, n in FIXED.items() if len(keys) == len(query.dimensions)]


@pytest.fixture
def fixed_metric():
    assert "sex" in registry.DIMENSIONS
    registry.metric(
        "test_people",
        label="People",
        description="Fixed counts",
        dimensions=("country", "sex"),
        sensitivity="training",
    )(fixed_source)
    yield get_metric("test_people")
    del registry.METRICS["test_people"]


def by_key(figure):
    return {row.keys: row.cell for row in figure.rows}


def test_every_app_registers_its_metrics():
    assert {"projects", "budget", "funding", "spend"} <= set(registry.METRICS)
    assert registry.get_metric("budget").app == "projects"
    with pytest.raises(registry.UnknownMetric):
        registry.get_metric("nope")


def test_unknown_dimension_is_refused_at_registration():
    with pytest.raises(ValueError, match="unknown dimensions"):
        registry.metric("x", label="x", description="x", dimensions=("colour",))(fixed_source)


def test_small_cells_are_hidden_from_donors_with_a_complementary_cell(fixed_metric, users):
    figure = figures(fixed_metric, user=users["donor_a"], dimensions=["country"])
    cells = by_key(figure)
    assert cells[("LB",)].shown == "<5"
    # With LB hidden and the total shown, the smallest other cell is hidden too.
    assert cells[("JO",)].hidden and cells[("JO",)].shown == "*"
    assert cells[("EG",)].shown == 40
    assert figure.totals[0].cell.shown == 60
    assert [r["display"] for r in figure.long()] == ["40", "*", "<5"]
    assert figure.long()[2]["value"] is None and figure.long()[2]["suppressed"] is True


def test_staff_see_every_count(fixed_metric, users):
    cells = by_key(figures(fixed_metric, user=users["me"], dimensions=["country"]))
    assert cells[("LB",)].shown == 3 and cells[("JO",)].shown == 17


def test_two_dimensions_are_protected_along_both_axes(fixed_metric, users):
    cells = by_key(figures(fixed_metric, user=users["analyst"], dimensions=["country", "sex"]))
    hidden = {k for k, c in cells.items() if c.suppressed}
    assert {("LB", "Female"), ("LB", "Male")} <= hidden
    # Every column with a hidden cell has at least two hidden.
    for sex in ("Female", "Male"):
        column = [k for k in hidden if k[1] == sex]
        assert len(column) != 1


def test_bad_dimension_is_refused(fixed_metric, users):
    with pytest.raises(BadDimension):
        figures(fixed_metric, user=users["me"], dimensions=["donor"])
    with pytest.raises(BadDimension):
        figures(fixed_metric, user=users["me"], dimensions=["country", "country"])


def test_money_is_never_added_across_currencies(portfolio, users):
    portfolio["p_eg"].budget, portfolio["p_eg"].currency = Decimal("1000"), "USD"
    portfolio["p_eg"].save()
    portfolio["p_lb"].budget, portfolio["p_lb"].currency = Decimal("500"), "EUR"
    portfolio["p_lb"].save()
    portfolio["p_both"].budget, portfolio["p_both"].currency = Decimal("200"), "USD"
    portfolio["p_both"].save()
    figure = figures("budget", user=users["admin"], dimensions=["country"])
    assert figure.dimensions == ("currency", "country")
    values = {row.keys: row.cell.value for row in figure.rows}
    assert values[("USD", "EG")] == Decimal("1120")
    assert values[("USD", "LB")] == Decimal("80")
    assert values[("EUR", "LB")] == Decimal("500")
    totals = {t.keys: t.cell.value for t in figure.totals}
    assert totals == {("EUR",): Decimal("500"), ("USD",): Decimal("1200")}


def test_figures_follow_the_viewers_scope(portfolio, users):
    donor = figures("projects", user=users["donor_b"], dimensions=["country"])
    assert donor.totals[0].cell.value == 2
    assert {row.keys: row.cell.value for row in donor.rows} == {("EG",): 1, ("LB",): 2}
    assert figures("projects", user=users["norole"]).totals[0].cell.value == 0
    me = figures("projects", user=users["me"], filters=Filters(country="EG"))
    assert me.totals[0].cell.value == 2


def test_figures_are_cached_and_retired_when_records_change(
    portfolio, users, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = figures("projects", user=users["me"])
    assert first.totals[0].cell.value == 3
    with django_assert_num_queries(0):
        assert figures("projects", user=users["me"]).totals[0].cell.value == 3
    with django_capture_on_commit_callbacks(execute=True):
        f.ProjectFactory(title="New")
    assert figures("projects", user=users["me"]).totals[0].cell.value == 4


def test_generation_survives_eviction_without_reusing_numbers(
    portfolio, users, django_capture_on_commit_callbacks
):
    assert figures("projects", user=users["me"]).totals[0].cell.value == 3
    first = generation()
    cache.delete(GENERATION_KEY)
    # A new series starts from the clock, far above the numbers of the old one.
    assert generation() > first
    with django_capture_on_commit_callbacks(execute=True):
        f.ProjectFactory(title="New")
    assert figures("projects", user=users["me"]).totals[0].cell.value == 4


def test_parse_filters_reports_bad_fields():
    filters, errors = parse_filters({"project": "x", "country": "Egypt", "year": "2024"})
    assert filters == Filters(year=2024)
    assert set(errors) == {"project", "country"}
    assert parse_filters({"country": "eg"})[0] == Filters(country="EG")


def test_hidden_cells_come_last_so_their_place_tells_nothing(fixed_metric, users):
    # AA (10) is hidden only to protect LB (3); by size it would sit between JO and LB.
    FIXED[("AA",)] = 10
    try:
        figure = figures(fixed_metric, user=users["donor_a"], dimensions=["country"])
    finally:
        del FIXED[("AA",)]
    assert [row.keys[0] for row in figure.rows] == ["EG", "JO", "AA", "LB"]
    shown = [row for row in figure.rows if not row.cell.suppressed]
    hidden = [row for row in figure.rows if row.cell.suppressed]
    assert figure.rows == shown + hidden
    assert [row.label for row in hidden] == sorted(row.label for row in hidden)


def test_logs_jobs_and_history_rows_do_not_retire_figures():
    from django.apps import apps

    from dashboards.invalidation import is_source

    assert is_source(apps.get_model("assistance", "Case"))
    assert is_source(apps.get_model("trainings", "Attendance"))
    assert is_source(apps.get_model("projects", "Transaction"))
    assert not is_source(apps.get_model("assistance", "IdentityAccess"))
    assert not is_source(apps.get_model("assistance", "CaseDataRead"))
    assert not is_source(apps.get_model("assistance", "IdentityErasure"))
    assert not is_source(apps.get_model("assistance", "HistoricalCase"))
    assert not is_source(apps.get_model("projects", "PortfolioExport"))
    assert not is_source(apps.get_model("dashboards", "Widget"))


def test_an_identity_read_keeps_cached_figures(
    portfolio, users, django_capture_on_commit_callbacks
):
    from assistance import services

    worker = f.verified(users["case_worker_lb"])
    case = f.CaseFactory(
        country_office=portfolio["lebanon"], project=portfolio["p_lb"], registered_by=worker
    )
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        services.identity_read(user=worker, case=case)
    assert generation() == before


def test_an_api_read_of_case_figures_keeps_figures_and_summaries(
    portfolio, users, client, django_capture_on_commit_callbacks
):
    """Every API read of case data is logged; the log is no source of any figure, so
    reading figures does not retire the summaries they were read from."""
    from assistance.audit.models import CaseDataRead
    from dashboards.summaries.models import SummaryState

    SummaryState.objects.get_or_create(pk=1)
    before = (generation(), SummaryState.objects.get().version)
    client.force_login(users["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/v1/assistance/figures/")
    assert response.status_code == 200
    assert CaseDataRead.objects.filter(user=users["analyst"]).exists()
    assert (generation(), SummaryState.objects.get().version) == before
