import datetime

import pytest
from django.urls import reverse

from tests import factories as f
from tests.conftest import EXPECTED_PROJECTS
from trainings.models import Attendance, Audience, ParticipantCount, Person, TrainingSession

# Case workers do not use project and training pages (tests/ctportal/test_navigation.py).
ROLES = [name for name in EXPECTED_PROJECTS if name not in ("norole", "case_worker_lb")]
EDITORS = {"officer_eg", "officer_lb_project", "admin"}


@pytest.fixture
def sessions(portfolio):
    """One held session per project: people one by one in Egypt, totals elsewhere."""
    police = Audience.objects.get(code="police")
    s_eg = f.TrainingSessionFactory(
        project=portfolio["p_eg"], host_country=portfolio["egypt"], title="Cairo training"
    )
    s_eg.audiences.add(police)
    for name, sex in [("Amal Hassan", "female"), ("Omar Said", "male"), ("Mona Ali", "female")]:
        f.AttendanceFactory(
            session=s_eg,
            person=f.PersonFactory(full_name=name, sex=sex, country_of_work=portfolio["egypt"]),
        )
    s_lb = f.TrainingSessionFactory(
        project=portfolio["p_lb"],
        host_country=portfolio["lebanon"],
        title="Beirut workshop",
        kind="workshop",
        start_date=datetime.date(2022, 5, 10),
        end_date=datetime.date(2022, 5, 11),
    )
    f.ParticipantCountFactory(session=s_lb, sex="male", count=12)
    f.ParticipantCountFactory(session=s_lb, sex="female", count=8)
    s_both = f.TrainingSessionFactory(
        project=portfolio["p_both"],
        host_country=portfolio["egypt"],
        title="Regional expert meeting",
        kind="expert_meeting",
        status="planned",
        start_date=datetime.date(2021, 11, 2),
        end_date=datetime.date(2021, 11, 3),
    )
    return {"s_eg": s_eg, "s_lb": s_lb, "s_both": s_both}


SESSION_OF = {"p_eg": "s_eg", "p_lb": "s_lb", "p_both": "s_both"}


def _post(portfolio, mode="people", **overrides):
    data = {
        "version": "",
        "project": str(portfolio["p_eg"].pk),
        "title": "Investigating trafficking cases",
        "kind": "training",
        "status": "held",
        "start_date": "2021-06-01",
        "end_date": "2021-06-03",
        "host_country": str(portfolio["egypt"].pk),
        "city": "Alexandria",
        "venue": "",
        "language": "ar",
        "topics": "Victim identification\nReferral",
        "notes": "",
        "audiences": [str(Audience.objects.get(code="police").pk)],
        "mode": mode,
        "people-TOTAL_FORMS": "2",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "500",
        "people-0-full_name": "Hana Youssef",
        "people-0-sex": "female",
        "people-0-institution": "Ministry of Interior",
        "people-0-institution_type": "police",
        "people-0-country_of_work": str(portfolio["egypt"].pk),
        "people-0-attended": "on",
        "people-0-pre_score": "40",
        "people-0-post_score": "70",
        "people-1-attended": "on",
        "sex-female": "",
        "sex-male": "",
        "sex-other": "",
        "institutions-TOTAL_FORMS": "2",
        "institutions-INITIAL_FORMS": "0",
        "institutions-MIN_NUM_FORMS": "0",
        "institutions-MAX_NUM_FORMS": "20",
        "countries-TOTAL_FORMS": "2",
        "countries-INITIAL_FORMS": "0",
        "countries-MIN_NUM_FORMS": "0",
        "countries-MAX_NUM_FORMS": "60",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _totals(portfolio, **overrides):
    return _post(
        portfolio,
        **{
            "mode": "totals",
            "people-0-full_name": "",
            "people-0-sex": "",
            "people-0-institution": "",
            "people-0-institution_type": "",
            "people-0-country_of_work": "",
            "people-0-pre_score": "",
            "people-0-post_score": "",
            "sex-female": "12",
            "sex-male": "18",
            "institutions-0-institution_type": "police",
            "institutions-0-count": "20",
            "institutions-1-institution_type": "judiciary",
            "institutions-1-count": "10",
            **overrides,
        },
    )


# Lists


@pytest.mark.parametrize("name", ROLES)
def test_list_shows_exactly_the_sessions_in_scope(client, users, sessions, name):
    client.force_login(users[name])
    response = client.get(reverse("trainings:list"))
    assert response.status_code == 200
    shown = {s.pk for s in response.context["sessions"]}
    assert shown == {sessions[SESSION_OF[key]].pk for key in EXPECTED_PROJECTS[name]}


def test_list_needs_a_role(client, users, sessions):
    client.force_login(users["norole"])
    response = client.get(reverse("trainings:list"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "workshop"}, {"s_lb"}),
        ({"status": "planned"}, {"s_both"}),
        ({"country": "LB"}, {"s_lb"}),
        ({"audience": "police"}, {"s_eg"}),
        ({"date_from": "2021-10-01", "date_to": "2021-12-31"}, {"s_both"}),
        ({"q": "beirut"}, {"s_lb"}),
    ],
)
def test_list_filters(client, users, sessions, params, expected):
    client.force_login(users["me"])
    response = client.get(reverse("trainings:list"), params)
    assert {s.pk for s in response.context["sessions"]} == {sessions[k].pk for k in expected}


