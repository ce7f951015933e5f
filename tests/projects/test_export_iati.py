import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from lxml import etree

from projects import iati
from tests import factories as f


def activity_ids(content: bytes) -> list[str]:
    root = etree.fromstring(content)  # noqa: S320
    return [activity.findtext("iati-identifier") for activity in root]


def test_writes_every_project_to_a_valid_file(portfolio, tmp_path):
    output = tmp_path / "portfolio.xml"
    stdout = io.StringIO()

    call_command("export_iati", "--output", str(output), "--validate", stdout=stdout)

    content = output.read_bytes()
    assert iati.schema_errors(content) == []
    assert sorted(activity_ids(content)) == sorted(
        portfolio[key].iati_identifier for key in ("p_eg", "p_lb", "p_both")
    )
    assert "Wrote 3 activities" in stdout.getvalue()


def test_writes_only_the_named_projects(portfolio, tmp_path):
    output = tmp_path / "one.xml"

    call_command(
        "export_iati",
        "--output",
        str(output),
        "--project",
        portfolio["p_lb"].code,
        stdout=io.StringIO(),
    )

    content = output.read_bytes()
    assert iati.schema_errors(content) == []
    assert activity_ids(content) == [portfolio["p_lb"].iati_identifier]


def test_writes_to_stdout_by_default(portfolio):
    stdout = io.StringIO()

    call_command("export_iati", "--project", portfolio["p_eg"].code, stdout=stdout)

    assert activity_ids(stdout.getvalue().encode()) == [portfolio["p_eg"].iati_identifier]


def test_unknown_project_code_is_an_error(portfolio, tmp_path):
    output = tmp_path / "none.xml"

    with pytest.raises(CommandError, match="NOPE"):
        call_command("export_iati", "--output", str(output), "--project", "NOPE")

    assert not output.exists()


@pytest.mark.django_db
def test_empty_portfolio_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no project"):
        call_command("export_iati", "--output", str(tmp_path / "x.xml"))


@pytest.mark.django_db
def test_document_links_use_the_given_base_url(tmp_path):
    project = f.ProjectFactory()
    document = f.DocumentFactory(
        project=project, url="", file=ContentFile(b"x", name="sheet.xlsx"), is_public=True
    )
    output = tmp_path / "doc.xml"

    call_command(
        "export_iati",
        "--output",
        str(output),
        "--base-url",
        "https://ct.example.org/",
        stdout=io.StringIO(),
    )

    link = etree.parse(str(output)).find("iati-activity/document-link")  # noqa: S320
    assert link.get("url") == (
        f"https://ct.example.org/projects/{project.pk}/documents/{document.pk}/public/"
    )
