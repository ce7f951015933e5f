import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ctportal.access import Role
from reports.content import donor_reader, report_content
from tests import factories as f


def shown(breakdown):
    return {label: cell.shown for label, cell in breakdown.rows}


def test_the_reader_is_a_donor_of_the_project(project_data, portfolio):
    reader = donor_reader(project_data["project"])

    assert reader.role == Role.DONOR
    assert reader.organisation_id == portfolio["donor_b"].pk
    assert reader.pk is None


def test_a_project_nobody_funds_is_read_as_an_analyst(db):
    reader = donor_reader(f.ProjectFactory())

    assert (reader.role, reader.pk) == (Role.ANALYST, None)


def test_training_figures_are_those_of_the_period_with_donor_suppression(make_report):
    content = report_content(make_report())

    assert [s["title"] for s in content.sessions] == ["Victim identification for labour inspectors"]
    session = content.sessions[0]
    cells = (session["total"], session["female"], session["male"], session["other"])
    # 3 women hidden; the 6 "other or not recorded" are hidden with them (the smallest
    # cell that gives them away), as in the breakdown by sex beside the table.
    assert tuple(cell.shown for cell in cells) == (21, "<5", 12, "*")
    assert session["sex_recorded"] is True
    assert content.training["sessions_held"] == 1
    assert content.training["people_trained"].shown == 21
    by_sex, by_country = content.training["breakdowns"]
    assert shown(by_sex) == {"Male": 12, "Other or not stated": "*", "Female": "<5"}
    # Shown counts first, largest first; hidden ones after, so their order tells nothing.
    assert [label for label, _cell in by_sex.rows] == ["Male", "Female", "Other or not stated"]
    assert shown(by_country) == {"Lebanon": 21}
    assert content.training_limit == 4


def test_assistance_figures_are_counts_of_the_period_with_donor_suppression(make_report):
    content = report_content(make_report())

    assert content.assistance["identified"].shown == 14
    assert content.assistance["assisted"].shown == 0
    by_sex, by_age, by_exploitation, services = content.assistance["breakdowns"]
    assert shown(by_sex) == {"Female": "*", "Male": "<11"}
    assert shown(by_exploitation) == {"Forced labour": 14}
    assert services.rows == []
    assert content.case_limit == 10


def test_a_small_total_is_hidden_too(make_report, project_data):
    from assistance.models import Case

    cases = Case.objects.filter(project=project_data["project"], sex="Female").order_by("pk")
    Case.objects.filter(pk__in=list(cases.values_list("pk", flat=True)[:9])).delete()

    content = report_content(make_report())

    assert content.assistance["identified"].shown == "<11"
    assert shown(content.assistance["breakdowns"][0]) == {"Female": "<11", "Male": "<11"}


def test_funding_and_spend_per_currency(make_report, project_data):
    content = report_content(make_report())

    assert content.budget == {"amount": Decimal("1000000.00"), "currency": "USD"}
    assert [(r["donor"], r["currency"], r["amount"], r["share"]) for r in content.fundings] == [
        (
            str(project_data["project"].fundings.get(currency="USD").donor),
            "USD",
            Decimal("250000.00"),
            Decimal("25.0"),
        ),
        ("Euro Fund (EF)", "EUR", Decimal("40000.00"), None),
    ]
    assert content.spend == [
        {
            "currency": "USD",
            "budget": Decimal("1000000.00"),
            "in_period": Decimal("12000.00"),
            "to_date": Decimal("17000.00"),
            "percent": Decimal("1.7"),
        },
        {
            "currency": "EUR",
            "budget": None,
            "in_period": Decimal("3000.00"),
            "to_date": Decimal("3000.00"),
            "percent": None,
        },
    ]


def test_indicators_show_the_periods_overlapping_the_report(make_report):
    content = report_content(make_report())

    assert len(content.indicators) == 1
    row = content.indicators[0]
    assert (row["indicator"], row["target"], row["actual"], row["percent"]) == (
        "Number of officials trained",
        Decimal("100"),
        Decimal("80"),
        Decimal("80.0"),
    )
    assert row["period"] == "1 Jan 2021 – 31 Dec 2021"


def test_an_indicator_without_a_period_in_the_report_is_listed_empty(make_report, project_data):
    f.IndicatorFactory(result=f.ResultFactory(project=project_data["project"]), title="Laws")

    rows = report_content(make_report()).indicators

    assert [(r["indicator"], r["period"], r["target"]) for r in rows][-1] == ("Laws", "—", None)


def test_outputs_published_in_the_period_only(make_report):
    outputs = report_content(make_report()).outputs

    assert [(o["title"], o["kind"], o["language"], o["date"]) for o in outputs] == [
        (
            "Trafficking for domestic work in Lebanon",
            "Assessment",
            "English",
            datetime.date(2021, 8, 2),
        )
    ]


def test_a_whole_project_report_covers_every_period(make_report, project_data):
    project = project_data["project"]
    content = report_content(
        make_report(period_kind="project", period_start=project.start, period_end=project.end)
    )

    assert content.training["sessions_held"] == 2
    assert content.assistance["identified"].shown == 15
    assert len(content.outputs) == 2
    assert len(content.indicators) == 2
    assert content.spend[0]["in_period"] == Decimal("24000.00")


def test_labels_are_in_the_report_language(make_report):
    report = make_report("fr")

    with translation.override("fr"):
        content = report_content(report)

    assert "Liban (100%)" in dict(content.summary).values()
    assert content.language_name == "Français"
    assert not content.rtl


def test_arabic_content_is_right_to_left(make_report):
    with translation.override("ar"):
        content = report_content(make_report("ar"))

    assert content.rtl
    assert "لبنان (100%)" in dict(content.summary).values()


def test_content_costs_the_same_queries_for_more_records(make_report, project_data):
    report = make_report()
    with CaptureQueriesContext(connection) as few:
        report_content(report)
    project = project_data["project"]
    for n in range(5):
        session = f.TrainingSessionFactory(
            project=project,
            host_country=project_data["session"].host_country,
            start_date=datetime.date(2021, 8, 1 + n),
            end_date=datetime.date(2021, 8, 1 + n),
        )
        f.AttendanceFactory(session=session)
        f.TransactionFactory(project=project, date=datetime.date(2021, 8, 1 + n))
        f.ResearchOutputFactory(publication_date=datetime.date(2021, 9, 1 + n), projects=[project])
        f.IndicatorFactory(result=f.ResultFactory(project=project))
    with CaptureQueriesContext(connection) as many:
        report_content(report)

    assert len(many) == len(few)
    assert len(few) < 40


def test_age_bands_keep_their_own_order_not_the_counts(project_data, make_report):
    from assistance.selectors import case_figures

    project = project_data["project"]
    country = project.recipient_countries.first().country
    for age, number in [(35, 15), (19, 13), (10, 11)]:
        f.CaseFactory.create_batch(
            number,
            country_office=country,
            project=project,
            identification_date=datetime.date(2021, 8, 1),
            age_at_identification=age,
        )
    report = make_report()

    content = report_content(report)

    ages = next(b for b in content.assistance["breakdowns"] if "age" in b.title)
    labels = [label for label, _cell in ages.rows]
    # Youngest first, as on the pages and in the API, though 30–38 has the most cases.
    assert labels.index("9–17") < labels.index("18–20") < labels.index("30–38")
    # The figures pages, API and CSV read: the same order.
    bands = list(case_figures(user=donor_reader(project)).by_age_band)
    assert bands.index("9--17") < bands.index("18--20") < bands.index("30--38")
