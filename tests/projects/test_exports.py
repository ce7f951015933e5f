import csv
import datetime
import io
import weakref
from decimal import Decimal

import pytest
from django.utils import translation
from lxml import etree
from openpyxl import load_workbook

from ctportal.formats import xlsx_format
from projects import iati
from projects import models as pm
from projects.exports import downloadable_export, portfolio_exports_for, write_portfolio
from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS


def render_portfolio(user, fmt: str) -> tuple[bytes, int]:
    """The file the export job would store, and its project count."""
    handle = io.BytesIO()
    count = write_portfolio(user, fmt, handle)
    return handle.getvalue(), count


def identifiers(portfolio, names):
    return {portfolio[name].iati_identifier for name in names}


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("name", sorted(EXPECTED_PROJECTS))
def test_iati_portfolio_holds_only_visible_projects(users, portfolio, name):
    content, count = render_portfolio(users[name], "iati")

    root = etree.fromstring(content)  # noqa: S320
    found = {activity.findtext("iati-identifier") for activity in root.findall("iati-activity")}
    assert found == identifiers(portfolio, EXPECTED_PROJECTS[name])
    assert count == len(found)
    if found:
        assert iati.schema_errors(content) == []


@pytest.mark.parametrize("name", sorted(EXPECTED_PROJECTS))
def test_csv_portfolio_holds_only_visible_projects(users, portfolio, name):
    content, count = render_portfolio(users[name], "csv")

    codes = {row["Code"] for row in read_csv(content)}
    assert codes == {portfolio[key].code for key in EXPECTED_PROJECTS[name]}
    assert count == len(codes)


@pytest.mark.parametrize("name", ["donor_a", "officer_lb_project", "admin"])
def test_xlsx_portfolio_holds_only_visible_projects(users, portfolio, name):
    content, count = render_portfolio(users[name], "xlsx")

    codes = {row["Code"] for row in read_xlsx(content)}
    assert codes == {portfolio[key].code for key in EXPECTED_PROJECTS[name]}
    assert count == len(codes)


def spending_project():
    egypt = f.CountryFactory(code="EG")
    project = f.ProjectFactory(
        code="CT.0100",
        title='=HYPERLINK("x") & protection — حماية',
        status=pm.ProjectStatus.CLOSED,
        planned_start=datetime.date(2020, 1, 1),
        planned_end=datetime.date(2021, 12, 31),
        actual_end=datetime.date(2022, 3, 31),
        budget=Decimal("250000.50"),
        currency="EUR",
    )
    f.FundingFactory(project=project, donor=f.DonorFactory(name="Donor B"))
    f.FundingFactory(project=project, donor=f.DonorFactory(name="Donor A"), amount=Decimal("1"))
    f.RecipientCountryFactory(project=project, country=egypt, percentage=Decimal("100"))
    f.TransactionFactory(project=project, kind=pm.TransactionKind.EXPENDITURE, currency="EUR")
    f.TransactionFactory(project=project, kind=pm.TransactionKind.DISBURSEMENT, currency="EUR")
    f.TransactionFactory(project=project, kind=pm.TransactionKind.COMMITMENT, currency="EUR")
    f.TransactionFactory(project=project, kind=pm.TransactionKind.EXPENDITURE, currency="USD")
    return project


@pytest.mark.django_db
def test_csv_row_shows_dates_money_donors_countries_and_spend():
    spending_project()
    admin = f.UserFactory(role="administrator")

    (row,) = read_csv(render_portfolio(admin, "csv")[0])

    assert row == {
        "Code": "CT.0100",
        "IATI identifier": "XM-DAC-47066-CT.0100",
        "Title": '\'=HYPERLINK("x") & protection — حماية',
        "Status": "Closed",
        "Planned start": "2020-01-01",
        "Planned end": "2021-12-31",
        "Actual start": "",
        "Actual end": "2022-03-31",
        "Budget": "250000.50",
        "Currency": "EUR",
        "Donors": "Donor B; Donor A",
        "Recipient countries": "EG 100%",
        "Spent": "2000.00",
    }


@pytest.mark.django_db
def test_xlsx_row_keeps_types_and_text_stays_text():
    spending_project()
    admin = f.UserFactory(role="administrator")

    (row,) = read_xlsx(render_portfolio(admin, "xlsx")[0])

    assert row["Title"] == '=HYPERLINK("x") & protection — حماية'
    assert row["Planned start"] == datetime.datetime(2020, 1, 1)
    assert row["Actual start"] is None
    assert row["Budget"] == pytest.approx(250000.50)
    assert row["Spent"] == 2000
    assert row["Donors"] == "Donor B; Donor A"


