import datetime

import pytest
from django.urls import reverse

from research.models import LegislativeStage, LegislativeSupport, ResearchOutput
from tests import factories as f
from tests.conftest import EXPECTED_PAGES as EXPECTED_PROJECTS
from tests.research.test_selectors import expected

# Case workers use no research page (tested below): every one is a 404 for them.
ROLES = [name for name in EXPECTED_PROJECTS if name not in ("norole", "case_worker_lb")]
EDITORS = {"officer_eg", "officer_lb_project", "admin"}
DETAILS = [
    ("research:output", "outputs"),
    ("research:support", "supports"),
    ("research:activity", "activities"),
]
LISTS = [
    ("research:library", "outputs", "Output"),
    ("research:supports", "supports", "Law"),
    ("research:timeline", "supports", "Law"),
    ("research:activities", "activities", "Campaign"),
]


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("url_name,key,prefix", LISTS)
def test_lists_show_what_each_role_may_see(client, users, research, name, url_name, key, prefix):
    client.force_login(users[name])
    html = client.get(reverse(url_name)).content.decode()
    shown = {k for k in research[key] if f"{prefix} {k}<" in html}
    assert shown == expected(name, research[key])


@pytest.mark.parametrize("name", ROLES)
@pytest.mark.parametrize("url_name,key", DETAILS)
def test_details_are_404_outside_the_scope(client, users, research, name, url_name, key):
    client.force_login(users[name])
    seen = expected(name, research[key])
    for record_key, record in research[key].items():
        response = client.get(reverse(url_name, args=[record.pk]))
        assert response.status_code == (200 if record_key in seen else 404), record_key


@pytest.mark.parametrize("name", ROLES)
def test_only_officers_and_administrators_get_the_forms(client, users, research, name):
    client.force_login(users[name])
    for url_name in ("research:output_create", "research:support_create"):
        assert client.get(reverse(url_name)).status_code == (200 if name in EDITORS else 403)
    output = research["outputs"]["p_eg"]
    status = client.get(reverse("research:output_edit", args=[output.pk])).status_code
    if "p_eg" not in EXPECTED_PROJECTS[name]:
        assert status == 404
    else:
        assert status == (200 if name in EDITORS else 403)


