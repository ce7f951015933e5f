"""Dates kept as ISO text in a notification, written in the reader's language's format."""

import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def date_from_iso(value: str, kind: str = "DATE") -> str:
    """``2026-03-31`` or an ISO date-time, as the active language writes dates (or date-times)."""
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value)
    if kind == "DATETIME":
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "DATETIME_FORMAT") + " " + moment.strftime("%Z")
    return formats.date_format(moment.date(), "DATE_FORMAT")
