"""List rows are what the serializer gives for the same record, on awkward values.

On PostgreSQL the database writes a list page's JSON itself; on SQLite the rows
are laid out in Python. Either way each row must equal the record's own answer
(``ProjectSerializer``, ``TransactionSerializer``, ``IndicatorSerializer`` through the
detail endpoint),
in every language: rounding of shares, text split into lines, timestamps with
and without microseconds, labels and names in the reader's language.
"""

import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from projects.models import Disaggregation, Project, ThematicArea
from tests import factories as f


@pytest.fixture
def awkward(portfolio, users):
    project = portfolio["p_both"]
    project.budget = Decimal("10000.00")
    project.currency = "USD"
    project.target_groups = "• Judges\r\n- prosecutors \u2028\t\n\nLabour inspectors -\x0cpolice"
    project.objectives = ""
    project.key_achievements = "  One line only  "
    project.title_ar, project.title_fr = "مشروع إقليمي", "Projet régional"
    project.save()
    project.thematic_areas.set(ThematicArea.objects.filter(code__in=["prevention", "research"]))
    project.fundings.all().delete()
    # Shares 12.25 % and 12.35 %: ties, rounded half to even as Decimal.quantize does.
    f.FundingFactory(project=project, donor=portfolio["donor_a"], amount=1225, currency="USD")
    f.FundingFactory(project=project, donor=portfolio["donor_b"], amount=1235, currency="USD")
    f.FundingFactory(project=project, donor=f.DonorFactory(), amount=77, currency="EUR")
    f.ParticipatingOrganisationFactory(project=project, organisation=portfolio["donor_a"])
    f.TransactionFactory(project=project, kind=3, value=Decimal("10.10"), currency="USD")
    f.TransactionFactory(project=project, kind=4, value=Decimal("0.05"), currency="USD")
    f.TransactionFactory(project=project, kind=1, value=Decimal("99"), currency="USD")
    result = f.ResultFactory(project=project, kind=2, description="Line one\nline two")
    measured = f.IndicatorFactory(result=result, measure=2, baseline_value=None, order=2)
    f.IndicatorFactory(result=result, title="Victims referred", order=1, unit_fr="victimes")
    # Two periods with the same start, one with breakdowns by sex and by country.
    for end in (datetime.date(2025, 12, 31), datetime.date(2025, 6, 30)):
        period = f.IndicatorPeriodFactory(
            indicator=measured,
            period_start=datetime.date(2025, 1, 1),
            period_end=end,
            actual=None,
            target_comment="Half of them women",
        )
    Disaggregation.objects.create(period=period, sex="female", target=Decimal("12.5"))
    Disaggregation.objects.create(period=period, country=portfolio["egypt"], actual=7)
    Disaggregation.objects.create(period=period, sex="male", target=Decimal("3"))
    # One timestamp without microseconds, one with.
    Project.objects.filter(pk=project.pk).update(
        updated_at=datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    )
    Project.objects.filter(pk=portfolio["p_eg"].pk).update(
        updated_at=datetime.datetime(2026, 3, 1, 9, 30, 5, 120, tzinfo=datetime.UTC)
    )
    return project


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
@pytest.mark.parametrize(
    "path",
    ["/api/v1/projects/", "/api/v1/transactions/", "/api/v1/indicators/", "/api/v1/results/"],
)
def test_each_row_is_the_records_own_answer(awkward, users, path, language):
    client = APIClient()
    client.force_authenticate(users["admin"])
    listed = client.get(path, {"page_size": 1000}, HTTP_ACCEPT_LANGUAGE=language)
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert rows
    for row in rows:
        own = client.get(f"{path}{row['id']}/", HTTP_ACCEPT_LANGUAGE=language)
        assert own.status_code == 200
        assert row == own.json()


def test_awkward_values_read_as_the_serializer_writes_them(awkward, users):
    client = APIClient()
    client.force_authenticate(users["admin"])
    rows = client.get("/api/v1/projects/", {"page_size": 1000}, HTTP_ACCEPT_LANGUAGE="fr").json()
    row = next(r for r in rows["results"] if r["id"] == awkward.pk)
    assert row["target_groups"] == ["Judges", "prosecutors", "Labour inspectors", "police"]
    assert row["objectives"] == []
    assert row["key_achievements"] == ["One line only"]
    assert [(x["amount"], x["share"]) for x in row["fundings"]] == [
        ("1235.00", "12.4"),
        ("1225.00", "12.2"),
        ("77.00", None),
    ]
    assert row["spent"] == "10.15"
    assert row["updated_at"] == "2026-03-01T09:30:00Z"
    assert [area["name"] for area in row["thematic_areas"]] == ["Prévention", "Recherche"]
    assert row["participating_organisations"][0]["role_label"]
    other = next(r for r in rows["results"] if r["id"] != awkward.pk and "05." in r["updated_at"])
    assert other["updated_at"] == "2026-03-01T09:30:05.000120Z"


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/transactions/"])
def test_the_last_page_however_asked_and_none_past_it(awkward, users, path):
    client = APIClient()
    client.force_authenticate(users["admin"])
    whole = client.get(path, {"page_size": 1000}).json()
    assert whole["count"] == len(whole["results"]) >= 3
    size = 2
    last_number = (whole["count"] + size - 1) // size
    last = client.get(path, {"page_size": size, "page": last_number}).json()
    assert last["results"] == whole["results"][(last_number - 1) * size :]
    assert last["next"] is None and last["previous"]
    assert client.get(path, {"page_size": size, "page": "last"}).json() == last
    assert client.get(path, {"page_size": size, "page": last_number + 1}).status_code == 404


def test_lists_are_written_compact_as_the_renderer_writes_them(awkward, users):
    client = APIClient()
    client.force_authenticate(users["admin"])
    for path in ("/api/v1/projects/", "/api/v1/indicators/"):
        body = client.get(path, {"page_size": 1000}).content.decode()
        compact = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
        assert body == compact
