import io
import re
import zipfile

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation
from rest_framework import serializers

from ctportal import uploads

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(64)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked in English, whatever language an earlier test left active.
    with translation.override("en"):
        yield


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def office(folder: str) -> bytes:
    return zip_of({"[Content_Types].xml": b"<Types/>", f"{folder}main.xml": b"<x/>"})


ODT = zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
GOOD_FILES = {
    "report.pdf": PDF,
    "minutes.docx": office("word/"),
    "budget.xlsx": office("xl/"),
    "slides.pptx": office("ppt/"),
    "notes.odt": ODT,
    "list.csv": "name;sex\nأحمد;m\nÉlodie;f\n".encode(),
    "readme.txt": b"Agenda\r\n\tDay 1\n",
    "photo.jpg": JPEG,
    "photo.JPEG": JPEG,
    "chart.png": PNG,
    "banner.webp": WEBP,
}


class Oversized(SimpleUploadedFile):
    """An upload that claims a size but must not be read."""

    def read(self, *args, **kwargs):
        raise AssertionError("an oversized file was read")


def error_of(file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        uploads.validate_upload(file)
    return caught.value


@pytest.mark.parametrize("name", GOOD_FILES)
def test_allowed_types_with_matching_content_pass(name):
    uploads.validate_upload(SimpleUploadedFile(name, GOOD_FILES[name]))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.exe", EXE, "extension"),
        ("script.svg", b"<svg onload=alert(1)>", "extension"),
        ("page.html", b"<html>", "extension"),
        ("README", b"text", "extension_missing"),
        (".pdf", PDF, "extension_missing"),
        ("report.pdf", PNG, "content"),
        ("report.pdf", ELF, "content"),
        ("report.pdf", b"hello", "content"),
        ("sheet.xlsx", office("word/"), "content"),
        ("sheet.xlsx", b"PK\x03\x04 broken zip", "content"),
        ("minutes.docx", zip_of({"word/document.xml": b"<x/>"}), "content"),
        ("notes.odt", zip_of({"mimetype": b"application/zip"}), "content"),
        ("photo.png", JPEG, "content"),
        ("photo.webp", PNG, "content"),
        ("list.csv", ELF, "content"),
        ("notes.txt", "UTF-16".encode("utf-16"), "content"),
        ("report.pdf", b"", "empty"),
        ("rep\x00ort.pdf", PDF, "name_control"),
        ("rep\nort.pdf", PDF, "name_control"),
        ("invoice\u202efdp.exe.pdf", PDF, "name_control"),
        ("a" * 296 + ".pdf", PDF, "name_length"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(name, content, code):
    error = error_of(SimpleUploadedFile(name, content))

    assert error.code == code
    assert error.messages[0].endswith(".")


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "a/b.pdf"])
def test_names_with_folders_are_refused(name):
    # Browsers' uploads reach us as basenames already; files handed over in
    # code (imports, scripts) keep whatever name they were given.
    error = error_of(File(io.BytesIO(PDF), name=name))

    assert error.code == "name_path"


def test_size_is_refused_before_any_content_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    big = Oversized("report.pdf", b"")
    big.size = 20 * 1024 * 1024

    error = error_of(big)

    assert error.code == "too_large"
    assert "20.0" in error.messages[0]
    assert "10.0" in error.messages[0]


def test_the_limit_comes_from_the_setting(settings):
    settings.UPLOAD_MAX_BYTES = 10
    assert error_of(SimpleUploadedFile("report.pdf", PDF)).code == "too_large"

    settings.UPLOAD_MAX_BYTES = len(PDF)
    uploads.validate_upload(SimpleUploadedFile("report.pdf", PDF))


def test_validation_leaves_the_file_at_its_start():
    file = SimpleUploadedFile("budget.xlsx", office("xl/"))
    uploads.validate_upload(file)
    assert file.read() == office("xl/")


STORED = re.compile(r"^[0-9a-f]{8}-[\w-]+\.[a-z]+$")


@pytest.mark.parametrize(
    ("original", "stem"),
    [
        ("Final report 2023.PDF", "Final-report-2023"),
        ("../../etc/passwd.pdf", "passwd"),
        ("..\\..\\windows\\win.ini.txt", "win-ini"),
        ("...hidden.pdf", "hidden"),
        ("تقرير التدريب.pdf", "تقرير-التدريب"),
        ("rap<port>;rm -rf.pdf", "rap-port-rm-rf"),
        ("???.pdf", "file"),
    ],
)
def test_stored_names_are_safe(original, stem):
    name = uploads.stored_name(original)

    assert STORED.match(name)
    assert name.split("-", 1)[1].rsplit(".", 1)[0] == stem
    assert name.endswith(original.rsplit(".", 1)[1].lower())


