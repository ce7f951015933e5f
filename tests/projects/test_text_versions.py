"""Titles and names in Arabic and French, shown in the reader's language."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from lxml import etree
from rest_framework.test import APIClient

from dashboards.dimensions import _organisation_names, _project_names
from projects import iati
from projects.filters import OrganisationFilter, ProjectFilter
from projects.models import Indicator, Organisation, Project
from tests import factories as f
from tests.projects.test_api_project_writes import new_project_body

TITLE_AR = "حماية ضحايا الاتجار بالبشر في مصر"
TITLE_FR = "Protection des victimes de la traite en Égypte"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def versioned(portfolio):
    project = portfolio["p_eg"]
    project.title_ar, project.title_fr = TITLE_AR, TITLE_FR
    project.save()
    donor = portfolio["donor_a"]
    donor.name_ar, donor.name_fr = "الاتحاد الأوروبي", "Union européenne"
    donor.save()
    return project


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "main"), ("ar", TITLE_AR), ("fr", TITLE_FR), ("de", "main")],
)
def test_the_title_follows_the_reader_language(versioned, language, expected):
    with translation.override(language):
        shown = versioned.local_title
        text = str(versioned)
    assert shown == (versioned.title if expected == "main" else expected)
    assert text == f"{versioned.code} — {shown}"


def test_a_missing_version_falls_back_to_the_main_title(portfolio):
    project = portfolio["p_lb"]
    project.title_fr = "Projet au Liban"
    project.save()
    with translation.override("ar"):
        assert project.local_title == project.title
    with translation.override("fr"):
        assert project.local_title == "Projet au Liban"


def test_organisation_names_follow_the_reader_language(versioned, portfolio):
    donor = portfolio["donor_a"]
    with translation.override("ar"):
        assert donor.local_name == "الاتحاد الأوروبي"
        assert str(donor).startswith("الاتحاد الأوروبي")
    with translation.override("en"):
        assert donor.local_name == donor.name


def test_indicator_title_and_unit_have_versions(portfolio):
    result = f.ResultFactory(project=portfolio["p_eg"])
    indicator = Indicator.objects.create(
        result=result, title="Officials trained", title_ar="الموظفون المدرَّبون",
        unit="officials", unit_fr="fonctionnaires",
    )  # fmt: skip
    with translation.override("ar"):
        assert (indicator.local_title, indicator.local_unit) == ("الموظفون المدرَّبون", "officials")
    with translation.override("fr"):
        assert (indicator.local_title, indicator.local_unit) == (
            "Officials trained",
            "fonctionnaires",
        )


def test_search_finds_every_version(versioned, portfolio):
    projects = Project.objects.all()
    for words in ("الاتجار بالبشر", "traite en Égypte", versioned.title[:12]):
        found = ProjectFilter({"q": words}, queryset=projects).qs
        assert list(found) == [versioned], words
    organisations = OrganisationFilter({"q": "Union euro"}, queryset=Organisation.objects.all())
    assert list(organisations.qs) == [portfolio["donor_a"]]


def test_dashboard_labels_are_in_the_reader_language(
    versioned, portfolio, django_assert_max_num_queries
):
    keys = [versioned.pk, portfolio["p_lb"].pk]
    with translation.override("ar"), django_assert_max_num_queries(1):
        names = _project_names(keys)
    assert names == {versioned.pk: TITLE_AR, portfolio["p_lb"].pk: portfolio["p_lb"].title}
    donor = portfolio["donor_a"]
    donor.acronym = ""
    donor.save()
    with translation.override("fr"), django_assert_max_num_queries(1):
        assert _organisation_names([donor.pk]) == {donor.pk: "Union européenne"}


def test_api_reads_keep_the_english_field_and_add_the_versions(versioned, users):
    with translation.override("ar"):
        body = client_for(users["me"]).get(f"/api/v1/projects/{versioned.pk}/").json()
    assert body["title"] == versioned.title
    assert (body["title_ar"], body["title_fr"]) == (TITLE_AR, TITLE_FR)


def test_api_search_finds_the_arabic_title(versioned, users):
    response = client_for(users["me"]).get("/api/v1/projects/", {"search": "الاتجار"})
    assert [row["code"] for row in response.json()["results"]] == [versioned.code]


def test_api_accepts_the_versions(portfolio, users):
    body = new_project_body(
        portfolio,
        countries=[{"country": "EG", "percentage": "100"}],
        title_ar=TITLE_AR,
        title_fr=TITLE_FR,
    )
    response = client_for(users["officer_eg"]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 201, response.json()
    project = Project.objects.get(code="CT.NEW1")
    assert (project.title_ar, project.title_fr) == (TITLE_AR, TITLE_FR)


def test_an_overlong_version_is_a_field_error_and_nothing_is_written(portfolio, users):
    body = new_project_body(
        portfolio, countries=[{"country": "EG", "percentage": "100"}], title_fr="x" * 300
    )
    response = client_for(users["officer_eg"]).post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert "title_fr" in str(response.json())
    assert not Project.objects.filter(code="CT.NEW1").exists()


def test_iati_titles_carry_a_narrative_per_language(versioned):
    content, _count = iati.render_activities(Project.objects.filter(pk=versioned.pk))
    activity = etree.fromstring(content).find("iati-activity")
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    title = [(n.get(lang), n.text) for n in activity.find("title").findall("narrative")]
    assert title == [("en", versioned.title), ("ar", TITLE_AR), ("fr", TITLE_FR)]
    funders = [
        [(n.get(lang), n.text) for n in org.findall("narrative")]
        for org in activity.findall("participating-org[@role='1']")
    ]
    assert funders[0][1:] == [("ar", "الاتحاد الأوروبي"), ("fr", "Union européenne")]


def test_iati_file_with_versions_passes_the_checker(versioned):
    out = io.StringIO()
    call_command("iati_check", "--project", versioned.code, stdout=out)
    assert "1 activities checked: 0 error(s)" in out.getvalue()