def test_list_filter_by_project(client, users, portfolio, sessions):
    client.force_login(users["me"])
    response = client.get(reverse("trainings:list"), {"project": portfolio["p_lb"].pk})
    assert [s.pk for s in response.context["sessions"]] == [sessions["s_lb"].pk]


def test_list_shows_totals_and_hides_small_ones_from_donors(client, users, sessions):
    client.force_login(users["officer_eg"])
    html = client.get(reverse("trainings:list")).content.decode()
    assert "<bdi>3</bdi>" in html
    client.force_login(users["donor_a"])
    html = client.get(reverse("trainings:list")).content.decode()
    assert "<bdi>3</bdi>" not in html
    assert "&lt;5" in html


@pytest.mark.parametrize("count", [3, 30])
def test_list_costs_the_same_queries_for_3_or_30_sessions(
    client, users, portfolio, django_assert_max_num_queries, count
):
    audiences = list(Audience.objects.all()[:2])
    for _index in range(count):
        session = f.TrainingSessionFactory(
            project=portfolio["p_eg"], host_country=portfolio["egypt"]
        )
        session.audiences.set(audiences)
        f.AttendanceFactory(session=session)
        f.ParticipantCountFactory(session=f.TrainingSessionFactory(project=portfolio["p_both"]))
    client.force_login(users["officer_eg"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("trainings:list"))
    assert response.status_code == 200


def test_calendar_places_sessions_in_their_month(client, users, sessions):
    client.force_login(users["admin"])
    response = client.get(reverse("trainings:calendar"), {"year": "2021"})
    months = response.context["months"]
    assert [s.pk for s in months[2]["sessions"]] == [sessions["s_eg"].pk]
    assert [s.pk for s in months[10]["sessions"]] == [sessions["s_both"].pk]
    assert sum(m["count"] for m in months) == 2
    assert "Cairo training" in response.content.decode()


def test_calendar_caps_each_month_and_links_to_the_rest(
    client, users, portfolio, django_assert_max_num_queries
):
    for day in range(1, 16):
        f.TrainingSessionFactory(
            project=portfolio["p_eg"],
            start_date=datetime.date(2021, 3, day),
            end_date=datetime.date(2021, 3, day),
        )
    client.force_login(users["me"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("trainings:calendar"), {"year": "2021"})
    march = response.context["months"][2]
    assert march["count"] == 15
    assert len(march["sessions"]) == 12
    assert march["more"] == 3
    assert "date_from=2021-03-01" in response.content.decode()


@pytest.mark.parametrize("year", ["abc", "99999", ""])
def test_calendar_with_a_bad_year_shows_this_year(client, users, year):
    client.force_login(users["me"])
    response = client.get(reverse("trainings:calendar"), {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == datetime.date.today().year


def test_calendar_follows_the_scope(client, users, sessions):
    client.force_login(users["officer_lb_project"])
    response = client.get(reverse("trainings:calendar"), {"year": "2021"})
    assert sum(m["count"] for m in response.context["months"]) == 0


# Detail


@pytest.mark.parametrize("name", ROLES)
def test_detail_is_404_outside_the_scope(client, users, sessions, name):
    client.force_login(users[name])
    for project, key in SESSION_OF.items():
        response = client.get(reverse("trainings:detail", args=[sessions[key].pk]))
        assert response.status_code == (200 if project in EXPECTED_PROJECTS[name] else 404)


def test_officer_sees_participant_names(client, users, sessions):
    client.force_login(users["officer_eg"])
    html = client.get(reverse("trainings:detail", args=[sessions["s_eg"].pk])).content.decode()
    assert "Amal Hassan" in html


@pytest.mark.parametrize("name", ["me", "donor_a", "analyst"])
def test_others_never_see_names(client, users, sessions, name):
    client.force_login(users[name])
    response = client.get(reverse("trainings:detail", args=[sessions["s_eg"].pk]))
    html = response.content.decode()
    assert "Amal Hassan" not in html
    assert "Omar Said" not in html
    if name == "me":
        assert "Participant #1" in html
    else:
        # Aggregate viewers get no row per person at all, and small counts hidden.
        assert response.context["participants"] is None
        assert "Participant #1" not in html
        assert "&lt;5" in html


def test_detail_shows_breakdowns_scores_and_history(client, users, sessions):
    client.force_login(users["admin"])
    response = client.get(reverse("trainings:detail", args=[sessions["s_eg"].pk]))
    breakdown = response.context["breakdown"]
    assert {row["label"]: row["cell"].value for row in breakdown["sex"]} == {
        "Female": 2,
        "Male": 1,
    }
    assert breakdown["scores"]["gain"] == 25
    assert response.context["history"] is not None
    html = response.content.decode()
    assert "+25.0" in html


def test_detail_of_totals_session(client, users, sessions):
    client.force_login(users["officer_lb_project"])
    response = client.get(reverse("trainings:detail", args=[sessions["s_lb"].pk]))
    assert response.context["session"].participant_total == 20
    assert {row["label"]: row["cell"].value for row in response.context["breakdown"]["sex"]} == {
        "Male": 12,
        "Female": 8,
    }


def test_donor_sees_no_history(client, users, sessions):
    client.force_login(users["donor_b"])
    response = client.get(reverse("trainings:detail", args=[sessions["s_lb"].pk]))
    assert response.context["history"] is None
    assert response.context["can_edit"] is False


# Entry form


def test_officer_creates_a_session_with_participants_inline(client, users, portfolio):
    client.force_login(users["officer_eg"])
    response = client.post(reverse("trainings:create"), _post(portfolio))
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trainings:detail", args=[session.pk])
    attendance = Attendance.objects.get()
    assert attendance.person.full_name == "Hana Youssef"
    assert attendance.post_score == 70
    assert list(session.audiences.values_list("code", flat=True)) == ["police"]
    assert session.history.first().history_user == users["officer_eg"]


def test_officer_creates_a_session_with_totals(client, users, portfolio):
    client.force_login(users["officer_eg"])
    response = client.post(reverse("trainings:create"), _totals(portfolio))
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert not session.attendances.exists()
    assert session.participant_counts.count() == 4
    assert not Person.objects.exists()


def test_new_form_is_prefilled_with_the_project(client, users, portfolio):
    client.force_login(users["officer_eg"])
    response = client.get(reverse("trainings:create"), {"project": portfolio["p_eg"].pk})
    assert response.status_code == 200
    assert response.context["form"].initial["project"] == portfolio["p_eg"].pk
    html = response.content.decode()
    assert 'data-formset="people"' in html
    assert "js/formset.js" in html


def test_indicators_fed_must_be_of_the_sessions_project(client, users, portfolio):
    other = f.IndicatorFactory(result=f.ResultFactory(project=portfolio["p_both"]))
    own = f.IndicatorFactory(result=f.ResultFactory(project=portfolio["p_eg"]))
    client.force_login(users["officer_eg"])
    response = client.post(reverse("trainings:create"), _post(portfolio, indicators=[other.pk]))
    assert response.status_code == 200
    assert "Pick indicators of the session" in response.content.decode()
    assert not TrainingSession.objects.exists()
    response = client.post(reverse("trainings:create"), _post(portfolio, indicators=[own.pk]))
    assert response.status_code == 302
    assert list(TrainingSession.objects.get().indicators.all()) == [own]


BAD_INPUT = [
    ("people", {"end_date": "2021-05-01"}, "end_date", "on or after the start date"),
    ("people", {"start_date": "2019-01-01"}, "start_date", "within the project"),
    ("people", {"end_date": "2023-02-01"}, "end_date", "within the project"),
    ("people", {"people-0-pre_score": "140"}, "people", "between 0 and 100"),
    ("people", {"people-0-country_of_work": "999999"}, "people", "valid choice"),
    ("people", {"people-0-sex": ""}, "people", "required"),
    ("totals", {"sex-male": "-3"}, "sex", "cannot be negative"),
    ("totals", {"institutions-0-count": "-1"}, "institutions", "cannot be negative"),
    ("totals", {"institutions-0-count": "25"}, "totals", "adds up to 35"),
    ("people", {"title": ""}, "title", "required"),
]


@pytest.mark.parametrize(("mode", "overrides", "where", "message"), BAD_INPUT)
def test_bad_input_saves_nothing_and_says_why(
    client, users, portfolio, mode, overrides, where, message
):
    client.force_login(users["officer_eg"])
    data = _post(portfolio, **overrides) if mode == "people" else _totals(portfolio, **overrides)
    response = client.post(reverse("trainings:create"), data)
    assert response.status_code == 200
    assert not TrainingSession.objects.exists()
    assert not Person.objects.exists()
    assert not ParticipantCount.objects.exists()
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in html
    context = response.context
    if where == "people":
        assert context["people"].forms[0].errors
    elif where == "sex":
        assert context["totals"]["sex"].errors
    elif where == "institutions":
        assert context["totals"]["institutions"].forms[0].errors
    elif where == "totals":
        assert context["totals_errors"]
    else:
        assert where in context["form"].errors


def test_participant_row_rejected_by_the_service_keeps_the_session_unsaved(
    client, users, portfolio
):
    # Both rows are the same person: the second would attend twice.
    client.force_login(users["officer_eg"])
    data = _post(
        portfolio,
        **{
            "people-1-full_name": "hana youssef",
            "people-1-sex": "female",
            "people-1-country_of_work": str(portfolio["egypt"].pk),
        },
    )
    response = client.post(reverse("trainings:create"), data)
    assert response.status_code == 200
    assert response.context["people"].forms[1].errors
    assert not TrainingSession.objects.exists()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("name", ["me", "donor_a", "analyst"])
def test_non_editors_cannot_create_or_edit(client, users, portfolio, sessions, name):
    client.force_login(users[name])
    assert client.get(reverse("trainings:create")).status_code == 403
    assert client.post(reverse("trainings:create"), _post(portfolio)).status_code == 403
    visible = sessions["s_both"]
    assert client.get(reverse("trainings:edit", args=[visible.pk])).status_code == 403
    assert client.get(reverse("trainings:copy", args=[visible.pk])).status_code == 403
    assert TrainingSession.objects.count() == 3


def test_officer_cannot_edit_out_of_scope(client, users, sessions):
    client.force_login(users["officer_lb_project"])
    assert client.get(reverse("trainings:edit", args=[sessions["s_eg"].pk])).status_code == 404
    assert client.get(reverse("trainings:copy", args=[sessions["s_eg"].pk])).status_code == 404


def test_officer_cannot_create_in_a_project_out_of_scope(client, users, portfolio):
    client.force_login(users["officer_lb_project"])
    response = client.post(reverse("trainings:create"), _post(portfolio))
    assert response.status_code == 200
    assert "project" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def _edit_data(client, session):
    response = client.get(reverse("trainings:edit", args=[session.pk]))
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is not None:
            data[name] = str(value)
    return data


def test_edit_adds_participants_and_keeps_the_others(client, users, portfolio, sessions):
    session = sessions["s_eg"]
    client.force_login(users["officer_eg"])
    data = _post(portfolio, **_edit_data(client, session))
    response = client.post(reverse("trainings:edit", args=[session.pk]), data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.attendances.count() == 4
    assert session.version == 2


def test_edit_with_an_old_version_is_a_conflict(client, users, portfolio, sessions):
    session = sessions["s_eg"]
    client.force_login(users["officer_eg"])
    data = _post(portfolio, **{**_edit_data(client, session), "title": "Renamed"})
    TrainingSession.objects.filter(pk=session.pk).update(version=5)
    response = client.post(reverse("trainings:edit", args=[session.pk]), data)
    assert response.status_code == 409
    assert "Someone else saved this session" in response.content.decode()
    session.refresh_from_db()
    assert session.title == "Cairo training"
    assert session.attendances.count() == 3


def test_edit_totals_session_replaces_its_counts(client, users, portfolio, sessions):
    session = sessions["s_lb"]
    client.force_login(users["officer_lb_project"])
    data = _edit_data(client, session)
    assert data["mode"] == "totals"
    data = _totals(
        portfolio,
        **{
            **data,
            "sex-female": "5",
            "sex-male": "5",
            "institutions-0-count": "6",
            "institutions-1-count": "4",
        },
    )
    response = client.post(reverse("trainings:edit", args=[session.pk]), data)
    assert response.status_code == 302, response.context["totals_errors"]
    assert sorted(session.participant_counts.values_list("count", flat=True)) == [4, 5, 5, 6]


def test_copy_prefills_a_new_session_without_dates_or_people(client, users, portfolio, sessions):
    source = sessions["s_eg"]
    source.venue = "Police academy"
    source.save()
    partner = f.OrganisationFactory()
    source.partners.add(partner)
    client.force_login(users["officer_eg"])
    response = client.get(reverse("trainings:copy", args=[source.pk]))
    initial = response.context["form"].initial
    assert initial["project"] == source.project_id
    assert initial["venue"] == "Police academy"
    assert initial["partners"] == [partner.pk]
    assert "start_date" not in initial
    assert "version" not in initial
    assert not response.context["recorded"]
    data = _post(portfolio, **_edit_data(client, source))
    data.update(start_date="2021-09-01", end_date="2021-09-02")
    response = client.post(reverse("trainings:copy", args=[source.pk]), data)
    assert response.status_code == 302
    copy = TrainingSession.objects.latest("pk")
    assert copy.pk != source.pk
    assert copy.venue == "Police academy"
    assert list(copy.partners.all()) == [partner]
    assert copy.attendances.count() == 1


# Exports


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_follows_scope_and_filters(client, users, sessions, fmt):
    client.force_login(users["donor_b"])
    response = client.get(reverse("trainings:export", args=[fmt]), {"kind": "workshop"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert "Beirut workshop" in text
        assert "Cairo training" not in text
        assert "Regional expert meeting" not in text
    else:
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(response.content)).active
        titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert titles == ["Beirut workshop"]


@pytest.mark.parametrize("name", ["donor_a", "analyst"])
def test_export_has_no_names_and_hides_small_counts(client, users, sessions, name):
    client.force_login(users[name])
    text = client.get(reverse("trainings:export", args=["csv"])).content.decode("utf-8-sig")
    assert "Cairo training" in text
    assert "Amal Hassan" not in text
    assert "<5" in text


def test_export_of_an_unknown_format_is_404(client, users):
    client.force_login(users["me"])
    assert client.get(reverse("trainings:export", args=["pdf"])).status_code == 404


# Dashboards


def test_project_dashboard_shows_training_figures(client, users, portfolio, sessions):
    client.force_login(users["officer_eg"])
    response = client.get(reverse("projects:dashboard", args=[portfolio["p_eg"].pk]))
    training = response.context["training"]
    assert training.sessions_held == 1
    assert training.people_trained.shown == 3
    html = response.content.decode()
    assert "People trained" in html
    assert "Police" in html


def test_donor_dashboard_hides_small_counts(client, users, portfolio, sessions):
    client.force_login(users["donor_a"])
    response = client.get(reverse("projects:dashboard", args=[portfolio["p_eg"].pk]))
    assert response.context["training"].people_trained.shown == "<5"
    html = response.content.decode()
    assert "&lt;5" in html


def test_portfolio_dashboard_adds_up_the_visible_trainings(client, users, sessions):
    client.force_login(users["me"])
    response = client.get(reverse("projects:portfolio_dashboard"))
    training = response.context["training"]
    assert training.sessions_held == 2
    assert training.people_trained.value == 23


@pytest.mark.parametrize("count", [3, 30])
def test_dashboards_cost_a_bounded_number_of_queries(
    client, users, portfolio, django_assert_max_num_queries, count
):
    audiences = list(Audience.objects.all()[:3])
    for index in range(count):
        session = f.TrainingSessionFactory(
            project=portfolio["p_both"],
            start_date=datetime.date(2020 + index % 3, 3, 1),
            end_date=datetime.date(2020 + index % 3, 3, 2),
        )
        session.audiences.set(audiences)
        f.AttendanceFactory(session=session)
        f.ParticipantCountFactory(session=session, count=index)
    client.force_login(users["admin"])
    with django_assert_max_num_queries(40):
        client.get(reverse("projects:dashboard", args=[portfolio["p_both"].pk]))
    with django_assert_max_num_queries(30):
        client.get(reverse("projects:portfolio_dashboard"))


@pytest.mark.parametrize("count", [3, 30])
def test_detail_and_edit_cost_the_same_queries_for_3_or_30_participants(
    client, users, portfolio, django_assert_max_num_queries, count
):
    session = f.TrainingSessionFactory(project=portfolio["p_eg"])
    for index in range(count):
        # Some people are recorded without a country of work.
        country = portfolio["egypt"] if index % 2 else None
        f.AttendanceFactory(session=session, person=f.PersonFactory(country_of_work=country))
    client.force_login(users["officer_eg"])
    with django_assert_max_num_queries(21):
        response = client.get(reverse("trainings:detail", args=[session.pk]))
    assert len(response.context["participants"]) == count
    with django_assert_max_num_queries(30):
        client.get(reverse("trainings:edit", args=[session.pk]))


def test_donor_cannot_work_out_a_small_count_by_subtraction(client, users, sessions):
    client.force_login(users["donor_b"])
    response = client.get(reverse("trainings:detail", args=[sessions["s_lb"].pk]))
    assert response.status_code == 200
    # 20 people, 8 women, 12 men: nothing small, all shown.
    assert '<div class="kpi-value">8</div>' in response.content.decode()
    ParticipantCount.objects.filter(session=sessions["s_lb"], sex="female").update(count=3)
    html = client.get(reverse("trainings:detail", args=[sessions["s_lb"].pk])).content.decode()
    assert "&lt;5" in html
    assert '<div class="kpi-value"><bdi dir="ltr">*</bdi></div>' in html


def test_filters_offer_all_rather_than_dashes(client, users):
    client.force_login(users["me"])
    html = client.get(reverse("trainings:list")).content.decode()
    assert "---------" not in html
    assert html.count('<option value="" selected>All</option>') == 5
