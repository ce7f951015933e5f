import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from assistance import services
from assistance.models import Case, CaseNote, Identity, IdentityAccess, Service, Shelter
from ctportal import access
from tests import factories as f

# Case rows each user may see (DESIGN.md: case workers of the office and administrators only).
EXPECTED_CASES = {
    "case_worker_lb": {"lb"},
    "case_worker_eg": {"eg"},
    "case_worker_lb_unverified": set(),
    "case_worker_no_office": set(),
    "officer_eg": set(),
    "officer_lb_project": set(),
    "me": set(),
    "donor_a": set(),
    "donor_b": set(),
    "analyst": set(),
    "admin": {"lb", "eg"},
    "norole": set(),
}
# Cases each user may count in aggregates (rows never shown to them).
EXPECTED_COUNTED = {
    **EXPECTED_CASES,
    "officer_eg": {"eg"},
    "officer_lb_project": {"lb"},
    "me": {"lb", "eg"},
    "donor_a": {"eg"},
    "donor_b": {"lb"},
    "analyst": {"lb", "eg"},
}


@pytest.fixture
def everyone(users, case_workers):
    return {
        **users,
        "case_worker_lb": case_workers["lb"],
        "case_worker_eg": case_workers["eg"],
        "case_worker_lb_unverified": case_workers["lb_unverified"],
        "case_worker_no_office": case_workers["no_office"],
    }


def names(queryset, cases, path=None) -> set[str]:
    ids = set(queryset.values_list(path or "pk", flat=True))
    return {key for key, case in cases.items() if case.pk in ids}


@pytest.mark.parametrize("who", sorted(EXPECTED_CASES))
def test_case_rows_per_role(everyone, cases, who):
    assert names(Case.objects.visible_to(everyone[who]), cases) == EXPECTED_CASES[who]


@pytest.mark.parametrize("who", sorted(EXPECTED_COUNTED))
def test_cases_counted_per_role(everyone, cases, who):
    assert names(Case.objects.counted_for(everyone[who]), cases) == EXPECTED_COUNTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED_CASES))
def test_identities_and_notes_only_for_case_workers_of_the_office(everyone, cases, who):
    for key, case in cases.items():
        Identity.objects.create(case=case, given_name=f"Name {key}", updated_by=everyone["admin"])
        CaseNote.objects.create(case=case, author=everyone["admin"], text="Met at the shelter.")
    expected = EXPECTED_CASES[who] - {"lb", "eg"} if who == "admin" else EXPECTED_CASES[who]

    assert names(Identity.objects.visible_to(everyone[who]), cases, "case_id") == expected
    assert names(CaseNote.objects.visible_to(everyone[who]), cases, "case_id") == expected
    assert names(Case.objects.with_identity_access(everyone[who]), cases) == expected


@pytest.mark.parametrize("who", sorted(EXPECTED_CASES))
def test_services_follow_their_case(everyone, cases, who):
    for case in cases.values():
        f.ServiceFactory(case=case)
    assert names(Service.objects.visible_to(everyone[who]), cases, "case_id") == EXPECTED_CASES[who]


def test_shelters_only_for_administrators_and_case_workers_of_the_country(everyone, portfolio):
    lb = f.ShelterFactory(country=portfolio["lebanon"])
    eg = f.ShelterFactory(country=portfolio["egypt"])

    assert set(Shelter.objects.visible_to(everyone["case_worker_lb"])) == {lb}
    assert set(Shelter.objects.visible_to(everyone["admin"])) == {lb, eg}
    for who in ("case_worker_lb_unverified", "officer_eg", "me", "donor_a", "analyst", "norole"):
        assert not Shelter.objects.visible_to(everyone[who]).exists()


def test_an_unverified_case_worker_has_no_case_scope(case_workers):
    user = case_workers["lb_unverified"]

    assert access.needs_second_factor(user)
    assert access.case_office_id(user) is None
    assert not access.needs_second_factor(case_workers["lb"])


def test_the_second_factor_is_asked_of_case_workers_and_administrators_only(users):
    for who in ("case_worker_lb", "admin"):
        assert access.needs_second_factor(users[who])
    for who in ("officer_eg", "me", "donor_a", "analyst", "norole"):
        assert not access.needs_second_factor(users[who])


def request_from(ip="203.0.113.7", agent="Firefox/128"):
    return RequestFactory().get("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


def test_identity_read_logs_who_when_which_case_and_from_where(case_workers, cases, users):
    Identity.objects.create(case=cases["lb"], given_name="Amina", updated_by=users["admin"])

    identity = services.identity_read(
        user=case_workers["lb"], case=cases["lb"], request=request_from()
    )

    assert identity.given_name == "Amina"
    entry = IdentityAccess.objects.get()
    assert (entry.user, entry.case, entry.action) == (case_workers["lb"], cases["lb"], "read")
    assert entry.ip_address == "203.0.113.7"
    assert entry.user_agent == "Firefox/128"
    assert entry.accessed_at is not None


def test_identity_read_of_a_case_without_identity_is_logged_too(case_workers, cases):
    assert services.identity_read(user=case_workers["lb"], case=cases["lb"]) is None
    assert IdentityAccess.objects.count() == 1


@pytest.mark.parametrize(
    "who",
    [
        "case_worker_eg",
        "case_worker_lb_unverified",
        "case_worker_no_office",
        "officer_eg",
        "officer_lb_project",
        "me",
        "donor_b",
        "analyst",
        "admin",
        "norole",
    ],
)
def test_identity_read_is_404_for_everybody_else_and_logs_nothing(everyone, cases, who):
    Identity.objects.create(case=cases["lb"], given_name="Amina", updated_by=everyone["admin"])

    with pytest.raises(Http404):
        services.identity_read(user=everyone[who], case=cases["lb"], request=request_from())
    with pytest.raises(Http404):
        services.identity_save(user=everyone[who], case=cases["lb"], data={"given_name": "X"})

    assert not IdentityAccess.objects.exists()
    assert Identity.objects.get().given_name == "Amina"


def test_writes_on_a_case_are_404_outside_scope_and_403_for_administrators(everyone, cases):
    with pytest.raises(Http404):
        services.case_update(user=everyone["case_worker_eg"], case=cases["lb"], data={})
    with pytest.raises(Http404):
        services.case_update(user=everyone["donor_b"], case=cases["lb"], data={})
    with pytest.raises(PermissionDenied):
        services.case_update(user=everyone["admin"], case=cases["lb"], data={})


def test_the_access_log_is_for_administrators(everyone, cases):
    services.identity_read(user=everyone["case_worker_lb"], case=cases["lb"])

    assert IdentityAccess.objects.visible_to(everyone["admin"]).count() == 1
    for who in ("case_worker_lb", "me", "analyst", "donor_b", "norole"):
        assert not IdentityAccess.objects.visible_to(everyone[who]).exists()
