import datetime
from decimal import Decimal

from lxml import etree

from projects import iati_activity


def test_annual_budgets_add_up_to_the_total():
    parts = iati_activity.annual_budgets(
        datetime.date(2020, 3, 1), datetime.date(2022, 2, 28), Decimal("100")
    )

    assert [(start.isoformat(), end.isoformat()) for start, end, _value in parts] == [
        ("2020-03-01", "2020-12-31"),
        ("2021-01-01", "2021-12-31"),
        ("2022-01-01", "2022-02-28"),
    ]
    assert sum(value for _start, _end, value in parts) == Decimal("100")
    assert parts[0][2] == Decimal("41.92")


def test_one_day_budget_is_the_whole_total():
    day = datetime.date(2024, 2, 29)

    assert iati_activity.annual_budgets(day, day, Decimal("10.00")) == [
        (day, day, Decimal("10.00"))
    ]


def test_text_xml_cannot_carry_is_dropped():
    parent = etree.Element("title")

    iati_activity._narrative(parent, "Form\x0cfeed & <tag>\x00", "fr")

    assert etree.tostring(parent) == (
        b'<title><narrative xml:lang="fr">Formfeed &amp; &lt;tag&gt;</narrative></title>'
    )


def test_budget_rows_are_written_instead_of_the_yearly_split(db):
    import pytest
    from django.core.exceptions import ValidationError

    from projects import iati
    from projects import models as pm
    from tests import factories as f

    project = f.ProjectFactory(budget=Decimal("900"), currency="EUR")
    pm.Budget.objects.create(
        project=project,
        kind=pm.BudgetKind.REVISED,
        status=pm.BudgetStatus.COMMITTED,
        period_start=datetime.date(2021, 4, 1),
        period_end=datetime.date(2022, 3, 31),
        value=Decimal("900"),
        currency="EUR",
        value_date=datetime.date(2021, 3, 15),
    )
    content, _count = iati.render_activities(pm.Project.objects.filter(pk=project.pk))
    budgets = etree.fromstring(content).findall("iati-activity/budget")  # noqa: S320

    assert [(b.get("type"), b.get("status")) for b in budgets] == [("2", "2")]
    value = budgets[0].find("value")
    assert (value.text, value.get("value-date")) == ("900.00", "2021-03-15")
    assert iati.schema_errors(content) == []

    longer = pm.Budget(
        project=project,
        period_start=datetime.date(2021, 4, 1),
        period_end=datetime.date(2022, 4, 1),
        value=Decimal("1"),
        currency="EUR",
        value_date=datetime.date(2021, 4, 1),
    )
    with pytest.raises(ValidationError, match="longer than one year"):
        longer.full_clean()


def test_projects_without_budget_rows_keep_the_yearly_split(db):
    from projects import iati
    from projects import models as pm
    from tests import factories as f

    project = f.ProjectFactory(
        budget=Decimal("300"),
        planned_start=datetime.date(2020, 1, 1),
        planned_end=datetime.date(2022, 12, 31),
    )
    content, _count = iati.render_activities(pm.Project.objects.filter(pk=project.pk))
    budgets = etree.fromstring(content).findall("iati-activity/budget")  # noqa: S320

    assert len(budgets) == 3
    assert {b.get("type") for b in budgets} == {"1"}
