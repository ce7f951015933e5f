import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from tests import factories as f
from trainings import services
from trainings.models import Attendance, ParticipantCount, Person, TrainingSession


def _data(portfolio, **overrides):
    data = {
        "project": portfolio["p_eg"],
        "title": "Interviewing and investigative techniques",
        "kind": "training",
        "host_country": portfolio["egypt"],
        "city": "Cairo",
        "start_date": datetime.date(2021, 6, 1),
        "end_date": datetime.date(2021, 6, 21),
        "status": "held",
    }
    data.update(overrides)
    return data


def _counts(portfolio, female=8, male=12, countries=None):
    rows = [
        {"dimension": "sex", "sex": "female", "count": female},
        {"dimension": "sex", "sex": "male", "count": male},
    ]
    for country, count in (countries or {}).items():
        rows.append({"dimension": "country", "country": portfolio[country], "count": count})
    return rows


def test_officer_records_a_session_with_counts(portfolio, users):
    session = services.session_save(
        user=users["officer_eg"],
        data=_data(portfolio),
        counts=_counts(portfolio, countries={"egypt": 15, "lebanon": 5}),
    )
    assert session.participant_counts.count() == 4
    assert session.history.first().history_user == users["officer_eg"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_date": datetime.date(2021, 5, 1)}, "end_date"),
        ({"start_date": datetime.date(2019, 1, 1)}, "start_date"),
        ({"end_date": datetime.date(2023, 6, 1)}, "end_date"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_session_values_save_nothing(portfolio, users, overrides, field):
    with pytest.raises(ValidationError) as raised:
        services.session_save(user=users["officer_eg"], data=_data(portfolio, **overrides))
    assert field in raised.value.message_dict
    assert not TrainingSession.objects.exists()


def test_breakdowns_that_disagree_save_nothing(portfolio, users):
    with pytest.raises(ValidationError) as raised:
        services.session_save(
            user=users["officer_eg"],
            data=_data(portfolio),
            counts=_counts(portfolio, countries={"egypt": 15}),
        )
    assert "15" in raised.value.message_dict["counts"][0]
    assert not TrainingSession.objects.exists()
    assert not ParticipantCount.objects.exists()


def test_negative_count_is_refused(portfolio, users):
    with pytest.raises(ValidationError) as raised:
        services.session_save(
            user=users["officer_eg"], data=_data(portfolio), counts=_counts(portfolio, male=-2)
        )
    assert "counts[1].count" in raised.value.message_dict


@pytest.mark.parametrize("who", ["donor_a", "analyst", "me", "officer_lb_project"])
def test_only_editors_of_the_project_record_sessions(portfolio, users, who):
    with pytest.raises(PermissionDenied):
        services.session_save(user=users[who], data=_data(portfolio))


def test_participants_one_by_one_and_the_register_matches_people(portfolio, users):
    officer = users["officer_eg"]
    first = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    second = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    row = {
        "full_name": "Amal  Hassan",
        "sex": "female",
        "country_of_work": portfolio["egypt"],
        "pre_score": Decimal("40"),
        "post_score": Decimal("80"),
    }
    services.attendances_add(user=officer, session=first, rows=[row, {"sex": "male"}])
    services.attendances_add(
        user=officer, session=second, rows=[{**row, "full_name": "amal hassan"}]
    )
    assert Person.objects.count() == 2
    assert Attendance.objects.count() == 3


def test_bad_participant_rows_write_nothing(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    with pytest.raises(ValidationError) as raised:
        services.attendances_add(
            user=users["officer_eg"],
            session=session,
            rows=[{"sex": "female"}, {"sex": "robot", "post_score": Decimal("140")}],
        )
    assert {"rows[1].sex", "rows[1].post_score"} <= set(raised.value.message_dict)
    assert not Person.objects.exists()
    assert not Attendance.objects.exists()


def test_merging_duplicates_moves_attendances(portfolio, users):
    session_a = f.TrainingSessionFactory(project=portfolio["p_eg"])
    session_b = f.TrainingSessionFactory(project=portfolio["p_eg"])
    keep, duplicate = f.PersonFactory(full_name="Omar"), f.PersonFactory(full_name="Omar S.")
    f.AttendanceFactory(session=session_a, person=keep)
    f.AttendanceFactory(session=session_a, person=duplicate)
    f.AttendanceFactory(session=session_b, person=duplicate)
    services.persons_merge(user=users["officer_eg"], keep=keep, duplicate=duplicate)
    assert set(keep.attendances.values_list("session", flat=True)) == {session_a.pk, session_b.pk}
    assert not duplicate.attendances.exists()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep
    with pytest.raises(ValidationError):
        services.persons_merge(user=users["officer_eg"], keep=keep, duplicate=keep)


def test_counts_and_individuals_do_not_mix(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"], host_country=portfolio["egypt"])
    f.ParticipantCountFactory(session=session)
    with pytest.raises(ValidationError):
        services.attendances_add(user=users["officer_eg"], session=session, rows=[{"sex": "male"}])


def test_session_document_add_records_history(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    officer = users["officer_eg"]

    document = services.session_document_add(
        user=officer,
        session=session,
        data={"title": "Agenda", "kind": "agenda", "file": ContentFile(b"%PDF-", name="a.pdf")},
    )

    assert document.file.name.startswith("sessions/")
    assert document.history.get().history_user == officer


@pytest.mark.parametrize("role", ["donor_a", "analyst", "me", "officer_lb_project"])
def test_session_document_add_needs_an_editor_in_scope(portfolio, users, role):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])

    with pytest.raises(PermissionDenied):
        services.session_document_add(
            user=users[role],
            session=session,
            data={"title": "x", "kind": "agenda", "url": "https://e.org"},
        )


def test_session_document_add_needs_a_file_or_a_link(portfolio, users):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])

    with pytest.raises(ValidationError) as caught:
        services.session_document_add(
            user=users["admin"], session=session, data={"title": "x", "kind": "agenda"}
        )

    assert "file" in caught.value.message_dict
