import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ctportal.audit import StaleVersion
from research import services
from research.models import (
    AwarenessActivity,
    LegislativeStage,
    LegislativeSupport,
    OutputFile,
    ResearchOutput,
    SupportType,
)
from tests import factories as f

OUTPUT = {"kind": "study", "title": "Trafficking patterns", "language": "en", "status": "planned"}


def test_output_save_links_projects_and_records_who(users, portfolio):
    officer = users["officer_eg"]
    output = services.output_save(
        user=officer,
        data=OUTPUT,
        projects=[portfolio["p_eg"]],
        countries=[portfolio["egypt"]],
        partners=[portfolio["donor_a"]],
    )
    assert list(output.projects.all()) == [portfolio["p_eg"]]
    assert output.history.first().history_user == officer
    assert output.version == 1


def test_a_translation_of_itself_is_refused_and_nothing_changes(users, portfolio):
    output = f.ResearchOutputFactory(projects=[portfolio["p_eg"]])
    with pytest.raises(ValidationError) as error:
        services.output_save(
            user=users["admin"],
            output=output,
            expected_version=1,
            data={"translation_of": output, "language": "ar"},
        )
    assert "itself" in error.value.message_dict["translation_of"][0]
    output.refresh_from_db()
    assert output.translation_of is None and output.version == 1


def test_a_translation_cycle_is_refused(users, portfolio):
    original = f.ResearchOutputFactory(projects=[portfolio["p_eg"]], language="en")
    arabic = f.ResearchOutputFactory(
        projects=[portfolio["p_eg"]], language="ar", translation_of=original
    )
    with pytest.raises(ValidationError) as error:
        services.output_save(
            user=users["admin"],
            output=original,
            data={"translation_of": arabic, "language": "fr"},
        )
    assert "circle" in error.value.message_dict["translation_of"][0]
    original.refresh_from_db()
    assert original.translation_of is None


def test_a_translation_is_in_another_language(users, portfolio):
    original = f.ResearchOutputFactory(projects=[portfolio["p_eg"]], language="en")
    with pytest.raises(ValidationError) as error:
        services.output_save(
            user=users["admin"], data={**OUTPUT, "translation_of": original, "language": "en"}
        )
    assert "translation_of" in error.value.message_dict
    assert ResearchOutput.objects.count() == 1


def test_an_arabic_translation_links_to_its_original(users, portfolio):
    original = f.ResearchOutputFactory(projects=[portfolio["p_eg"]], language="en")
    translation = services.output_save(
        user=users["officer_eg"],
        data={**OUTPUT, "language": "ar", "translation_of": original},
        projects=[portfolio["p_eg"]],
    )
    assert list(original.translations.all()) == [translation]


def test_an_officer_links_only_projects_in_scope(users, portfolio):
    with pytest.raises(ValidationError) as error:
        services.output_save(user=users["officer_eg"], data=OUTPUT, projects=[portfolio["p_lb"]])
    assert "projects" in error.value.message_dict
    assert not ResearchOutput.objects.exists()


def test_an_officer_links_at_least_one_project(users):
    with pytest.raises(ValidationError) as error:
        services.output_save(user=users["officer_eg"], data=OUTPUT, projects=[])
    assert "projects" in error.value.message_dict


def test_links_outside_the_editors_scope_are_kept(users, portfolio):
    output = f.ResearchOutputFactory(projects=[portfolio["p_eg"], portfolio["p_lb"]])
    services.output_save(
        user=users["officer_eg"],
        output=output,
        expected_version=1,
        data={"title": "Renamed"},
        projects=[portfolio["p_both"]],
    )
    assert set(output.projects.all()) == {portfolio["p_both"], portfolio["p_lb"]}


def test_indicators_must_belong_to_the_linked_projects(users, portfolio):
    other = f.IndicatorFactory(result__project=portfolio["p_lb"])
    mine = f.IndicatorFactory(result__project=portfolio["p_eg"])
    with pytest.raises(ValidationError) as error:
        services.output_save(
            user=users["admin"], data=OUTPUT, projects=[portfolio["p_eg"]], indicators=[other]
        )
    assert "indicators" in error.value.message_dict
    output = services.output_save(
        user=users["admin"], data=OUTPUT, projects=[portfolio["p_eg"]], indicators=[mine]
    )
    assert list(mine.research_outputs.all()) == [output]


def test_a_stale_edit_is_refused(users, portfolio):
    output = f.ResearchOutputFactory(projects=[portfolio["p_eg"]])
    services.output_save(user=users["admin"], output=output, expected_version=1, data={})
    with pytest.raises(StaleVersion):
        services.output_save(
            user=users["officer_eg"],
            output=ResearchOutput.objects.get(pk=output.pk),
            expected_version=1,
            data={"title": "Late"},
        )


@pytest.mark.parametrize("name", ["me", "donor_a", "analyst", "case_worker_lb", "norole"])
def test_only_officers_and_administrators_write(users, portfolio, name):
    with pytest.raises(PermissionDenied):
        services.output_save(user=users[name], data=OUTPUT, projects=[portfolio["p_eg"]])


def test_an_officer_cannot_edit_a_record_without_projects(users):
    output = f.ResearchOutputFactory()
    with pytest.raises(PermissionDenied):
        services.output_save(user=users["officer_eg"], output=output, data={"title": "x"})


