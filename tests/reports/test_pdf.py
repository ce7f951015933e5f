import re
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from reports.content import report_content
from reports.pdf import render_html, render_pdf

# pdftotext marks right-to-left runs with embedding and isolate controls.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_of(report) -> bytes:
    with translation.override(report.language):
        return render_pdf(report_content(report))


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(BIDI_CONTROLS.sub("", out.stdout.decode("utf-8")).split())


def pages_of(pdf: bytes, tmp_path: Path) -> list[Path]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page-*.png"))


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_the_pdf_renders_to_pages(make_report, tmp_path, language):
    pdf = pdf_of(make_report(language))

    assert pdf.startswith(b"%PDF-")
    pages = pages_of(pdf, tmp_path)
    assert len(pages) >= 1
    assert all(page.read_bytes().startswith(b"\x89PNG") for page in pages)
    assert all(page.stat().st_size > 5_000 for page in pages)


def test_english_text(make_report, project_data, tmp_path):
    text = text_of(pdf_of(make_report()), tmp_path)

    assert "Lebanon project" in text
    assert project_data["project"].code in text
    assert "Victim identification for labour inspectors" in text
    assert "Labour inspectors were trained in Beirut." in text
    assert "Trafficking for domestic work in Lebanon" in text
    assert "<5" in text and "<11" in text


def test_arabic_is_shaped_and_in_logical_order(make_report, tmp_path):
    report = make_report("ar", summary="تم تدريب مفتشي العمل في بيروت")

    text = text_of(pdf_of(report), tmp_path)

    assert "Lebanon project" in text
    # Headings translated in the catalogue, and the officer's Arabic narrative, read in
    # logical order: a reversed or unshaped rendering would not match.
    assert "التمويل" in text
    assert "مساعدة الضحايا" in text
    assert "تم تدريب مفتشي العمل في بيروت" in text
    assert "لبنان" in text


def test_the_html_is_right_to_left_in_arabic_only(make_report):
    with translation.override("ar"):
        arabic = render_html(report_content(make_report("ar")))
    with translation.override("en"):
        english = render_html(report_content(make_report("en")))

    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in english
    assert "Noto Naskh Arabic" in arabic


def test_text_typed_by_officers_is_escaped_and_fetches_nothing(make_report, tmp_path):
    report = make_report(summary='<img src="file:///etc/passwd"> <b>bold</b>')

    with translation.override("en"):
        html = render_html(report_content(report))
    text = text_of(pdf_of(report), tmp_path)

    assert "&lt;img src=" in html and "<img" not in html
    assert '<img src="file:///etc/passwd"> <b>bold</b>' in text
