"""A tile-grid map of the Middle East, North Africa and their neighbours.

One square per country at its approximate place, shaded by value, so that
Bahrain weighs as much as Algeria and the map needs no geographic data.
Countries beyond the grid are listed under it. The map keeps its geography
in right-to-left languages.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

from projects.templatetags.portal_format import number

from .charts import Group, Layout, compact, shown, svg

# ISO 3166-1 code: (column, row), west to east and north to south.
GRID = {
    "ES": (0, 0), "IT": (2, 0), "MT": (3, 0), "GR": (4, 0), "CY": (5, 0), "TR": (6, 0),
    "MA": (0, 1), "DZ": (1, 1), "TN": (2, 1), "LB": (5, 1), "SY": (6, 1), "IQ": (7, 1),
    "IR": (8, 1), "AF": (9, 1),
    "MR": (0, 2), "ML": (1, 2), "LY": (2, 2), "EG": (3, 2), "PS": (4, 2), "IL": (5, 2),
    "JO": (6, 2), "KW": (7, 2), "BH": (8, 2), "PK": (9, 2),
    "NE": (1, 3), "TD": (2, 3), "SD": (3, 3), "ER": (4, 3), "SA": (6, 3), "QA": (7, 3),
    "AE": (8, 3),
    "SS": (3, 4), "ET": (4, 4), "DJ": (5, 4), "YE": (6, 4), "OM": (7, 4),
    "KE": (4, 5), "SO": (5, 5),
}  # fmt: skip
# What a tile says in Arabic and French: a name short enough for 52 pixels. English
# readers get the ISO code, which the Latin alphabet already spells.
TILE_NAMES = {
    "ar": {
        "ES": "إسبانيا", "IT": "إيطاليا", "MT": "مالطا", "GR": "اليونان", "CY": "قبرص",
        "TR": "تركيا", "MA": "المغرب", "DZ": "الجزائر", "TN": "تونس", "LB": "لبنان",
        "SY": "سوريا", "IQ": "العراق", "IR": "إيران", "AF": "أفغانستان", "MR": "موريتانيا",
        "ML": "مالي", "LY": "ليبيا", "EG": "مصر", "PS": "فلسطين", "IL": "إسرائيل",
        "JO": "الأردن", "KW": "الكويت", "BH": "البحرين", "PK": "باكستان", "NE": "النيجر",
        "TD": "تشاد", "SD": "السودان", "ER": "إريتريا", "SA": "السعودية", "QA": "قطر",
        "AE": "الإمارات", "SS": "ج. السودان", "ET": "إثيوبيا", "DJ": "جيبوتي", "YE": "اليمن",
        "OM": "عُمان", "KE": "كينيا", "SO": "الصومال",
    },
    "fr": {
        "ES": "Espagne", "IT": "Italie", "MT": "Malte", "GR": "Grèce", "CY": "Chypre",
        "TR": "Turquie", "MA": "Maroc", "DZ": "Algérie", "TN": "Tunisie", "LB": "Liban",
        "SY": "Syrie", "IQ": "Irak", "IR": "Iran", "AF": "Afgh.", "MR": "Maurit.",
        "ML": "Mali", "LY": "Libye", "EG": "Égypte", "PS": "Palest.", "IL": "Israël",
        "JO": "Jordanie", "KW": "Koweït", "BH": "Bahreïn", "PK": "Pakistan", "NE": "Niger",
        "TD": "Tchad", "SD": "Soudan", "ER": "Érythrée", "SA": "Arabie s.", "QA": "Qatar",
        "AE": "É.A.U.", "SS": "S. du Sud", "ET": "Éthiopie", "DJ": "Djibouti", "YE": "Yémen",
        "OM": "Oman", "KE": "Kenya", "SO": "Somalie",
    },
}  # fmt: skip
TILE, GAP, MARGIN = 52, 5, 2
COLUMNS = 1 + max(c for c, _r in GRID.values())
ROWS = 1 + max(r for _c, r in GRID.values())
# Five shades of one hue (classes q1…q5 in dashboards.css): ordered for every reader.
SHADES = 5


def map_plot(group: Group, layout: Layout) -> None:
    values = {
        str(key): (label, shown(layout.cells.get((key, None)), group.currency))
        for key, label in layout.keys
        if key
    }
    top = max((value.drawn for _label, value in values.values()), default=0)
    names = TILE_NAMES.get((get_language() or "en")[:2], {})
    tiles = []
    for code, (column, row) in GRID.items():
        label, value = values.get(code, (str(countries.name(code)) or code, None))
        x, y = MARGIN + column * (TILE + GAP), MARGIN + row * (TILE + GAP)
        if value is None:
            shade, text = 0, ""
            title = _("%(country)s: nothing recorded") % {"country": label}
        else:
            shade = max(1, math.ceil(SHADES * value.drawn / top)) if value.drawn and top else 0
            text = value.text if value.suppressed else compact(value.drawn, group.currency)
            title = f"{label}: {value.text}"
        tiles.append(
            {
                "code": code,
                "name": names.get(code, code),
                "named": code in names,
                "x": svg(x),
                "y": svg(y),
                "centre": svg(x + TILE / 2),
                "code_y": svg(y + 22),
                "value_y": svg(y + 40),
                "shade": shade,
                "hatched": bool(value and value.suppressed),
                "text": text,
                "title": title,
            }
        )
    group.plot = {
        "width": MARGIN * 2 + COLUMNS * (TILE + GAP) - GAP,
        "height": MARGIN * 2 + ROWS * (TILE + GAP) - GAP,
        "tile": TILE,
        "tiles": tiles,
        "scale": _scale(top, group.currency),
        "outside": [
            {"label": label, "value": value}
            for code, (label, value) in values.items()
            if code not in GRID
        ],
        "hatch": f"hatch-{layout.uid}-{group.currency or 'all'}",
    }


def _scale(top: float, currency: str) -> list[dict]:
    """What each shade stands for: whole numbers for counts, rounded amounts for money."""
    if not top:
        return []
    steps = []
    for shade in range(1, SHADES + 1):
        low, high = top * (shade - 1) / SHADES, top * shade / SHADES
        if currency:
            text = (
                f"{compact(Decimal(str(low)), currency)} – {compact(Decimal(str(high)), currency)}"
            )
        else:
            first, last = math.floor(low) + 1, math.floor(high)
            if first > last:
                continue  # no whole number falls in this shade
            text = number(first) if first == last else f"{number(first)} – {number(last)}"
        steps.append({"shade": shade, "text": text})
    return steps
