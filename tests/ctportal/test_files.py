import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import Http404

from ctportal.files import file_response
from projects.models import Document


def stored(name: str, content: bytes) -> FieldFile:
    saved = default_storage.save(name, ContentFile(content))
    return FieldFile(Document(), Document._meta.get_field("file"), saved)


def test_a_file_is_streamed_as_a_sandboxed_attachment():
    response = file_response(stored("documents/t/abcd1234-report.pdf", b"%PDF-1.4"), title="Report")

    assert response.streaming
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_unknown_extensions_are_served_as_octet_stream():
    response = file_response(stored("documents/t/page.html", b"<script>"), title="Page")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="Page.html"'


def test_non_ascii_titles_are_encoded_for_the_header():
    response = file_response(stored("documents/t/x.pdf", b"%PDF"), title="تقرير التدريب")

    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_without_a_title_the_stored_name_is_used():
    response = file_response(stored("documents/t/abcd-agenda.pdf", b"%PDF"))

    assert 'filename="abcd-agenda.pdf"' in response["Content-Disposition"]


def test_a_missing_file_is_a_404():
    field = Document._meta.get_field("file")
    with pytest.raises(Http404):
        file_response(FieldFile(Document(), field, "documents/gone.pdf"), title="Gone")
    with pytest.raises(Http404):
        file_response(FieldFile(Document(), field, ""), title="Empty")
