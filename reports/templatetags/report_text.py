"""Text of mixed direction in the PDF: titles and narrative typed in any language.

WeasyPrint does not implement ``dir="auto"``, so an English title in an
Arabic report would have its punctuation thrown to the wrong end. Blocks
get the direction of their first letter (``text_dir``); a short fragment
inside a line is isolated with Unicode's first-strong isolate (``isolate``),
which the layout engine resolves like ``dir="auto"`` as long as the
fragment does not wrap onto another line.
"""

from __future__ import annotations

import unicodedata

from django import template

register = template.Library()

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"


@register.filter
def isolate(value) -> str:
    """``value`` laid out in the direction of its first letter, whatever surrounds it."""
    text = "" if value is None else str(value)
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}" if text else text


@register.filter
def text_dir(value) -> str:
    """``rtl`` when the first letter of ``value`` is written right to left, else ``ltr``."""
    for char in str(value or ""):
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return "rtl"
        if direction == "L":
            return "ltr"
    return "ltr"
