from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from assistance import ctdc
from assistance.demo import OFFICES
from assistance.models import (
    Case,
    CaseNote,
    Identity,
    IdentityAccess,
    Referral,
    Service,
    Shelter,
    ShelterStay,
)
from ctportal.access import Role

MODELS = [Case, Identity, Service, Referral, ShelterStay, CaseNote, Shelter, Case.history.model]


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def check_offices(loaded: str) -> None:
    for office in OFFICES:
        worker = User.objects.get(username=office.username)
        assert worker.role == Role.CASE_WORKER
        assert worker.country_office.code == office.code
        assert worker.check_password(f"{office.username}-demo-2024")
        cases = Case.objects.filter(country_office=worker.country_office)
        assert 40 <= cases.count() == office.cases <= 60
        assert set(cases.values_list("registered_by", flat=True)) == {worker.pk}
        assert Shelter.objects.get(country=worker.country_office).name == office.shelter
        assert office.username in loaded
    projects = set(Case.objects.values_list("project__code", flat=True))
    assert projects == {"CT.IQ.2008.MAP", "CT.SY.2009.SHL", "CT.PAVE.2013"}
    assert Service.objects.count() > Case.objects.count()
    assert Referral.objects.exists()
    assert ShelterStay.objects.exists()
    assert CaseNote.objects.exists()
    assert Case.objects.filter(status="closed").exists()
    assert "victim-assistance cases" in loaded


def check_identities() -> None:
    worker = User.objects.get(username="case.lebanon")
    worker.is_verified = lambda: True
    identities = Identity.objects.visible_to(worker)
    assert identities.count() == Case.objects.filter(country_office__code="LB").count()
    for identity in identities:
        assert identity.given_name == "Demo"
        assert identity.family_name.startswith("Person LB-")
        assert "Fictitious" in identity.address


def check_valid() -> None:
    """Bulk-written, so held here to the models' validation and the shelters' capacity."""
    for model in (Case, Identity, Service, Referral, ShelterStay, CaseNote):
        for record in model.objects.all():
            record.full_clean()
    for stay in ShelterStay.objects.select_related("shelter"):
        staying = ShelterStay.objects.filter(
            shelter=stay.shelter, admitted_on__lte=stay.admitted_on
        ).exclude(discharged_on__lte=stay.admitted_on)
        assert staying.count() <= stay.shelter.capacity
    assert Case.history.count() == Case.objects.count()
    assert IdentityAccess.objects.filter(action="write").count() == Identity.objects.count()


def check_ctdc_export() -> None:
    admin = User.objects.get(username="admin")
    release = ctdc.current_release()
    rows = list(ctdc.published_rows(release, admin))

    assert release.total == Case.objects.filter(consent_share_data=True).count()
    assert len(rows) == release.published_count >= ctdc.K


@pytest.mark.django_db
def test_demo_offices_cases_and_a_second_run_that_adds_nothing():
    # One test: loading the whole demo takes a while.
    loaded = load("--with-users")
    check_offices(loaded)
    check_identities()
    check_valid()
    check_ctdc_export()

    before = counts()
    again = load("--with-users")

    assert counts() == before
    assert "(0 created)" in again.split("victim-assistance cases")[1][:20]


@pytest.mark.django_db
def test_without_demo_logins_case_workers_cannot_sign_in():
    load("--no-users")

    workers = User.objects.filter(username__in=[office.username for office in OFFICES])
    assert workers.count() == len(OFFICES)
    assert not any(worker.has_usable_password() for worker in workers)
    assert Case.objects.count() == sum(office.cases for office in OFFICES)
