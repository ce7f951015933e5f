import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories as f
from trainings.models import Attendance, Person, TrainingSession


@pytest.fixture
def two_sessions(portfolio):
    return (
        f.TrainingSessionFactory(project=portfolio["p_eg"]),
        f.TrainingSessionFactory(project=portfolio["p_lb"]),
    )


@pytest.mark.parametrize(
    "model",
    ["audience", "trainingsession", "person", "attendance", "participantcount", "attendanceimport"],
)
def test_every_model_has_a_changelist(client, users, two_sessions, model):
    client.force_login(users["admin"])
    assert client.get(reverse(f"admin:trainings_{model}_changelist")).status_code == 200


def test_session_change_page_and_history(client, users, two_sessions):
    client.force_login(users["admin"])
    session = two_sessions[0]
    assert (
        client.get(reverse("admin:trainings_trainingsession_change", args=[session.pk])).status_code
        == 200
    )
    assert (
        client.get(
            reverse("admin:trainings_trainingsession_history", args=[session.pk])
        ).status_code
        == 200
    )


def test_staff_officer_sees_only_their_sessions(client, users, two_sessions):
    officer = users["officer_eg"]
    officer.is_staff = True
    officer.save()
    officer.user_permissions.add(Permission.objects.get(codename="view_trainingsession"))
    client.force_login(officer)
    response = client.get(reverse("admin:trainings_trainingsession_changelist"))
    assert {s.pk for s in response.context["cl"].result_list} == {two_sessions[0].pk}
    other = reverse("admin:trainings_trainingsession_change", args=[two_sessions[1].pk])
    assert client.get(other).status_code == 302


def test_donor_staff_without_permissions_is_refused(client, users, two_sessions):
    donor = users["donor_a"]
    donor.is_staff = True
    donor.save()
    client.force_login(donor)
    assert client.get(reverse("admin:trainings_person_changelist")).status_code == 403


def test_saving_a_session_in_admin_outdates_open_forms(client, users, two_sessions):
    session = two_sessions[0]
    client.force_login(users["admin"])
    url = reverse("admin:trainings_trainingsession_change", args=[session.pk])
    data = {
        "project": session.project_id,
        "title": "Renamed in admin",
        "kind": session.kind,
        "topics": "",
        "host_country": session.host_country_id,
        "city": session.city,
        "venue": "",
        "start_date": "2021-03-01",
        "end_date": "2021-03-03",
        "language": "ar",
        "status": "held",
        "notes": "",
        "participant_counts-TOTAL_FORMS": "0",
        "participant_counts-INITIAL_FORMS": "0",
        "participant_counts-MIN_NUM_FORMS": "0",
        "participant_counts-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    session.refresh_from_db()
    assert session.title == "Renamed in admin"
    assert session.version == 2


def test_merge_action_folds_duplicates_into_the_oldest(client, users, two_sessions):
    keep = f.PersonFactory(full_name="Rania Khalil")
    twin = f.PersonFactory(full_name="rania khalil")
    f.AttendanceFactory(session=two_sessions[0], person=keep)
    f.AttendanceFactory(session=two_sessions[1], person=twin)
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:trainings_person_changelist"),
        {"action": "merge_duplicates", "_selected_action": [keep.pk, twin.pk]},
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into == keep
    assert Attendance.objects.filter(person=keep).count() == 2


def test_merge_action_needs_two_people(client, users, two_sessions):
    person = f.PersonFactory()
    f.AttendanceFactory(session=two_sessions[0], person=person)
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:trainings_person_changelist"),
        {"action": "merge_duplicates", "_selected_action": [person.pk]},
        follow=True,
    )
    assert "Select at least two people" in response.content.decode()
    assert not Person.objects.filter(merged_into__isnull=False).exists()
    assert TrainingSession.objects.count() == 2
