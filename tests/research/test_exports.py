import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from research import exports
from research.models import ResearchOutput
from tests import factories as f

EXPORTS = ["research:output_export", "research:support_export", "research:activity_export"]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_output_csv_follows_the_filters_and_scope(client, users, research):
    client.force_login(users["donor_b"])
    response = client.get(reverse("research:output_export", args=["csv"]), {"kind": "assessment"})
    assert response["Content-Disposition"].startswith('attachment; filename="research-outputs-')
    rows = csv_rows(response)
    assert rows[0][:3] == ["Title", "Kind", "Status"]
    assert {row[0] for row in rows[1:]} == {"Output p_lb", "Output p_both"}


def test_support_xlsx_has_the_current_stage(client, users, research):
    client.force_login(users["admin"])
    response = client.get(reverse("research:support_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][4] == "Current stage"
    by_title = {row[2]: row for row in rows[1:]}
    assert by_title["Law p_eg"][4] == "Adopted"
    assert by_title["Law none"][0] == "Regional"


def test_activity_csv_keeps_numbers(client, users, research):
    client.force_login(users["officer_eg"])
    rows = csv_rows(client.get(reverse("research:activity_export", args=["csv"])))
    reached = rows[0].index("People reached directly")
    assert {row[reached] for row in rows[1:]} == {"500"}


def test_formulas_are_not_run(users, portfolio):
    f.ResearchOutputFactory(title="=HYPERLINK(1)", projects=[portfolio["p_eg"]])
    content = exports.render("research-outputs", ResearchOutput.objects.all(), fmt="csv")
    assert "'=HYPERLINK(1)" in content.decode("utf-8-sig")
    workbook = load_workbook(
        io.BytesIO(exports.render("research-outputs", ResearchOutput.objects.all(), fmt="xlsx"))
    )
    assert workbook.active.cell(row=2, column=1).data_type == "s"


@pytest.mark.parametrize("url_name", EXPORTS)
def test_unknown_format_is_404(client, users, url_name):
    client.force_login(users["admin"])
    assert client.get(reverse(url_name, args=["pdf"])).status_code == 404


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("url_name", EXPORTS)
def test_exports_cost_a_bounded_number_of_queries(
    client, users, portfolio, django_assert_max_num_queries, count, url_name
):
    for _ in range(count):
        f.ResearchOutputFactory(projects=[portfolio["p_eg"]])
        f.LegislativeStageFactory(support=f.LegislativeSupportFactory(projects=[portfolio["p_eg"]]))
        f.AwarenessActivityFactory(projects=[portfolio["p_eg"]])
    client.force_login(users["officer_eg"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse(url_name, args=["xlsx"])).status_code == 200
