"""The case list: filters, the follow-up rule and its cost in queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance import care_services as care
from assistance.models import Case
from tests import factories as f

D = datetime.date
URL = reverse("assistance:cases")


@pytest.fixture
def today():
    return timezone.localdate()


def lb_case(portfolio, **fields):
    return f.CaseFactory(country_office=portfolio["lebanon"], project=portfolio["p_lb"], **fields)


def refs(response) -> set[str]:
    return {case.reference for case in response.context["cases"]}


def test_follow_up_rule(portfolio, case_workers, orgs, today):
    """Open cases that are quiet for 30 days or have a referral waiting over 14 days."""
    worker = case_workers["lb"]
    quiet = lb_case(portfolio)
    f.ServiceFactory(case=quiet, start_date=today - datetime.timedelta(days=31))
    active = lb_case(portfolio)
    f.ServiceFactory(case=active, start_date=today - datetime.timedelta(days=30))
    noted = lb_case(portfolio)
    care.note_add(user=worker, case=noted, text="Called her today.")
    stay_ended = lb_case(portfolio)
    f.ShelterStayFactory(
        case=stay_ended,
        shelter=f.ShelterFactory(country=portfolio["lebanon"]),
        admitted_on=today - datetime.timedelta(days=90),
        discharged_on=today - datetime.timedelta(days=3),
    )
    waiting = lb_case(portfolio, consent_referral=True, consent_date=D(2021, 5, 10))
    care.referral_send(
        user=worker,
        case=waiting,
        data={
            "from_organisation": orgs["ngo"],
            "to_organisation": orgs["un"],
            "sent_on": today - datetime.timedelta(days=15),
        },
    )
    answered = lb_case(portfolio, consent_referral=True, consent_date=D(2021, 5, 10))
    referral = care.referral_send(
        user=worker,
        case=answered,
        data={
            "from_organisation": orgs["ngo"],
            "to_organisation": orgs["un"],
            "sent_on": today - datetime.timedelta(days=20),
        },
    )
    care.referral_update_status(
        user=worker, referral=referral, status="accepted", responded_on=today
    )
    closed = lb_case(
        portfolio, status="closed", closure_reason="completed", closed_on=D(2021, 9, 1)
    )

    flagged = set(Case.objects.needs_follow_up(today).values_list("pk", flat=True))

    assert quiet.pk in flagged and waiting.pk in flagged
    assert not flagged & {active.pk, noted.pk, stay_ended.pk, answered.pk, closed.pk}
    rows = {c.pk: c for c in Case.objects.with_follow_up(today)}
    assert rows[waiting.pk].referral_waiting and not rows[waiting.pk].quiet
    assert rows[quiet.pk].quiet and not rows[quiet.pk].referral_waiting


def test_filters(client, portfolio, case_workers, today):
    client.force_login(case_workers["lb"])
    old = lb_case(portfolio, identification_date=D(2020, 1, 5))
    sexual = lb_case(
        portfolio,
        identification_date=D(2022, 3, 1),
        is_forced_labour=False,
        labour_sector="",
        is_sexual_exploit=True,
        status="assessment",
    )
    followed = lb_case(portfolio, identification_date=D(2022, 4, 1))
    f.ServiceFactory(case=followed, start_date=today)

    assert refs(client.get(URL, {"status": "assessment"})) == {sexual.reference}
    assert refs(client.get(URL, {"exploitation": "isSexualExploit"})) == {sexual.reference}
    assert refs(client.get(URL, {"identified_to": "2021-01-01"})) == {old.reference}
    between = client.get(URL, {"identified_from": "2022-01-01", "identified_to": "2022-03-31"})
    assert refs(between) == {sexual.reference}
    assert refs(client.get(URL, {"follow_up": "on"})) == {old.reference, sexual.reference}
    assert refs(client.get(URL, {"reference": sexual.reference[3:8].lower()})) == {sexual.reference}


def test_bad_filter_values_show_errors_not_a_crash(client, portfolio, case_workers):
    client.force_login(case_workers["lb"])
    lb_case(portfolio)

    response = client.get(URL, {"identified_from": "31/31/2021", "exploitation": "isNothing"})

    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert "identified_from" in errors and "exploitation" in errors


def test_only_administrators_filter_by_country_office(client, portfolio, users, case_workers):
    lb = lb_case(portfolio)
    eg = f.CaseFactory(country_office=portfolio["egypt"], project=portfolio["p_eg"])

    client.force_login(users["admin"])
    admin_page = client.get(URL, {"country_office": "EG"})
    assert refs(admin_page) == {eg.reference}
    assert 'name="country_office"' in admin_page.content.decode()

    client.force_login(case_workers["lb"])
    worker_page = client.get(URL, {"country_office": "EG"})
    assert refs(worker_page) == {lb.reference}
    assert 'name="country_office"' not in worker_page.content.decode()


def test_the_list_shows_references_and_badges_never_identities(client, portfolio, case_workers):
    from assistance import services

    case = lb_case(portfolio)
    services.identity_save(
        user=case_workers["lb"], case=case, data={"given_name": "Zahra-Unique-Name"}
    )
    client.force_login(case_workers["lb"])

    content = client.get(URL).content.decode()

    assert case.reference in content
    assert "Zahra-Unique-Name" not in content
    assert "Needs follow-up" in content


def test_the_list_is_paginated(client, portfolio, case_workers):
    for _ in range(27):
        lb_case(portfolio)
    client.force_login(case_workers["lb"])

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["cases"]) == 25 and len(second.context["cases"]) == 2
    assert first.context["page_obj"].paginator.count == 27


@pytest.mark.parametrize("who", ["admin", "case_worker"])
def test_the_list_costs_the_same_for_3_or_30_cases(
    who, client, portfolio, users, case_workers, django_assert_max_num_queries
):
    user = users["admin"] if who == "admin" else case_workers["lb"]
    client.force_login(user)
    for _ in range(3):
        lb_case(portfolio)
    client.get(URL)
    with django_assert_max_num_queries(10) as few:
        client.get(URL, {"follow_up": "on", "status": "open"})
    for _ in range(27):
        lb_case(portfolio)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"follow_up": "on", "status": "open"})
    assert len(response.context["cases"]) == 25