def _support_data(portfolio):
    return {"country": portfolio["egypt"], "instrument": "law", "title": "Anti-trafficking law"}


def test_support_save_with_stages_in_order(users, portfolio):
    support = services.support_save(
        user=users["officer_eg"],
        data=_support_data(portfolio),
        projects=[portfolio["p_eg"]],
        support_types=SupportType.objects.filter(code__in=["drafting", "review"]),
        stages=[
            {"stage": "drafting", "date": datetime.date(2008, 1, 1)},
            {"stage": "submitted", "date": datetime.date(2009, 9, 1), "note": "To Parliament"},
            {"stage": "adopted", "date": datetime.date(2009, 9, 1)},
        ],
    )
    stages = list(support.stages.values_list("stage", flat=True))
    assert stages == ["drafting", "submitted", "adopted"]
    current = LegislativeSupport.objects.with_stage().get(pk=support.pk)
    assert current.current_stage == "adopted"


def test_a_stage_dated_before_the_previous_one_is_refused(users, portfolio):
    with pytest.raises(ValidationError) as error:
        services.support_save(
            user=users["admin"],
            data=_support_data(portfolio),
            stages=[
                {"stage": "drafting", "date": datetime.date(2009, 1, 1)},
                {"stage": "submitted", "date": datetime.date(2008, 6, 1)},
            ],
        )
    message = error.value.message_dict["stages[1].date"][0]
    assert "before the stage before it" in message
    assert not LegislativeSupport.objects.exists()
    assert not LegislativeStage.objects.exists()


def test_unchanged_stages_are_not_rewritten(users, portfolio):
    support = f.LegislativeSupportFactory(projects=[portfolio["p_eg"]])
    stage = f.LegislativeStageFactory(support=support)
    services.support_save(
        user=users["admin"],
        support=support,
        expected_version=1,
        data={},
        stages=[{"stage": stage.stage, "date": stage.date, "note": ""}],
    )
    assert list(support.stages.all()) == [stage]


def test_stage_add_refuses_a_date_before_the_latest_stage(users, portfolio):
    support = f.LegislativeSupportFactory(projects=[portfolio["p_eg"]])
    f.LegislativeStageFactory(support=support, date=datetime.date(2021, 5, 1))
    with pytest.raises(ValidationError) as error:
        services.stage_add(
            user=users["officer_eg"],
            support=support,
            data={"stage": "submitted", "date": datetime.date(2021, 4, 30)},
        )
    assert "date" in error.value.message_dict
    assert support.stages.count() == 1
    support.refresh_from_db()
    assert support.version == 1


def test_stage_add_records_the_next_stage(users, portfolio):
    support = f.LegislativeSupportFactory(projects=[portfolio["p_eg"]])
    f.LegislativeStageFactory(support=support, date=datetime.date(2021, 5, 1))
    services.stage_add(
        user=users["officer_eg"],
        support=support,
        data={"stage": "submitted", "date": datetime.date(2021, 5, 1)},
    )
    support.refresh_from_db()
    assert support.version == 2
    assert LegislativeSupport.objects.with_stage().get(pk=support.pk).current_stage == "submitted"


def test_stage_add_outside_scope_is_refused(users, portfolio):
    support = f.LegislativeSupportFactory(projects=[portfolio["p_lb"]])
    with pytest.raises(PermissionDenied):
        services.stage_add(
            user=users["officer_eg"],
            support=support,
            data={"stage": "drafting", "date": datetime.date(2021, 1, 1)},
        )


def test_support_outputs_must_be_visible(users, portfolio):
    hidden = f.ResearchOutputFactory(projects=[portfolio["p_lb"]])
    with pytest.raises(ValidationError) as error:
        services.support_save(
            user=users["officer_eg"],
            data=_support_data(portfolio),
            projects=[portfolio["p_eg"]],
            outputs=[hidden],
        )
    assert "outputs" in error.value.message_dict


def test_activity_end_before_start_is_refused(users, portfolio):
    data = {
        "kind": "campaign",
        "title": "School campaign",
        "audience": "youth",
        "channel": "school",
        "start_date": datetime.date(2021, 5, 1),
        "end_date": datetime.date(2021, 4, 1),
    }
    with pytest.raises(ValidationError) as error:
        services.activity_save(user=users["officer_eg"], data=data, projects=[portfolio["p_eg"]])
    assert "end_date" in error.value.message_dict
    assert not AwarenessActivity.objects.exists()
    activity = services.activity_save(
        user=users["officer_eg"],
        data={**data, "end_date": None, "people_reached": 1200},
        projects=[portfolio["p_eg"]],
        countries=[portfolio["egypt"]],
    )
    assert activity.people_reached == 1200


def test_an_attachment_needs_a_file_or_a_link(users, portfolio):
    output = f.ResearchOutputFactory(projects=[portfolio["p_eg"]])
    with pytest.raises(ValidationError):
        services.output_file_add(user=users["officer_eg"], output=output, data={"title": "x"})
    services.output_file_add(
        user=users["officer_eg"],
        output=output,
        data={"title": "Online version", "url": "https://example.org/handbook"},
    )
    assert OutputFile.objects.count() == 1
