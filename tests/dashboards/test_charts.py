import math
from decimal import Decimal

import pytest
from django.utils import translation

from ctportal.suppression import Cell
from dashboards import cartogram, charts, lines
from dashboards.figures import Figure, Row
from dashboards.models import Widget
from dashboards.registry import Metric, get_metric


def people_metric(**overrides) -> Metric:
    values = {
        "code": "chart_people",
        "label": "People",
        "description": "",
        "source": lambda query: [],
        "dimensions": ("country", "sex", "year", "quarter", "status"),
        "sensitivity": "training",
    }
    return Metric(**(values | overrides))


def figure(dims, rows, total=None, *, limit=0, metric=None) -> Figure:
    metric = metric or people_metric()
    made = [
        Row(
            tuple(keys),
            tuple(str(k) for k in keys),
            cell if isinstance(cell, Cell) else Cell(cell, limit),
        )
        for keys, cell in rows
    ]
    totals = [] if total is None else [Row((), (), Cell(total, limit))]
    return Figure(metric=metric, dimensions=tuple(dims), rows=made, totals=totals)


def widget(kind, **fields) -> Widget:
    return Widget(pk=7, kind=kind, metric="chart_people", max_rows=12, width="half", **fields)


def test_money_is_drawn_per_currency_with_its_own_total():
    money = figure(
        ("currency", "country"),
        [
            (("EUR", "LB"), Decimal(500)),
            (("USD", "EG"), Decimal(1120)),
            (("USD", "LB"), Decimal(80)),
        ],
        metric=get_metric("budget"),
    )
    money.totals = [
        Row(("EUR",), ("EUR",), Cell(Decimal(500), 0)),
        Row(("USD",), ("USD",), Cell(Decimal(1200), 0)),
    ]
    chart = charts.build(widget("bar"), money)
    assert [g.currency for g in chart["groups"]] == ["EUR", "USD"]
    usd = chart["groups"][1]
    assert [bar["label"] for bar in usd.plot["bars"]] == ["EG", "LB"]
    assert "USD" in usd.total.html and "1,200" in usd.total.html
    assert chart["dimension_labels"] == ["country"]


def test_bars_grow_from_the_start_side_and_mirror_right_to_left():
    data = figure(("country",), [(("EG",), 40), (("JO",), 20)], 60)
    with translation.override("en"):
        ltr = charts.build(widget("bar"), data)["groups"][0].plot
    with translation.override("ar"):
        rtl = charts.build(widget("bar"), data)["groups"][0].plot
    eg_ltr, jo_ltr = ltr["bars"]
    eg_rtl = rtl["bars"][0]
    assert float(eg_ltr["width"]) == pytest.approx(2 * float(jo_ltr["width"]))
    assert eg_ltr["x"] == ltr["axis_x"]
    # Right to left: the bar ends at the axis on the right, the label sits right of it.
    assert float(eg_rtl["x"]) + float(eg_rtl["width"]) == pytest.approx(float(rtl["axis_x"]))
    assert float(eg_rtl["label_x"]) > float(rtl["axis_x"]) > float(eg_rtl["value_x"])
    assert (ltr["label_anchor"], rtl["label_anchor"]) == ("end", "start")


def test_a_hidden_cell_draws_no_bar_and_tells_nothing_by_its_place():
    data = figure(
        ("country",),
        [(("EG",), 40), (("JO",), Cell(17, 4, hidden=True)), (("LB",), 3), (("SY",), 9)],
        69,
        limit=4,
    )
    chart = charts.build(widget("bar"), data)
    bars = chart["groups"][0].plot["bars"]
    # Hidden ones last and by name: a "*" before a "<5" would tell it is the larger.
    assert [bar["label"] for bar in bars] == ["EG", "SY", "JO", "LB"]
    assert [bar["value"] for bar in bars[2:]] == ["*", "<5"]
    assert not bars[2]["drawn"] and not bars[3]["drawn"]
    assert chart["small"] and chart["hidden"] and chart["marker"] == "<5"
    table = chart["groups"][0].table["rows"]
    assert [row["cells"][0].text for row in table] == ["40", "9", "*", "<5"]
    assert '<bdi dir="ltr">&lt;5</bdi>' in table[3]["cells"][0].html


