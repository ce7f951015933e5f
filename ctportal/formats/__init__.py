"""How dates read in each language of the portal: one format per language, everywhere.

Django reads these through ``FORMAT_MODULE_PATH``: templates use ``|date``
(``DATE_FORMAT``) or ``|date:"DATETIME_FORMAT"`` and Python code
``date_format(value)``, never a pattern of their own, so a page, a PDF, a
spreadsheet and an e-mail show the same date the same way. Short and long
formats are the same on purpose: "12/07/2026" reads as July in one country and
December in another, so a date always names its month.

Digits stay Western Arabic (0–9) in Arabic too, as the portal's numbers do
(``portal_format``): a date and an amount side by side use one set of digits.
Spreadsheets store real dates with the number format ``XLSX_DATE`` of the
report's language, so Excel shows them as the pages do.
"""

from __future__ import annotations

from django.utils.formats import get_format_modules
from django.utils.translation import get_language


def xlsx_format(name: str = "XLSX_DATE", lang: str | None = None) -> str:
    """Excel's number format for a date (``XLSX_DATE``) or a date and time
    (``XLSX_DATETIME``) in ``lang`` (the active language by default)."""
    for module in get_format_modules(lang or get_language()):
        if hasattr(module, name):
            return getattr(module, name)
    return "d mmm yyyy" if name == "XLSX_DATE" else "d mmm yyyy, hh:mm"
