from decimal import Decimal

from projects.models import Country
from tests import factories as f
from trainings.forms import (
    CountryCountForm,
    InstitutionCountForm,
    MergeForm,
    ParticipantRowForm,
    SessionForm,
    SexCountsForm,
)
from trainings.models import Person


def test_session_form_offers_only_projects_in_scope(users, portfolio):
    form = SessionForm(user=users["officer_lb_project"])
    assert list(form.fields["project"].queryset) == [portfolio["p_lb"]]


def test_session_form_narrows_indicators_to_the_project(users, portfolio):
    own = f.IndicatorFactory(result=f.ResultFactory(project=portfolio["p_eg"]))
    f.IndicatorFactory(result=f.ResultFactory(project=portfolio["p_lb"]))
    form = SessionForm(user=users["admin"], project=portfolio["p_eg"])
    assert list(form.fields["indicators"].queryset) == [own]


def test_session_form_data_leaves_out_form_only_fields(users, portfolio):
    form = SessionForm(
        {
            "project": portfolio["p_eg"].pk,
            "title": "Workshop",
            "kind": "workshop",
            "status": "held",
            "start_date": "2021-01-05",
            "end_date": "2021-01-06",
            "host_country": portfolio["egypt"].pk,
            "language": "fr",
            "mode": "totals",
        },
        user=users["officer_eg"],
    )
    assert form.is_valid(), form.errors
    data = form.session_data()
    assert data["language"] == "fr"
    assert {"mode", "version", "audiences", "indicators"}.isdisjoint(data)


def test_copy_initial_has_no_dates(portfolio):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], notes="Internal remark")
    initial = SessionForm.initial_for(session, copy=True)
    assert "start_date" not in initial
    assert initial["notes"] == ""
    assert SessionForm.initial_for(session)["version"] == session.version


def _row(**overrides):
    data = {"sex": "male", "attended": "on", "pre_score": "50", "post_score": "60"}
    data.update(overrides)
    return ParticipantRowForm(data)


def test_participant_row_name_is_optional(db):
    form = _row()
    assert form.is_valid(), form.errors
    assert form.row()["full_name"] == ""
    assert form.row()["post_score"] == Decimal("60")


def test_participant_score_outside_0_to_100_is_refused(db):
    for value in ("140", "-1"):
        form = _row(post_score=value)
        assert not form.is_valid()
        assert form.errors["post_score"] == ["A score is between 0 and 100."]


def test_participant_unknown_country_is_refused(db):
    form = _row(nationality="987654")
    assert not form.is_valid()
    assert "nationality" in form.errors


def test_participant_unknown_institution_type_is_refused(db):
    form = _row(institution_type="circus")
    assert not form.is_valid()
    assert "institution_type" in form.errors


def test_negative_counts_are_refused(db):
    form = SexCountsForm({"female": "-2", "male": "3"})
    assert not form.is_valid()
    assert form.errors["female"] == ["A count cannot be negative."]
    assert not InstitutionCountForm({"institution_type": "police", "count": "-1"}).is_valid()


def test_sex_counts_give_the_service_rows(db):
    form = SexCountsForm({"female": "4", "male": "6", "other": ""})
    assert form.is_valid()
    assert [row for row, _field in form.rows()] == [
        {"dimension": "sex", "sex": "female", "count": 4},
        {"dimension": "sex", "sex": "male", "count": 6},
    ]


def test_country_count_row(portfolio):
    form = CountryCountForm({"country": portfolio["lebanon"].pk, "count": "7"})
    assert form.is_valid()
    assert form.row() == {"dimension": "country", "country": portfolio["lebanon"], "count": 7}
    assert not CountryCountForm({"country": Country.objects.count() + 99, "count": "1"}).is_valid()


def test_merge_form_refuses_the_same_person_twice(db):
    person = f.PersonFactory()
    form = MergeForm(
        {"keep": person.pk, "duplicate": person.pk},
        people=Person.objects.all(),
        with_names=True,
    )
    assert not form.is_valid()
    assert "merged into themselves" in str(form.errors)


def test_merge_form_labels_hide_names_when_asked(db):
    person = f.PersonFactory(full_name="Laila Nasser")
    form = MergeForm(people=Person.objects.all(), with_names=False)
    assert form.fields["keep"].label_from_instance(person) == f"Person #{person.pk}"
    form = MergeForm(people=Person.objects.all(), with_names=True)
    assert "Laila Nasser" in form.fields["keep"].label_from_instance(person)