@pytest.mark.django_db
def test_xlsx_shows_dates_and_amounts_in_their_formats_under_a_bold_header():
    spending_project()
    admin = f.UserFactory(role="administrator")

    with translation.override("fr"):
        content = render_portfolio(admin, "xlsx")[0]

    sheet = load_workbook(io.BytesIO(content)).active
    header, row = sheet[1], sheet[2]
    assert sheet.title == "Portefeuille"
    assert all(cell.font.b for cell in header) and not row[0].font.b
    assert [cell.number_format for cell in row[4:9]] == [
        xlsx_format(lang="fr"),
        xlsx_format(lang="fr"),
        "General",
        xlsx_format(lang="fr"),
        "#,##0.00",
    ]
    assert row[12].number_format == "#,##0.00" and row[2].data_type == "s"
    assert sheet.column_dimensions["C"].width == 60
    assert sheet.column_dimensions["I"].width == 16


@pytest.mark.django_db
def test_csv_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _ in range(4):
        spending_project_code = f.ProjectFactory()
        f.FundingFactory(project=spending_project_code)
        f.RecipientCountryFactory(project=spending_project_code)
    admin = f.UserFactory(role="administrator")

    with django_assert_max_num_queries(5):
        _content, count = render_portfolio(admin, "csv")

    assert count == 4


@pytest.mark.parametrize("name", ["admin", "donor_a"])
def test_chunks_follow_each_other_by_code_and_sum_only_their_own_spend(
    monkeypatch, users, portfolio, name
):
    monkeypatch.setattr("projects.exports.CHUNK_SIZE", 1)
    for key, values in {"p_eg": ["10.00", "2.50"], "p_lb": ["7.00"], "p_both": ["1.25"]}.items():
        project = portfolio[key]
        for value in values:
            f.TransactionFactory(project=project, value=Decimal(value), currency=project.currency)

    rows = read_csv(render_portfolio(users[name], "csv")[0])

    expected = sorted(portfolio[key].code for key in EXPECTED_PROJECTS[name])
    assert [row["Code"] for row in rows] == expected
    spent = {
        portfolio[key].code: total
        for key, total in {"p_eg": "12.50", "p_lb": "7.00", "p_both": "1.25"}.items()
    }
    assert {row["Code"]: row["Spent"] for row in rows} == {code: spent[code] for code in expected}


@pytest.mark.django_db
def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="Unknown export format"):
        render_portfolio(f.UserFactory(role="administrator"), "pdf")


def test_exports_are_listed_and_served_to_their_owner_only(users):
    mine = pm.PortfolioExport.objects.create(
        requested_by=users["donor_a"], format="csv", status=pm.ExportStatus.DONE
    )
    pending = pm.PortfolioExport.objects.create(requested_by=users["donor_a"], format="iati")
    pm.PortfolioExport.objects.create(requested_by=users["admin"], format="csv")

    assert set(portfolio_exports_for(users["donor_a"])) == {mine, pending}
    assert downloadable_export(users["donor_a"], mine.pk) == mine
    assert downloadable_export(users["donor_a"], pending.pk) is None
    assert downloadable_export(users["donor_b"], mine.pk) is None
    assert downloadable_export(users["admin"], mine.pk) is None
    assert list(portfolio_exports_for(users["norole"])) == []


class WatchedRow(dict):
    """A project row whose finaliser tells when nobody holds it any more."""


def watched_rows(count: int, limit: int):
    """Project rows made one at a time; fails once more than ``limit`` are held at once."""
    alive = [0]

    def gone():
        alive[0] -= 1

    for index in range(count):
        assert alive[0] <= limit, f"{alive[0]} rows held at row {index}"
        row = WatchedRow(
            code=f"P{index:06d}",
            iati_identifier=f"XM-DAC-47066-P{index:06d}",
            title="مشروع حماية الضحايا",
            status="Implementation",
            planned_start=datetime.date(2024, 1, 1),
            planned_end=None,
            actual_start=None,
            actual_end=None,
            budget=Decimal("1000.00"),
            currency="USD",
            donors="Donor A; Donor B",
            countries="EG 60%; LB 40%",
            spent=Decimal("10.00"),
        )
        alive[0] += 1
        weakref.finalize(row, gone)
        yield row


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_portfolio_files_are_written_project_by_project(monkeypatch, fmt):
    monkeypatch.setattr("projects.exports.portfolio_rows", lambda projects: watched_rows(8000, 5))
    handle = io.BytesIO()

    count = write_portfolio(f.UserFactory(role="administrator"), fmt, handle)

    assert count == 8000
    assert handle.tell() > 8000