def test_stored_names_are_short_and_unique():
    names = {uploads.stored_name("x" * 250 + ".docx") for _ in range(20)}

    assert len(names) == 20
    assert all(len(name) <= uploads.STORED_NAME_LENGTH for name in names)
    assert all(name.endswith(".docx") for name in names)


def test_an_unknown_extension_is_not_kept_in_a_stored_name():
    assert "." not in uploads.stored_name("payload.exe")


def test_content_type_follows_the_extension_only():
    assert uploads.content_type_for("documents/2024/ab-report.pdf") == "application/pdf"
    assert uploads.content_type_for("x.JPG") == "image/jpeg"
    assert uploads.content_type_for("page.html") == "application/octet-stream"


def test_download_name_comes_from_the_title():
    assert uploads.download_name("Final report: 2023/24", "a/b/1234abcd-x.pdf") == (
        "Final report 2023 24.pdf"
    )
    assert uploads.download_name("تقرير", "x.docx") == "تقرير.docx"
    assert uploads.download_name("...", "x.png") == "document.png"


class UploadForm(forms.Form):
    file = uploads.UploadedDocumentField()


def test_form_field_accepts_and_renames():
    form = UploadForm(files={"file": SimpleUploadedFile("Agenda day 1.pdf", PDF)})

    assert form.is_valid(), form.errors
    assert STORED.match(form.cleaned_data["file"].name)
    assert form.cleaned_data["file"].name.endswith("-Agenda-day-1.pdf")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", EXE, "cannot be uploaded"),
        ("report.pdf", ELF, "is not PDF"),
        ("report.pdf", b"", "The file is empty."),
        ("bad\x07name.pdf", PDF, "control"),
        ("n" * 300 + ".pdf", PDF, "too long"),
    ],
)
def test_form_field_gives_a_clear_error(name, content, message):
    form = UploadForm(files={"file": SimpleUploadedFile(name, content)})

    assert not form.is_valid()
    assert message in form.errors["file"][0]


def test_form_field_tells_the_allowed_types_and_size():
    field = UploadForm().fields["file"]

    assert "PDF" in str(field.help_text)
    assert "10.0" in str(field.help_text)
    assert ".pdf" in field.widget.attrs["accept"]


class UploadSerializer(serializers.Serializer):
    file = uploads.UploadedDocumentSerializerField()


def test_serializer_field_gives_a_400_error():
    serializer = UploadSerializer(data={"file": SimpleUploadedFile("report.pdf", PNG)})

    assert not serializer.is_valid()
    assert "is not PDF" in str(serializer.errors["file"][0])


def test_serializer_field_accepts_and_renames():
    serializer = UploadSerializer(data={"file": SimpleUploadedFile("list.csv", b"a;b\n")})

    assert serializer.is_valid(), serializer.errors
    assert STORED.match(serializer.validated_data["file"].name)


def parse_with_limit(content: bytes):
    request = RequestFactory().post("/upload/", {"file": ContentFile(content, name="big.pdf")})
    handler = uploads.UploadLimitHandler(request)
    request.upload_handlers.insert(0, handler)
    return request.FILES["file"], handler


def test_an_oversized_request_keeps_nothing_of_the_file(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    content = PDF + bytes(uploads.FORM_ALLOWANCE + 4096)

    file, handler = parse_with_limit(content)

    assert handler.request_too_large
    assert isinstance(file, uploads.OversizedUpload)
    assert file.size == len(content)
    assert file.read() == b""
    assert error_of(file).code == "too_large"


def test_an_oversized_file_is_dropped_while_it_arrives(settings):
    settings.UPLOAD_MAX_BYTES = 1024

    file, handler = parse_with_limit(PDF + bytes(200_000))

    assert not handler.request_too_large
    assert isinstance(file, uploads.OversizedUpload)
    assert file.read() == b""


def test_a_file_within_the_limit_passes_through_the_handler(settings):
    settings.UPLOAD_MAX_BYTES = 1024

    file, _handler = parse_with_limit(PDF)

    assert not isinstance(file, uploads.OversizedUpload)
    assert file.read() == PDF


def test_limit_upload_size_still_checks_csrf(rf):
    from django.http import HttpResponse

    @uploads.limit_upload_size
    def view(request):
        return HttpResponse(str(len(request.FILES)))

    request = rf.post("/upload/", {"file": ContentFile(PDF, name="a.pdf")})

    assert view.csrf_exempt is True
    assert view(request).status_code == 403
