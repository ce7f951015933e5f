import pytest
from django.urls import reverse

from tests import factories as f
from trainings.models import Attendance


@pytest.fixture
def people(portfolio):
    s_eg = f.TrainingSessionFactory(project=portfolio["p_eg"])
    s_lb = f.TrainingSessionFactory(project=portfolio["p_lb"])
    s_both = f.TrainingSessionFactory(project=portfolio["p_both"])
    egypt = portfolio["egypt"]
    first = f.PersonFactory(full_name="Nour Adel", sex="female", country_of_work=egypt)
    second = f.PersonFactory(full_name="NOUR ADEL", sex="female", country_of_work=egypt)
    other = f.PersonFactory(full_name="Karim Fathy", sex="male")
    lebanese = f.PersonFactory(full_name="Ziad Haddad", sex="male")
    f.AttendanceFactory(session=s_eg, person=first)
    f.AttendanceFactory(session=s_both, person=first)
    f.AttendanceFactory(session=s_lb, person=first)
    f.AttendanceFactory(session=s_both, person=second)
    f.AttendanceFactory(session=s_eg, person=other)
    f.AttendanceFactory(session=s_lb, person=lebanese)
    return {"first": first, "second": second, "other": other, "lebanese": lebanese}


@pytest.mark.parametrize("name", ["donor_a", "analyst", "case_worker_lb"])
def test_register_is_404_for_other_roles(client, users, people, name):
    client.force_login(users[name])
    assert client.get(reverse("trainings:people")).status_code == 404
    assert client.get(reverse("trainings:duplicates")).status_code == 404
    response = client.post(
        reverse("trainings:merge"),
        {"keep": people["first"].pk, "duplicate": people["second"].pk},
    )
    assert response.status_code == 404
    people["second"].refresh_from_db()
    assert people["second"].merged_into is None


def test_officer_sees_names_of_people_in_scope_with_their_visible_sessions(client, users, people):
    client.force_login(users["officer_eg"])
    response = client.get(reverse("trainings:people"))
    shown = {p.pk: p.session_count for p in response.context["people"]}
    # Nour attended three sessions but only two are in this officer's scope.
    assert shown == {people["first"].pk: 2, people["second"].pk: 1, people["other"].pk: 1}
    html = response.content.decode()
    assert "Nour Adel" in html
    assert "Ziad Haddad" not in html


def test_officer_searches_by_name(client, users, people):
    client.force_login(users["officer_eg"])
    response = client.get(reverse("trainings:people"), {"q": "karim"})
    assert [p.pk for p in response.context["people"]] == [people["other"].pk]


def test_me_officer_sees_the_register_without_names(client, users, people):
    client.force_login(users["me"])
    response = client.get(reverse("trainings:people"), {"q": "karim"})
    # Searching by name would reveal names: it finds nobody.
    assert list(response.context["people"]) == []
    html = client.get(reverse("trainings:people")).content.decode()
    assert "Nour Adel" not in html
    assert f"Person #{people['first'].pk}" in html


def test_duplicates_group_the_same_name_in_any_case(client, users, people):
    client.force_login(users["officer_eg"])
    response = client.get(reverse("trainings:duplicates"))
    groups = response.context["groups"]
    assert len(groups) == 1
    assert [p.pk for p in groups[0]["people"]] == [people["first"].pk, people["second"].pk]
    assert groups[0]["strong"] is True


def test_duplicates_without_names_for_me_officer(client, users, people):
    client.force_login(users["me"])
    html = client.get(reverse("trainings:duplicates")).content.decode()
    assert "Nour" not in html
    assert "2 records with the same name" in html


def test_merge_moves_attendances(client, users, people):
    client.force_login(users["officer_eg"])
    response = client.post(
        reverse("trainings:merge"),
        {"keep": people["first"].pk, "duplicate": people["second"].pk},
    )
    assert response.status_code == 302
    people["second"].refresh_from_db()
    assert people["second"].merged_into == people["first"]
    # Both attended the regional session: one attendance is kept, not two.
    assert Attendance.objects.filter(person=people["first"]).count() == 3
    response = client.get(reverse("trainings:duplicates"))
    assert response.context["groups"] == []


def test_merge_of_a_person_out_of_scope_is_refused(client, users, people):
    client.force_login(users["officer_eg"])
    response = client.post(
        reverse("trainings:merge"),
        {"keep": people["first"].pk, "duplicate": people["lebanese"].pk},
        follow=True,
    )
    assert "valid choice" in response.content.decode()
    people["lebanese"].refresh_from_db()
    assert people["lebanese"].merged_into is None


def test_merge_into_oneself_is_refused(client, users, people):
    client.force_login(users["admin"])
    response = client.post(
        reverse("trainings:merge"),
        {"keep": people["first"].pk, "duplicate": people["first"].pk},
        follow=True,
    )
    assert "cannot be merged into themselves" in response.content.decode()


def test_merge_needs_post(client, users, people):
    client.force_login(users["admin"])
    assert client.get(reverse("trainings:merge")).status_code == 405


@pytest.mark.parametrize("count", [3, 30])
def test_register_pages_cost_a_bounded_number_of_queries(
    client, users, portfolio, django_assert_max_num_queries, count
):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    for index in range(count):
        person = f.PersonFactory(full_name=f"Same Name {index % 3}")
        f.AttendanceFactory(session=session, person=person)
    client.force_login(users["officer_eg"])
    with django_assert_max_num_queries(10):
        client.get(reverse("trainings:people"))
    with django_assert_max_num_queries(10):
        client.get(reverse("trainings:duplicates"))