def test_norole_sees_nothing(client, users, research):
    client.force_login(users["norole"])
    output = research["outputs"]["none"]
    for url in (reverse("research:library"), reverse("research:output", args=[output.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def _output_post(portfolio, **overrides):
    return {
        "version": "",
        "kind": "handbook",
        "title": "Handbook on direct assistance",
        "status": "published",
        "publication_date": "2008-12-14",
        "language": "en",
        "translation_of": "",
        "authors": "IOM",
        "abstract": "Guidance on assistance.",
        "projects": [str(portfolio["p_eg"].pk)],
        "countries": [str(portfolio["egypt"].pk)],
        **overrides,
    }


def test_an_officer_records_an_output(client, users, portfolio):
    client.force_login(users["officer_eg"])
    response = client.post(reverse("research:output_create"), _output_post(portfolio))
    output = ResearchOutput.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("research:output", args=[output.pk])
    assert list(output.projects.all()) == [portfolio["p_eg"]]


def test_a_translation_of_itself_shows_an_error_and_saves_nothing(client, users, portfolio):
    output = f.ResearchOutputFactory(projects=[portfolio["p_eg"]], title="Original")
    client.force_login(users["officer_eg"])
    data = _output_post(portfolio, version="1", translation_of=str(output.pk), language="ar")
    response = client.post(reverse("research:output_edit", args=[output.pk]), data)
    assert response.status_code == 400
    # The form does not offer the record itself; a forged value is rejected as a choice.
    assert "Select a valid choice" in response.content.decode()
    output.refresh_from_db()
    assert (output.title, output.language, output.version) == ("Original", "en", 1)


def test_a_stale_form_is_refused(client, users, portfolio):
    output = f.ResearchOutputFactory(projects=[portfolio["p_eg"]], version=2)
    client.force_login(users["officer_eg"])
    response = client.post(
        reverse("research:output_edit", args=[output.pk]),
        _output_post(portfolio, version="1", title="Overwrite"),
    )
    assert response.status_code == 409
    assert "Someone else saved this record" in response.content.decode()
    output.refresh_from_db()
    assert output.title != "Overwrite"


def _support_post(portfolio, stages, **overrides):
    data = {
        "version": "",
        "title": "Anti-trafficking law",
        "country": str(portfolio["egypt"].pk),
        "instrument": "law",
        "reference": "",
        "description": "",
        "support": [],
        "projects": [str(portfolio["p_eg"].pk)],
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "30",
        **overrides,
    }
    for index, (stage, date) in enumerate(stages):
        data[f"stages-{index}-stage"] = stage
        data[f"stages-{index}-date"] = date
        data[f"stages-{index}-note"] = ""
    return data


def test_support_form_with_stages(client, users, portfolio):
    client.force_login(users["officer_eg"])
    stages = [("drafting", "2008-01-01"), ("submitted", "2009-09-01")]
    response = client.post(reverse("research:support_create"), _support_post(portfolio, stages))
    assert response.status_code == 302
    support = LegislativeSupport.objects.get()
    assert [s.stage for s in support.stages.all()] == ["drafting", "submitted"]


def test_a_stage_before_the_previous_one_shows_an_error(client, users, portfolio):
    client.force_login(users["officer_eg"])
    stages = [("drafting", "2009-01-01"), ("submitted", "2008-01-01")]
    response = client.post(reverse("research:support_create"), _support_post(portfolio, stages))
    assert response.status_code == 400
    html = response.content.decode()
    assert "before the stage before it" in html
    assert "Nothing was saved" in html
    assert not LegislativeSupport.objects.exists()


def test_the_next_stage_from_the_detail_page(client, users, research):
    support = research["supports"]["p_eg"]
    client.force_login(users["officer_eg"])
    url = reverse("research:stage_add", args=[support.pk])
    response = client.post(url, {"stage": "in_force", "date": "2021-01-01", "note": ""})
    assert response.status_code == 400
    assert "before the stage before it" in response.content.decode()
    assert support.stages.count() == 2
    response = client.post(url, {"stage": "in_force", "date": "2022-07-01", "note": "Gazette"})
    assert response.status_code == 302
    assert support.stages.last().stage == "in_force"


def test_the_next_stage_is_refused_outside_scope_and_to_readers(client, users, research):
    support = research["supports"]["p_lb"]
    data = {"stage": "in_force", "date": "2023-01-01"}
    client.force_login(users["officer_eg"])
    assert client.post(reverse("research:stage_add", args=[support.pk]), data).status_code == 404
    client.force_login(users["me"])
    assert client.post(reverse("research:stage_add", args=[support.pk]), data).status_code == 403
    assert LegislativeStage.objects.filter(support=support).count() == 1


def test_activity_form(client, users, portfolio):
    client.force_login(users["officer_eg"])
    data = {
        "version": "",
        "kind": "event",
        "title": "Information session",
        "audience": "officials",
        "channel": "community",
        "start_date": "2014-06-27",
        "end_date": "2014-06-26",
        "projects": [str(portfolio["p_eg"].pk)],
    }
    response = client.post(reverse("research:activity_create"), data)
    assert response.status_code == 400
    assert "on or after the start date" in response.content.decode()
    response = client.post(reverse("research:activity_create"), {**data, "end_date": ""})
    assert response.status_code == 302


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("url_name", [name for name, _key, _prefix in LISTS])
def test_list_query_counts_are_bounded(
    client, users, portfolio, django_assert_max_num_queries, count, url_name
):
    for index in range(count):
        output = f.ResearchOutputFactory(projects=[portfolio["p_eg"], portfolio["p_lb"]])
        output.countries.set([portfolio["egypt"]])
        support = f.LegislativeSupportFactory(projects=[portfolio["p_eg"]])
        support.outputs.set([output])
        f.LegislativeStageFactory(support=support)
        f.LegislativeStageFactory(support=support, date=datetime.date(2022, 1, 1 + index % 28))
        f.AwarenessActivityFactory(projects=[portfolio["p_eg"]]).countries.set([portfolio["egypt"]])
    client.force_login(users["officer_eg"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


def test_dashboards_show_the_research_figures(client, users, research, portfolio):
    client.force_login(users["donor_a"])
    html = client.get(reverse("projects:dashboard", args=[portfolio["p_eg"].pk])).content.decode()
    assert "Research, policy and awareness" in html
    assert "Instruments supported by current stage" in html
    context = client.get(reverse("projects:portfolio_dashboard")).context
    assert context["research"]["outputs_published"] == 3


def test_detail_page_in_arabic(client, users, research):
    client.force_login(users["admin"])
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    support = research["supports"]["p_eg"]
    html = client.get(reverse("research:support", args=[support.pk])).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    html = client.get(reverse("research:timeline")).content.decode()
    assert "مصر" in html


@pytest.mark.parametrize(
    "url_name",
    ["research:library", "research:supports", "research:timeline", "research:activities"],
)
def test_case_workers_use_no_research_page(client, users, url_name):
    from django.urls import reverse

    client.force_login(users["case_worker_lb"])

    assert client.get(reverse(url_name)).status_code == 404