def test_rows_beyond_the_limit_are_counted_and_time_keeps_the_latest():
    by_country = figure(("country",), [((f"C{n}",), 100 - n) for n in range(15)])
    group = charts.build(widget("bar"), by_country)["groups"][0]
    assert len(group.plot["bars"]) == 12 and group.more == 3
    assert group.plot["bars"][0]["label"] == "C0"

    by_year = figure(("year",), [((year,), 5) for year in range(2010, 2025)])
    group = charts.build(widget("bar"), by_year)["groups"][0]
    assert [row["label"] for row in group.table["rows"]][0] == "2013"
    assert group.more == 3


def test_stacked_bars_put_parts_side_by_side_with_a_legend():
    data = figure(
        ("country", "sex"),
        [(("EG", "F"), 20), (("EG", "M"), 10), (("JO", "F"), 5), (("JO", "M"), Cell(2, 4))],
        limit=4,
    )
    group = charts.build(widget("stacked_bar"), data)["groups"][0]
    eg, jo = group.plot["bars"]
    assert [p["colour"] for p in eg["parts"]] == [0, 1]
    first, second = eg["parts"]
    assert float(first["x"]) + float(first["width"]) == pytest.approx(float(second["x"]))
    assert len(jo["parts"]) == 1 and jo["hidden"]
    assert [entry["label"] for entry in group.plot["legend"]] == ["F", "M"]
    assert group.table["columns"] == ["F", "M"]
    assert [c.text for c in group.table["rows"][1]["cells"]] == ["5", "<5"]


def test_lines_fill_missing_years_and_break_at_hidden_points():
    data = figure(
        ("year",),
        [((2019,), 10), ((2021,), Cell(3, 4)), ((2022,), 12), ((2023,), 8)],
        limit=4,
    )
    group = charts.build(widget("line"), data)["groups"][0]
    assert [row["label"] for row in group.table["rows"]] == ["2019", "2020", "2021", "2022", "2023"]
    assert group.table["rows"][1]["cells"][0].text == "0"
    (line,) = group.plot["series"]
    assert len(line["segments"]) == 2
    assert len(line["points"]) == 4
    assert [h["text"] for h in group.plot["hidden"]] == ["<5"]
    assert group.plot["legend"] == []


def test_time_runs_right_to_left_in_arabic():
    data = figure(("quarter",), [(("2023-Q4",), 4), (("2024-Q2",), 6)])
    with translation.override("ar"):
        group = charts.build(widget("line"), data)["groups"][0]
    periods = group.plot["periods"]
    assert [p["label"] for p in periods] == ["2023-Q4", "2024-Q1", "2024-Q2"]
    assert float(periods[0]["x"]) > float(periods[-1]["x"])
    assert group.plot["tick_anchor"] == "start"


def test_several_lines_get_a_legend_and_their_own_colour():
    data = figure(
        ("year", "status"),
        [((2020, "open"), 3), ((2021, "open"), 5), ((2020, "closed"), 1), ((2021, "closed"), 2)],
    )
    group = charts.build(widget("line"), data)["groups"][0]
    assert [s["colour"] for s in group.plot["series"]] == [0, 1]
    assert [entry["label"] for entry in group.plot["legend"]] == ["open", "closed"]


def test_nice_axis_tops():
    assert [lines.nice_top(v) for v in (0, 7, 12, 230, 2600)] == [1.0, 10, 20, 250, 5000]


def test_donut_slices_close_the_ring_and_shares_only_when_nothing_is_hidden():
    data = figure(("status",), [(("a",), 30), (("b",), 10)], 40)
    plot = charts.build(widget("donut"), data)["groups"][0].plot
    assert [s["share"] for s in plot["slices"]] == [75.0, 25.0]
    assert plot["total"].text == "40"
    assert plot["slices"][0]["path"].startswith("M 110.0 6.0 A 104 104 0 1 1")

    hidden = figure(("status",), [(("a",), 30), (("b",), 3)], 33, limit=4)
    plot = charts.build(widget("donut"), hidden)["groups"][0].plot
    assert len(plot["slices"]) == 1 and plot["slices"][0]["share"] is None


