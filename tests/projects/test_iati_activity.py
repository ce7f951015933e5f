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
