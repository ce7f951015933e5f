"""The donor report as a PDF, drawn by WeasyPrint from an HTML template.

WeasyPrint lays text out with Pango and HarfBuzz, so Arabic is shaped and
ordered right-to-left correctly; the template sets ``dir="rtl"`` and fonts
that have Arabic (Noto Naskh Arabic, from fonts-noto-core). Nothing is
fetched while rendering: the template carries its own styles, and text an
officer typed cannot make the renderer open a file or an address.
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

from .content import ReportContent

TEMPLATE = "reports/report_pdf.html"

# WeasyPrint logs every layout step at INFO: seven lines per report in the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_html(content: ReportContent) -> str:
    return render_to_string(TEMPLATE, {"c": content, "report": content.report})


def render_pdf(content: ReportContent) -> bytes:
    """The PDF of ``content``; call inside ``translation.override(report.language)``."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    nothing = URLFetcher(allowed_protocols=())
    return HTML(string=render_html(content), url_fetcher=nothing).write_pdf()