def test_a_single_slice_is_a_whole_ring_and_small_ones_gather_as_other():
    plot = charts.build(widget("donut"), figure(("status",), [(("a",), 5)], 5))["groups"][0].plot
    assert plot["slices"][0]["path"].count("M ") == 2

    many = figure(("status",), [((f"k{n}",), 20 - n) for n in range(11)])
    plot = charts.build(widget("donut"), many)["groups"][0].plot
    assert len(plot["slices"]) == lines.MAX_SLICES
    assert plot["slices"][-1]["label"] == "Other"
    assert plot["slices"][-1]["value"].value == sum(20 - n for n in range(7, 11))


def test_the_map_shades_countries_and_lists_those_beyond_it():
    data = figure(
        ("country",),
        [(("EG",), 40), (("LB",), 8), (("JO",), Cell(2, 4)), (("DE",), 5)],
        limit=4,
    )
    plot = charts.build(widget("map"), data)["groups"][0].plot
    tiles = {tile["code"]: tile for tile in plot["tiles"]}
    assert tiles["EG"]["shade"] == 5 and tiles["LB"]["shade"] == 1
    assert tiles["JO"]["hatched"] and tiles["JO"]["text"] == "<5"
    assert tiles["SY"]["shade"] == 0 and "nothing recorded" in tiles["SY"]["title"]
    assert [place["label"] for place in plot["outside"]] == ["DE"]
    assert plot["scale"][0]["text"] == "1 – 8" and plot["scale"][-1]["text"] == "33 – 40"
    assert len(set(cartogram.GRID.values())) == len(cartogram.GRID)


def test_the_map_scale_skips_shades_no_whole_number_falls_in():
    plot = charts.build(widget("map"), figure(("country",), [(("EG",), 2), (("LB",), 1)]))
    assert [step["text"] for step in plot["groups"][0].plot["scale"]] == ["1", "2"]


def test_a_key_figure_is_the_total_and_a_table_without_breakdown_too():
    chart = charts.build(widget("kpi"), figure((), [((), 12)], 12))
    assert chart["groups"][0].total.text == "12" and not chart["empty"]
    chart = charts.build(widget("table"), figure((), [((), Cell(3, 4))], 3, limit=4))
    assert chart["groups"][0].total.text == "<5"
    assert charts.build(widget("kpi"), figure((), [], None))["empty"]


def test_compact_numbers_for_chart_labels():
    assert charts.compact(1_260_000, "USD") == "1.3 M"
    assert charts.compact(35_000, "USD") == "35 k"
    assert charts.compact(1234) == "1,234"
    assert charts.short("x" * 40).endswith("…") and len(charts.short("x" * 40)) == 30


def test_geometry_uses_dots_whatever_the_language():
    data = figure(("country",), [(("EG",), 3), (("LB",), 1)])
    with translation.override("fr"):
        bar = charts.build(widget("bar"), data)["groups"][0].plot["bars"][1]
    assert "," not in bar["width"] and math.isclose(float(bar["width"]), 324 / 3, rel_tol=0.01)


def test_nothing_to_draw_is_empty_not_an_error():
    chart = charts.build(widget("line"), figure(("year", "status"), []))
    assert chart["empty"] and chart["groups"][0].plot == {}
    chart = charts.build(widget("map"), figure(("country",), [], 0))
    assert chart["empty"]


def test_negative_amounts_draw_no_bar_but_keep_their_figure():
    data = figure(("year",), [((2020,), Decimal(-50)), ((2021,), Decimal(100))])
    bars = charts.build(widget("bar"), data)["groups"][0].plot["bars"]
    assert [bar["drawn"] for bar in bars] == [False, True]
    table = charts.build(widget("bar"), data)["groups"][0].table["rows"]
    assert table[0]["cells"][0].text == "-50"
