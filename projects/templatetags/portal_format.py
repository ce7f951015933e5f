"""Money, percentages and list formatting shared by the project pages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats, numberformat
from django.utils.html import format_html

register = template.Library()


def _number(value, places: int | None = None) -> str:
    value = Decimal(value)
    if places is None:
        places = 0 if value == value.to_integral_value() or abs(value) >= 1000 else 2
    # Group thousands in every language, also where the locale sets no grouping.
    return numberformat.format(
        value.quantize(Decimal(1).scaleb(-places)),
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=places,
        grouping=formats.get_format("NUMBER_GROUPING") or 3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


@register.filter
def money(value, currency: str = "") -> str:
    """``1250000, "USD"`` → ``USD 1,250,000``, isolated so it reads the same in Arabic."""
    if value in (None, ""):
        return "—"
    try:
        amount = _number(value)
    except (InvalidOperation, TypeError, ValueError):
        return "—"
    if currency:
        return format_html(
            '<bdi class="money"><span class="ccy">{}</span> {}</bdi>', currency, amount
        )
    return format_html('<bdi class="money">{}</bdi>', amount)


@register.filter
def number(value, places: int | None = None) -> str:
    if value in (None, ""):
        return "—"
    try:
        return _number(value, None if places in (None, "") else int(places))
    except (InvalidOperation, TypeError, ValueError):
        return "—"


@register.filter
def pct(value) -> str:
    """A percentage with at most one decimal: ``62.5 %``."""
    if value in (None, ""):
        return "—"
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return "—"
    places = 0 if value == value.to_integral_value() else 1
    return format_html("<bdi>{}&nbsp;%</bdi>", _number(value, places))
